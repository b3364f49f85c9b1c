from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from satudata.catalog.models import Resource, ResourceVersion

from .constants import RunStatus, Stage


class IngestRun(models.Model):
    """One processing of one uploaded file: a row with its status, timings, worker and problems."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="ingest_runs")
    # The original upload, already durable in the file store when this row is committed.
    file_key = models.CharField(max_length=64)
    size = models.BigIntegerField()
    original_name = models.CharField(_("nama berkas"), max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=20, choices=RunStatus.choices, default=RunStatus.QUEUED, db_index=True
    )
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.RECEIVED)
    percent = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Results
    sheet = models.CharField(_("lembar"), max_length=255, blank=True)
    row_count = models.PositiveIntegerField(null=True, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    pii_count = models.PositiveIntegerField(default=0)
    counts_by_code = models.JSONField(default=dict, blank=True)
    schema = models.JSONField(default=dict, blank=True)
    report_key = models.CharField(max_length=64, blank=True)
    failure = models.TextField(blank=True)
    version = models.OneToOneField(
        ResourceVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="ingest_run"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("proses unggahan")
        verbose_name_plural = _("proses unggahan")

    def __str__(self):
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def is_finished(self):
        return self.status in {RunStatus.SUCCEEDED, RunStatus.NEEDS_FIX, RunStatus.FAILED}

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class RunProblem(models.Model):
    """A problem found by a run, in the shape of ingest.problems.Problem."""

    run = models.ForeignKey(IngestRun, on_delete=models.CASCADE, related_name="problems")
    code = models.CharField(max_length=50, db_index=True)
    severity = models.CharField(max_length=10)
    message = models.TextField()
    hint = models.TextField(blank=True)
    sheet = models.CharField(max_length=255, blank=True)
    row = models.PositiveIntegerField(null=True, blank=True)
    column = models.CharField(max_length=1000, blank=True)
    column_index = models.PositiveIntegerField(null=True, blank=True)
    value = models.CharField(max_length=100, blank=True)
    count = models.PositiveIntegerField(default=1)
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.code}: {self.message}"

    @property
    def is_pii(self):
        return self.code.startswith("pii.")


class PiiOverride(models.Model):
    """A Walidata's written decision that a flagged column may be published anyway."""

    version = models.ForeignKey(
        ResourceVersion, on_delete=models.PROTECT, related_name="pii_overrides"
    )
    reason = models.TextField(_("alasan"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return f"{self.version}: {self.reason[:60]}"
