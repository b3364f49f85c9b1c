"""Synthetic Daftar Data for the NTT demo ("data contoh"), so that the compliance dashboard
and the Jadwal Rilis show something realistic. Called at the end of `satudata demo`;
idempotent: an OPD's Daftar Data of a year that already exists is left alone.
"""

from django.db import transaction
from django.utils import timezone

from satudata.catalog.constants import State
from satudata.catalog.models import Dataset

from .constants import Schedule
from .models import DataPlan, PlannedData

NOTE = "Data contoh (sintetis) untuk demonstrasi."
# Planned data that no dataset answers yet: what "many OPDs never hand in" looks like.
UNANSWERED = [
    ("Jumlah Posyandu Aktif per Kecamatan", Schedule.SEMIANNUAL, "open", False),
    ("Rekap Kasus Gizi Buruk per Desa", Schedule.QUARTERLY, "restricted", True),
    ("Realisasi Anggaran Program per Bulan", Schedule.MONTHLY, "open", False),
]
# Varied lags, so that the due dates differ between items.
LAGS = [30, 45, 60, 90]


def _schedule(dataset):
    return (
        dataset.update_frequency if dataset.update_frequency in Schedule.values else Schedule.YEARLY
    )


def load_plans() -> int:
    """Create the demo Daftar Data of last year, this year and next year; returns items made."""
    datasets = list(
        Dataset.objects.filter(is_demo=True)
        .exclude(state=State.WITHDRAWN)
        .select_related("organization")
    )
    if not datasets:
        return 0
    by_org = {}
    for dataset in datasets:
        by_org.setdefault(dataset.organization, []).append(dataset)
    year = timezone.localdate().year
    made = 0
    with transaction.atomic():
        for index, (organization, owned) in enumerate(
            sorted(by_org.items(), key=lambda p: p[0].slug)
        ):
            for plan_year in (year - 1, year, year + 1):
                plan, created = DataPlan.objects.get_or_create(
                    organization=organization, year=plan_year
                )
                if not created:
                    continue
                for position, dataset in enumerate(sorted(owned, key=lambda d: d.slug)):
                    item = PlannedData.objects.create(
                        plan=plan,
                        title=dataset.title,
                        dataset=dataset,
                        access=dataset.access,
                        is_priority=dataset.is_priority,
                        schedule=_schedule(dataset),
                        lag_days=LAGS[(index + position) % len(LAGS)],
                        notes=NOTE,
                    )
                    item.sync_periods()
                    made += 1
                # Every other OPD also planned data it has not handed in.
                if index % 2 == 0:
                    title, schedule, access, priority = UNANSWERED[index // 2 % len(UNANSWERED)]
                    item = PlannedData.objects.create(
                        plan=plan,
                        title=title,
                        access=access,
                        is_priority=priority,
                        schedule=schedule,
                        notes=NOTE,
                    )
                    item.sync_periods()
                    made += 1
    return made
