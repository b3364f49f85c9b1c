"""The Jadwal Rilis: planned periods the public may know about, with where each stands.

Only items planned as Terbuka whose linked dataset (if any) the public may see: the filter
uses catalog.visibility_q for an anonymous user, whoever asks, so the page and the feed
are the same for everyone and can never show a Terbatas or Tertutup plan.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from satudata.catalog.constants import Access
from satudata.catalog.models import Dataset, visibility_q

from .compliance import compliance
from .constants import Status
from .models import PlannedData

# Without a month filter the page shows due dates in this window around today.
PAST_DAYS, FUTURE_DAYS = 365, 400


def public_items():
    public_datasets = Dataset.objects.filter(visibility_q(None)).values("pk")
    return (
        PlannedData.objects.filter(access=Access.OPEN)
        .filter(Q(dataset__isnull=True) | Q(dataset__in=public_datasets))
        .select_related("plan__organization", "dataset")
        .prefetch_related("periods")
    )


@dataclass(frozen=True)
class Release:
    item: PlannedData
    period: object
    status: Status
    published_at: dt.datetime | None

    @property
    def dataset_url(self):
        return self.item.dataset.get_absolute_url() if self.item.dataset_id else ""


def releases(*, organization=None, month=None, today=None) -> list[Release]:
    """Public releases, by due date; `month` is (year, month) or None for the default window."""
    today = today or timezone.localdate()
    items = public_items()
    if organization is not None:
        items = items.filter(plan__organization=organization)
    if month is not None:
        year, number = month
        first = dt.date(year, number, 1)
        last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    else:
        first, last = today - dt.timedelta(days=PAST_DAYS), today + dt.timedelta(days=FUTURE_DAYS)
    items = items.filter(periods__due_date__range=(first, last)).distinct()
    found = []
    for row in compliance(items, today=today):
        if first <= row.period.due_date <= last:
            found.append(Release(row.item, row.period, row.state.status, row.state.published_at))
    found.sort(key=lambda r: (r.period.due_date, r.item.plan.organization.name, r.item.title))
    return found
