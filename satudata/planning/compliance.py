"""Compliance of the Daftar Data: where each planned period stands, and counts of them.

All counting lives here so that it can later read the workflow's submission dates instead
of version dates. Definitions (docs/workflow.md): for a period with due date D,

- submitted: a version of the linked dataset was created on or after the period's start;
- published on time: that version's published_at is at or before the end of D (local time);
- late: it was published after D;
- missing: nothing published and D has passed;
- due: nothing published yet and D has not passed.

Each version counts for one period only: the periods of an item, in order, each take the
earliest-published version created on or after their start that no earlier period took (or,
when none is published, the earliest unpublished one, which makes the period "submitted").
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from satudata.catalog.models import ResourceVersion

from .constants import Status


def day_start(date):
    """Midnight at the start of `date` in the portal's time zone (Asia/Makassar)."""
    return timezone.make_aware(
        dt.datetime.combine(date, dt.time.min), timezone.get_default_timezone()
    )


def day_end(date):
    """The first instant after `date` ends; "on or before the end of D" is `< day_end(D)`."""
    return day_start(date + dt.timedelta(days=1))


@dataclass(frozen=True)
class Version:
    created_at: dt.datetime
    published_at: dt.datetime | None


@dataclass(frozen=True)
class PeriodStatus:
    status: Status
    submitted_at: dt.datetime | None = None
    published_at: dt.datetime | None = None

    @property
    def submitted(self):
        return self.submitted_at is not None


def period_status(due_date, *, submitted_at, published_at, today) -> PeriodStatus:
    """The status of one period with due date `due_date`, seen on `today` (a date)."""
    if published_at is not None:
        status = Status.ON_TIME if published_at < day_end(due_date) else Status.LATE
    elif today <= due_date:
        status = Status.DUE
    else:
        status = Status.MISSING
    return PeriodStatus(status, submitted_at, published_at)


def versions_of(dataset_ids) -> dict[int, list[Version]]:
    found = defaultdict(list)
    rows = ResourceVersion.objects.filter(resource__dataset_id__in=set(dataset_ids)).values_list(
        "resource__dataset_id", "created_at", "published_at"
    )
    for dataset_id, created_at, published_at in rows:
        found[dataset_id].append(Version(created_at, published_at))
    return found


def item_statuses(periods, versions, *, today) -> list[PeriodStatus]:
    """The status of each of one item's `periods` (any order) from its dataset's `versions`."""
    taken = set()
    statuses = {}
    for period in sorted(periods, key=lambda p: p.start):
        start = day_start(period.start)
        free = [i for i, v in enumerate(versions) if i not in taken and v.created_at >= start]
        published = [i for i in free if versions[i].published_at is not None]
        chosen = None
        if published:
            chosen = min(
                published, key=lambda i: (versions[i].published_at, versions[i].created_at)
            )
        elif free:
            chosen = min(free, key=lambda i: versions[i].created_at)
        if chosen is not None:
            taken.add(chosen)
        version = versions[chosen] if chosen is not None else None
        statuses[period.key] = period_status(
            period.due_date,
            submitted_at=version.created_at if version else None,
            published_at=version.published_at if version else None,
            today=today,
        )
    return [statuses[p.key] for p in periods]


@dataclass(frozen=True)
class Row:
    item: object
    period: object
    state: PeriodStatus


def compliance(items, *, today=None) -> list[Row]:
    """One Row per period of each planned item in `items` (their periods are fetched here)."""
    today = today or timezone.localdate()
    items = list(items)
    versions = versions_of(i.dataset_id for i in items if i.dataset_id)
    rows = []
    for item in items:
        periods = list(item.periods.all())
        states = item_statuses(periods, versions.get(item.dataset_id, []), today=today)
        rows.extend(Row(item, p, s) for p, s in zip(periods, states, strict=True))
    return rows


@dataclass
class Counts:
    due: int = 0
    submitted: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0
    total: int = 0

    def add(self, state: PeriodStatus):
        self.total += 1
        self.submitted += state.submitted
        setattr(self, state.status.value, getattr(self, state.status.value) + 1)

    @property
    def past_due(self):
        return self.on_time + self.late + self.missing

    @property
    def on_time_percent(self):
        """Share of periods whose due date has passed (or that were published) that were on time."""
        return round(100 * self.on_time / self.past_due) if self.past_due else None

    def as_dict(self):
        return {
            "due": self.due,
            "submitted": self.submitted,
            "on_time": self.on_time,
            "late": self.late,
            "missing": self.missing,
            "total": self.total,
        }


def count(rows) -> Counts:
    counts = Counts()
    for row in rows:
        counts.add(row.state)
    return counts


def count_by(rows, key) -> dict:
    """Counts grouped by `key(row)`, in the order keys first appear."""
    groups = defaultdict(Counts)
    for row in rows:
        groups[key(row)].add(row.state)
    return dict(groups)


def by_due_month(rows) -> list[tuple[tuple[int, int], Counts]]:
    """The trend: counts per month of the due date, oldest first."""
    groups = count_by(rows, lambda r: (r.period.due_date.year, r.period.due_date.month))
    return sorted(groups.items())


@dataclass
class Chart:
    """Geometry of a stacked bar chart, drawn as inline SVG by the template (no script)."""

    width: int
    height: int
    bars: list = field(default_factory=list)
    max_total: int = 0


CHART_SERIES = [Status.ON_TIME, Status.LATE, Status.MISSING, Status.DUE]


def chart(trend, *, bar_width=28, gap=10, height=160, label_height=34) -> Chart:
    """Stacked bars (on time, late, missing, due) per month of `by_due_month`."""
    from .periods import month_names

    max_total = max((c.total for _m, c in trend), default=0) or 1
    plot = height - label_height
    result = Chart(width=max(1, len(trend)) * (bar_width + gap) + gap, height=height)
    result.max_total = max_total
    names = month_names()
    for index, ((year, month), counts) in enumerate(trend):
        x = gap + index * (bar_width + gap)
        y = plot
        segments = []
        for status in CHART_SERIES:
            value = getattr(counts, status.value)
            if not value:
                continue
            h = round(plot * value / max_total, 1)
            y = round(y - h, 1)
            segments.append(
                {"status": status.value, "label": status.label, "value": value, "y": y, "h": h}
            )
        result.bars.append(
            {
                "x": x,
                "width": bar_width,
                "mid": x + bar_width / 2,
                "label": f"{names[month - 1][:3]}",
                "year": str(year)[2:],
                "title": f"{names[month - 1]} {year}",
                "segments": segments,
                "counts": counts,
                "label_y": plot + 14,
                "year_y": plot + 28,
            }
        )
    return result
