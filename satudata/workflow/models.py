from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from satudata.accounts.constants import Role
from satudata.catalog.models import Dataset, ResourceVersion

from .constants import CommentTarget, SubmissionState


class Submission(models.Model):
    """One version put forward for publication, and where its review stands.

    The state changes only through transitions.py (a conditional UPDATE, so two reviewers
    cannot both act). Nothing is deleted: a returned submission stays, and the Produsen's
    next version gets a new submission pointing back to it.
    """

    version = models.OneToOneField(
        ResourceVersion,
        verbose_name=_("versi"),
        on_delete=models.PROTECT,
        related_name="submission",
    )
    # Denormalised from version.resource.dataset: queues filter on it.
    dataset = models.ForeignKey(
        Dataset, verbose_name=_("dataset"), on_delete=models.PROTECT, related_name="submissions"
    )
    state = models.CharField(
        _("status"),
        max_length=20,
        choices=SubmissionState.choices,
        default=SubmissionState.DRAFT,
        db_index=True,
    )
    previous = models.ForeignKey(
        "self",
        verbose_name=_("pengajuan sebelumnya"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("diajukan"), null=True, blank=True)
    changed_at = models.DateTimeField(_("status berubah"), auto_now_add=True)
    published_at = models.DateTimeField(_("diterbitkan"), null=True, blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("pengajuan")
        verbose_name_plural = _("pengajuan")

    def __str__(self):
        return f"{self.dataset} · {self.version.resource.name} v{self.version.number}"

    def get_absolute_url(self):
        return reverse("workflow:submission", args=[self.pk])

    def authors(self):
        """Users who may not review this submission: who submitted it and who uploaded the file."""
        return {
            pk
            for pk in (self.submitted_by_id, self.created_by_id, self.version.created_by_id)
            if pk
        }

    def needs_precheck(self):
        """True when the OPD has an active Walidata Pendukung, other than the authors, to pre-check."""
        from satudata.accounts.models import Membership

        return (
            Membership.objects.filter(
                role=Role.SUPPORT_STEWARD,
                organization_id=self.dataset.organization_id,
                user__is_active=True,
            )
            .exclude(user_id__in=self.authors())
            .exists()
        )


class Comment(models.Model):
    """A remark in a submission's discussion, on the dataset, one column or one row."""

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="comments")
    # Kept with the version too, so a version's discussion survives any later submission.
    version = models.ForeignKey(ResourceVersion, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The role the author spoke in, fixed at writing time (roles may change later).
    author_role = models.CharField(_("peran"), max_length=20, choices=Role.choices)
    target = models.CharField(
        _("tentang"), max_length=10, choices=CommentTarget.choices, default=CommentTarget.DATASET
    )
    column = models.CharField(_("kolom"), max_length=255, blank=True)
    row = models.PositiveIntegerField(_("baris"), null=True, blank=True)
    text = models.TextField(_("komentar"))
    # The transition this comment came with ("return"), empty for a plain remark.
    transition = models.CharField(max_length=30, blank=True)
    created_at = models.DateTimeField(_("waktu"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("komentar")
        verbose_name_plural = _("komentar")

    def __str__(self):
        return f"{self.author}: {self.text[:60]}"

    @property
    def where(self):
        if self.target == CommentTarget.COLUMN:
            return _("Kolom %(name)s") % {"name": self.column}
        if self.target == CommentTarget.ROW:
            return _("Baris %(n)s") % {"n": self.row}
        return _("Dataset")


class Withdrawal(models.Model):
    """A published dataset taken back by the Walidata, with the reason shown to the public."""

    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="withdrawals")
    reason = models.TextField(_("alasan penarikan"))
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("ditarik"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = "created_at"
        verbose_name = _("penarikan")
        verbose_name_plural = _("penarikan")

    def __str__(self):
        return f"{self.dataset}: {self.reason[:60]}"
