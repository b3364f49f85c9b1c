from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    """Submission and review of versions (Draf → Diajukan → … → Terbit), discussion and withdrawal."""

    name = "satudata.workflow"
    label = "workflow"
    verbose_name = "Alur kerja"

    def ready(self):
        from . import rules  # noqa: F401  (registers submission, comment and withdrawal permissions)
