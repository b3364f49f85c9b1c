from django.apps import AppConfig


class LibConfig(AppConfig):
    """Helpers without models: durable file store, stemming, small utilities, system checks."""

    name = "satudata.lib"
    label = "lib"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
