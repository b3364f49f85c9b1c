from django.db import models
from django.utils.translation import gettext_lazy as _

# Days between the end of a period and its due date, when the Walidata does not choose one.
DEFAULT_LAG_DAYS = 30
# A Daftar Data year outside this range is a typo.
MIN_YEAR, MAX_YEAR = 2000, 2100
# Reminders: "due soon" this many days before the due date; "overdue" the day after and
# then every OVERDUE_EVERY_DAYS days while nothing is published.
DUE_SOON_DAYS = (7, 1)
OVERDUE_EVERY_DAYS = 7


class Schedule(models.TextChoices):
    """Jadwal pemutakhiran of a planned item (catalog's UpdateFrequency without "tidak tentu")."""

    YEARLY = "tahunan", _("Tahunan")
    SEMIANNUAL = "semesteran", _("Semesteran")
    QUARTERLY = "triwulanan", _("Triwulanan")
    MONTHLY = "bulanan", _("Bulanan")


class Status(models.TextChoices):
    """Where one period of a planned item stands (see compliance.period_status)."""

    DUE = "due", _("Belum jatuh tempo")
    ON_TIME = "on_time", _("Terbit tepat waktu")
    LATE = "late", _("Terbit terlambat")
    MISSING = "missing", _("Belum ada")


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", _("Segera jatuh tempo")
    OVERDUE = "overdue", _("Terlambat")
