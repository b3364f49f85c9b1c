"""The periods of a year under a jadwal pemutakhiran, with their keys and Indonesian labels.

A key is stable text ("2026", "2026-S1", "2026-T3", "2026-07"): it names a period in the
database, in reminder records and in iCalendar UIDs.
"""

import calendar
import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .constants import Schedule

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def month_names():
    return [
        _("Januari"),
        _("Februari"),
        _("Maret"),
        _("April"),
        _("Mei"),
        _("Juni"),
        _("Juli"),
        _("Agustus"),
        _("September"),
        _("Oktober"),
        _("November"),
        _("Desember"),
    ]


@dataclass(frozen=True)
class Period:
    key: str
    start: dt.date
    end: dt.date

    def due_date(self, lag_days):
        return self.end + dt.timedelta(days=lag_days)


def _span(year, first_month, months):
    last_month = first_month + months - 1
    end = dt.date(year, last_month, calendar.monthrange(year, last_month)[1])
    return dt.date(year, first_month, 1), end


def periods_of(schedule, year) -> list[Period]:
    schedule = Schedule(schedule)
    if schedule == Schedule.YEARLY:
        return [Period(str(year), *_span(year, 1, 12))]
    if schedule == Schedule.SEMIANNUAL:
        return [Period(f"{year}-S{n}", *_span(year, 6 * n - 5, 6)) for n in (1, 2)]
    if schedule == Schedule.QUARTERLY:
        return [Period(f"{year}-T{n}", *_span(year, 3 * n - 2, 3)) for n in (1, 2, 3, 4)]
    return [Period(f"{year}-{m:02d}", *_span(year, m, 1)) for m in range(1, 13)]


def period_label(key) -> str:
    """ "Tahun 2026", "Semester 1 2026", "Triwulan III 2026", "Juli 2026"."""
    year, _sep, part = key.partition("-")
    if not part:
        return _("Tahun %(year)s") % {"year": year}
    if part.startswith("S"):
        return _("Semester %(n)s %(year)s") % {"n": part[1:], "year": year}
    if part.startswith("T"):
        return _("Triwulan %(n)s %(year)s") % {
            "n": ROMAN.get(int(part[1:]), part[1:]),
            "year": year,
        }
    return f"{month_names()[int(part) - 1]} {year}"


def month_label(year, month) -> str:
    return f"{month_names()[month - 1]} {year}"
