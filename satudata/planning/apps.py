from django.apps import AppConfig


class PlanningConfig(AppConfig):
    """Daftar Data (the yearly plan per OPD), its compliance, reminders and the Jadwal Rilis."""

    name = "satudata.planning"
    label = "planning"
    verbose_name = "Daftar Data"

    def ready(self):
        from . import rules  # noqa: F401  (registers the Daftar Data permissions)
