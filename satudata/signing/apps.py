from django.apps import AppConfig


class SigningConfig(AppConfig):
    """Signed release manifests of published versions, their public keys and their verification."""

    name = "satudata.signing"
    label = "signing"
    verbose_name = "Rilis bertanda tangan"

    def ready(self):
        from . import rules  # noqa: F401  (registers the manifest, key and verification permissions)
