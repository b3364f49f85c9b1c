from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """What happened; every notification links to the place to act on it."""

    SUBMITTED = "submitted", _("Diajukan")
    RETURNED = "returned", _("Dikembalikan")
    APPROVED = "approved", _("Disetujui")
    PUBLISHED = "published", _("Terbit")
    WITHDRAWN = "withdrawn", _("Ditarik")
    DUE_SOON = "due_soon", _("Segera jatuh tempo")
    OVERDUE = "overdue", _("Terlambat")
