from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Users, OPDs, memberships with roles, and the one permission check `can()`."""

    name = "satudata.accounts"
    label = "accounts"
    verbose_name = "Akun dan peran"

    def ready(self):
        from . import rules  # noqa: F401  (registers account.manage_own)
