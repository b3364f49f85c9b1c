from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from satudata.accounts.models import Organization
from satudata.catalog.constants import Access
from satudata.catalog.models import Dataset

from .constants import DEFAULT_LAG_DAYS, ReminderKind, Schedule
from .periods import period_label, periods_of


class DataPlan(models.Model):
    """The Daftar Data of one OPD for one year: the data it plans to hand in."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("perangkat daerah"),
        on_delete=models.PROTECT,
        related_name="data_plans",
    )
    year = models.PositiveSmallIntegerField(_("tahun"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    modified_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        ordering = ["-year", "organization__name"]
        verbose_name = _("Daftar Data")
        verbose_name_plural = _("Daftar Data")
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="unique_plan_per_year")
        ]

    def __str__(self):
        return f"Daftar Data {self.organization} {self.year}"

    def get_absolute_url(self):
        return reverse("planning:plan", args=[self.organization.slug, self.year])


class PlannedData(models.Model):
    """One planned dataset in a Daftar Data, with its schedule; its periods carry the due dates."""

    plan = models.ForeignKey(DataPlan, on_delete=models.CASCADE, related_name="items")
    title = models.CharField(_("judul data"), max_length=255)
    dataset = models.ForeignKey(
        Dataset,
        verbose_name=_("dataset di katalog"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="planned_items",
    )
    access = models.CharField(
        _("rencana klasifikasi akses"), max_length=20, choices=Access.choices, default=Access.OPEN
    )
    is_priority = models.BooleanField(_("Data Prioritas"), default=False)
    schedule = models.CharField(
        _("jadwal pemutakhiran"), max_length=20, choices=Schedule.choices, default=Schedule.YEARLY
    )
    lag_days = models.PositiveSmallIntegerField(
        _("jeda jatuh tempo (hari)"),
        default=DEFAULT_LAG_DAYS,
        help_text=_("Hari setelah akhir periode sampai tanggal jatuh tempo."),
    )
    notes = models.TextField(_("catatan"), blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    modified_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        ordering = ["plan", "title", "id"]
        verbose_name = _("data dalam Daftar Data")
        verbose_name_plural = _("data dalam Daftar Data")
        constraints = [
            models.UniqueConstraint(fields=["plan", "title"], name="unique_planned_title")
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("planning:item", args=[self.pk])

    def snapshot(self):
        """JSON-serialisable fields for the audit trail."""
        return {
            "title": self.title,
            "dataset": self.dataset.slug if self.dataset_id else None,
            "access": self.access,
            "is_priority": self.is_priority,
            "schedule": self.schedule,
            "lag_days": self.lag_days,
            "notes": self.notes,
        }

    def sync_periods(self, *, reset_due_dates=False):
        """Create the periods of the schedule, drop those it no longer has; with
        `reset_due_dates`, recompute every due date from the lag (edited ones included)."""
        wanted = {p.key: p for p in periods_of(self.schedule, self.plan.year)}
        existing = {p.key: p for p in self.periods.all()}
        PlannedPeriod.objects.filter(item=self).exclude(key__in=wanted).delete()
        for key, period in wanted.items():
            due = period.due_date(self.lag_days)
            found = existing.get(key)
            if found is None:
                PlannedPeriod.objects.create(
                    item=self, key=key, start=period.start, end=period.end, due_date=due
                )
            elif reset_due_dates and found.due_date != due:
                found.due_date = due
                found.save(update_fields=["due_date"])


class PlannedPeriod(models.Model):
    """One period of a planned item (a year, semester, quarter or month) and its due date."""

    item = models.ForeignKey(PlannedData, on_delete=models.CASCADE, related_name="periods")
    key = models.CharField(_("periode"), max_length=10)
    start = models.DateField(_("awal periode"))
    end = models.DateField(_("akhir periode"))
    due_date = models.DateField(_("tanggal jatuh tempo"))

    class Meta:
        ordering = ["item", "start"]
        verbose_name = _("periode")
        verbose_name_plural = _("periode")
        constraints = [
            models.UniqueConstraint(fields=["item", "key"], name="unique_planned_period")
        ]

    def __str__(self):
        return f"{self.item} · {self.label}"

    @property
    def label(self):
        return period_label(self.key)


class ReminderLog(models.Model):
    """A reminder that was sent: at most one per item, period, kind and day (idempotent runs)."""

    item = models.ForeignKey(PlannedData, on_delete=models.CASCADE, related_name="+")
    period_key = models.CharField(max_length=10)
    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    day = models.DateField()
    recipients = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "id"]
        verbose_name = _("pengingat terkirim")
        verbose_name_plural = _("pengingat terkirim")
        constraints = [
            models.UniqueConstraint(
                fields=["item", "period_key", "kind", "day"], name="unique_reminder_per_day"
            )
        ]

    def __str__(self):
        return f"{self.item} · {self.period_key} · {self.kind} · {self.day}"
