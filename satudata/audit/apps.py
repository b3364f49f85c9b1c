from django.apps import AppConfig


class AuditConfig(AppConfig):
    """Append-only, hash-chained record of who did what, written inside the same transaction."""

    name = "satudata.audit"
    label = "audit"
    verbose_name = "Jejak audit"

    def ready(self):
        from . import rules  # noqa: F401  (registers audit.browse)
