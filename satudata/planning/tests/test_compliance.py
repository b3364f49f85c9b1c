"""The compliance counts against a fixture with known on-time, late, missing and due periods."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_dataset
from satudata.planning.compliance import Version, compliance, item_statuses, period_status
from satudata.planning.constants import Status
from satudata.planning.periods import period_label, periods_of

from .helpers import at, new_version, plan_item, set_due, set_version


def test_it_generates_the_periods_of_each_schedule():
    assert [p.key for p in periods_of("tahunan", 2026)] == ["2026"]
    assert [p.key for p in periods_of("semesteran", 2026)] == ["2026-S1", "2026-S2"]
    quarters = periods_of("triwulanan", 2026)
    assert [(p.start, p.end) for p in quarters][1] == (dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    months = periods_of("bulanan", 2024)
    assert len(months) == 12 and months[1].end == dt.date(2024, 2, 29)
    assert months[1].due_date(30) == dt.date(2024, 3, 30)
    assert period_label("2026-T3") == "Triwulan III 2026"
    assert period_label("2026-07") == "Juli 2026"


def test_it_decides_on_the_end_of_the_due_day_in_wita():
    due = dt.date(2026, 4, 30)
    today = dt.date(2026, 6, 1)
    kwargs = {"submitted_at": at(due, 1), "today": today}
    assert period_status(due, published_at=at(due, 23, 59), **kwargs).status == Status.ON_TIME
    nextday = at(due + dt.timedelta(days=1), 0, 1)
    assert period_status(due, published_at=nextday, **kwargs).status == Status.LATE
    assert period_status(due, submitted_at=None, published_at=None, today=due).status == Status.DUE
    after = due + dt.timedelta(days=1)
    assert (
        period_status(due, submitted_at=None, published_at=None, today=after).status
        == Status.MISSING
    )


def test_it_counts_one_version_for_one_period_only():
    periods = periods_of("bulanan", 2026)[:2]

    class P:
        def __init__(self, p):
            self.key, self.start, self.due_date = p.key, p.start, p.due_date(30)

    periods = [P(p) for p in periods]
    # One upload in February: it answers January (whose due date is later), not February too.
    versions = [Version(at(dt.date(2026, 2, 10)), at(dt.date(2026, 2, 11)))]
    states = item_statuses(periods, versions, today=dt.date(2026, 5, 1))
    assert [s.status for s in states] == [Status.ON_TIME, Status.MISSING]


@pytest.fixture
def known(cast, opd_a, opd_b):
    """OPD A: on time, late, missing, due (submitted), and an unlinked missing item.
    OPD B: one on time."""
    today = timezone.localdate()
    year = today.year - 1
    ds_a = make_dataset(opd_a, "kunjungan-puskesmas", "Kunjungan Puskesmas")
    quarterly = plan_item(opd_a, year, "Kunjungan Puskesmas", "triwulanan", dataset=ds_a)
    for key, due in {
        f"{year}-T1": dt.date(year, 4, 30),
        f"{year}-T2": dt.date(year, 7, 30),
        f"{year}-T3": dt.date(year, 10, 30),
        f"{year}-T4": today + dt.timedelta(days=10),
    }.items():
        set_due(quarterly, key, due)
    first = ds_a.resources.first().versions.get()
    # T1: published in the last minute of its due day (WITA) -> on time.
    set_version(first, at(dt.date(year, 2, 10)), at(dt.date(year, 4, 30), 23, 30))
    # T2: published ten minutes into the day after -> late. Created on 1 July, so it would
    # also fit T3; it counts once.
    new_version(ds_a, at(dt.date(year, 7, 1)), at(dt.date(year, 7, 31), 0, 10))
    # T3: nothing -> missing. T4: uploaded, not yet published, due in the future -> due.
    new_version(ds_a, at(dt.date(year, 10, 5)), None)
    unlinked = plan_item(opd_a, year, "Rekap Gizi Balita", "tahunan")
    set_due(unlinked, str(year), today - dt.timedelta(days=1))
    ds_b = make_dataset(opd_b, "penerima-bansos", "Penerima Bansos")
    set_version(
        ds_b.resources.first().versions.get(),
        at(dt.date(year, 3, 1)),
        at(dt.date(year, 3, 2)),
    )
    yearly = plan_item(opd_b, year, "Penerima Bansos", "tahunan", dataset=ds_b)
    set_due(yearly, str(year), today - dt.timedelta(days=5))
    return year


OPD_A = {"due": 1, "submitted": 3, "on_time": 1, "late": 1, "missing": 2, "total": 5}
OPD_B = {"due": 0, "submitted": 1, "on_time": 1, "late": 0, "missing": 0, "total": 1}
PROVINCE = {"due": 1, "submitted": 4, "on_time": 2, "late": 1, "missing": 2, "total": 6}


def cells(html, table_id, row_text):
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S).group(0)
    row = next(r for r in re.findall(r"<tr>.*?</tr>", table, re.S) if row_text in r)
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]


def test_it_counts_the_province_dashboard_exactly(clients, known):
    response = clients["pimpinan"].get(reverse("planning:compliance") + f"?tahun={known}")
    assert response.status_code == 200
    assert response.context["counts"].as_dict() == PROVINCE
    per_opd = {org.slug: c.as_dict() for org, c in response.context["opds"]}
    assert per_opd == {"dinas-kesehatan": OPD_A, "dinas-sosial": OPD_B}
    html = response.content.decode()
    # periods, submitted, on time, late, missing, due, % on time (1 of 4 past due)
    assert cells(html, "per-opd", "Dinas Kesehatan") == ["5", "3", "1", "1", "2", "1", "25%"]
    assert cells(html, "per-opd", "Dinas Sosial") == ["1", "1", "1", "0", "0", "0", "100%"]
    assert "<svg" in html and "<script" not in html


def test_it_counts_an_opd_dashboard_and_the_trend(clients, known):
    response = clients["produsen_a"].get(
        reverse("planning:compliance_opd", args=["dinas-kesehatan"]) + f"?tahun={known}"
    )
    assert response.status_code == 200
    assert response.context["counts"].as_dict() == OPD_A
    trend = dict(response.context["trend"])
    assert trend[f"April {known}"].on_time == 1
    assert trend[f"Juli {known}"].late == 1
    assert trend[f"Oktober {known}"].missing == 1
    assert sum(c.total for c in trend.values()) == 5


@pytest.mark.parametrize(
    "who,province,own,other",
    [
        ("walidata", 200, 200, 200),
        ("admin", 200, 200, 200),
        ("pembina", 200, 200, 200),
        ("pimpinan", 200, 200, 200),
        ("produsen_a", 302, 200, 404),
        ("publik", 404, 404, 404),
    ],
)
def test_it_shows_the_dashboards_by_role(clients, known, who, province, own, other):
    client = clients[who]
    assert client.get(reverse("planning:compliance")).status_code == province
    own_url = reverse("planning:compliance_opd", args=["dinas-kesehatan"])
    assert client.get(own_url).status_code == own
    other_url = reverse("planning:compliance_opd", args=["dinas-sosial"])
    assert client.get(other_url).status_code == other


def test_the_demo_plans_load_once(catalog):
    from satudata.catalog.models import Dataset
    from satudata.planning.demo import load_plans
    from satudata.planning.models import DataPlan, PlannedData

    Dataset.objects.update(is_demo=True)
    made = load_plans()
    assert made == PlannedData.objects.count() > 0
    assert DataPlan.objects.count() == 6  # two OPDs, three years
    assert load_plans() == 0
    rows = compliance(PlannedData.objects.all())
    assert len(rows) == sum(i.periods.count() for i in PlannedData.objects.all())
