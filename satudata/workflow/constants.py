from django.db import models
from django.utils.translation import gettext_lazy as _


class SubmissionState(models.TextChoices):
    """Where a submitted version stands; the transitions between them are in transitions.py."""

    DRAFT = "draft", _("Draf")
    SUBMITTED = "submitted", _("Diajukan")  # waits for the Walidata Pendukung's pre-check
    IN_REVIEW = "in_review", _("Ditinjau Walidata")
    SUPERVISOR_REVIEW = "supervisor_review", _("Ditinjau Pembina Data")
    APPROVED = "approved", _("Disetujui")  # waits for publication by the Walidata
    RETURNED = "returned", _("Dikembalikan")
    PUBLISHED = "published", _("Terbit")


# States in which a submission still waits for someone; at most one per resource.
OPEN_STATES = frozenset(
    {
        SubmissionState.DRAFT,
        SubmissionState.SUBMITTED,
        SubmissionState.IN_REVIEW,
        SubmissionState.SUPERVISOR_REVIEW,
        SubmissionState.APPROVED,
    }
)


class CommentTarget(models.TextChoices):
    DATASET = "dataset", _("Dataset")
    COLUMN = "column", _("Kolom")
    ROW = "row", _("Baris")
