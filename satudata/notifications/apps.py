from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """The in-app inbox (kotak masuk) and the e-mail sent for workflow events."""

    name = "satudata.notifications"
    label = "notifications"
    verbose_name = "Notifikasi"

    def ready(self):
        from . import rules  # noqa: F401  (registers inbox permissions)
