"""The public Jadwal Rilis, its iCalendar feed, and the reminders."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from conftest import CANARY_CLOSED, CANARY_RESTRICTED, make_user
from satudata.accounts.constants import Role
from satudata.catalog.models import ResourceVersion
from satudata.notifications.models import Notification
from satudata.planning.ical import escape, fold
from satudata.planning.models import ReminderLog
from satudata.planning.reminders import reminders_for

from .helpers import plan_item, set_due


@pytest.fixture
def plans(catalog, opd_a, opd_b):
    today = timezone.localdate()
    year = today.year
    items = {
        "open": plan_item(
            opd_a,
            year,
            "Persentase Penduduk Miskin; per kab, kota",
            "tahunan",
            dataset=catalog["open"],
        ),
        "unlinked": plan_item(
            opd_b, year, "Rencana Terbuka Tanpa Dataset " + "panjang " * 12, "tahunan"
        ),
        "restricted": plan_item(
            opd_a, year, f"Rencana {CANARY_RESTRICTED}", "tahunan", access="restricted"
        ),
        "closed": plan_item(opd_a, year, f"Rencana {CANARY_CLOSED}", "tahunan", access="closed"),
        # Planned Terbuka, but the linked dataset is Terbatas: the public may not see it.
        "open_but_restricted_dataset": plan_item(
            opd_a, year, "Rencana kanarirbx1", "tahunan", dataset=catalog["restricted"]
        ),
        "open_but_draft_dataset": plan_item(
            opd_a, year, "Rencana kanaridft2", "tahunan", dataset=catalog["draft"]
        ),
    }
    for item in items.values():
        set_due(item, str(year), today + dt.timedelta(days=7))
    return items


HIDDEN = [CANARY_RESTRICTED, CANARY_CLOSED, "kanarirbx1", "kanaridft2"]


def unfold(text):
    assert text.endswith("\r\n")
    lines = text.split("\r\n")[:-1]
    for line in lines:
        assert len(line.encode("utf-8")) <= 75
    return "\r\n".join(lines).replace("\r\n ", "").split("\r\n")


def events(text):
    found, current = [], None
    for line in unfold(text):
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            found.append(current)
            current = None
        elif current is not None:
            name, _, value = line.partition(":")
            current[name.split(";")[0]] = value
    return found


@pytest.mark.parametrize("who", ["publik", "walidata", "produsen_a"])
def test_the_feed_never_shows_a_terbatas_or_tertutup_plan(clients, plans, who):
    response = clients[who].get(reverse("planning:calendar_ics"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    text = response.content.decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    found = events(text)
    summaries = [e["SUMMARY"] for e in found]
    assert len(found) == 2
    assert any(s.startswith("Persentase Penduduk Miskin\\; per kab\\, kota") for s in summaries)
    for canary in HIDDEN:
        assert canary not in text
    uids = {e["UID"] for e in found}
    assert f"rilis-{plans['open'].pk}-{timezone.localdate().year}@testserver" in {
        u.replace("127.0.0.1", "testserver") for u in uids
    }
    # Stable: the same UIDs on the next request.
    again = {
        e["UID"]
        for e in events(clients[who].get(reverse("planning:calendar_ics")).content.decode())
    }
    assert again == uids
    assert all(
        e["DTSTART"] == (timezone.localdate() + dt.timedelta(days=7)).strftime("%Y%m%d")
        for e in found
    )


def test_the_page_lists_upcoming_and_filters_by_opd(clients, plans):
    response = clients["publik"].get(reverse("planning:calendar"))
    html = response.content.decode()
    assert response.status_code == 200 and "<script" not in html
    assert "Persentase Penduduk Miskin; per kab, kota" in html
    for canary in HIDDEN:
        assert canary not in html
    html = (
        clients["publik"].get(reverse("planning:calendar") + "?opd=dinas-sosial").content.decode()
    )
    assert "Rencana Terbuka Tanpa Dataset" in html and "Persentase Penduduk Miskin" not in html
    month = (timezone.localdate() + dt.timedelta(days=400)).strftime("%Y-%m")
    html = clients["publik"].get(reverse("planning:calendar") + f"?bulan={month}").content.decode()
    assert "Persentase Penduduk Miskin" not in html


def test_it_escapes_and_folds_ical_text():
    assert escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    folded = fold("SUMMARY:" + "é" * 60)
    pieces = folded.split("\r\n ")
    assert all(len(p.encode()) <= 75 for p in pieces)
    assert "".join(pieces) == "SUMMARY:" + "é" * 60


@pytest.fixture
def due_items(cast, catalog, opd_a):
    today = timezone.localdate()
    # The draft's only version is from two years ago: nothing counts for this year's period.
    old = timezone.now() - dt.timedelta(days=800)
    ResourceVersion.objects.filter(resource__dataset=catalog["draft"]).update(
        created_at=old, published_at=old
    )
    soon = plan_item(opd_a, today.year, "Segera", "tahunan", dataset=catalog["draft"])
    set_due(soon, str(today.year), today + dt.timedelta(days=7))
    late = plan_item(opd_a, today.year, "Lewat", "tahunan")
    set_due(late, str(today.year), today - dt.timedelta(days=1))
    quiet = plan_item(opd_a, today.year, "Tenang", "tahunan")
    set_due(quiet, str(today.year), today + dt.timedelta(days=5))
    make_user("walidata2", Role.STEWARD)
    return soon, late


def test_it_lists_due_soon_and_overdue_reminders_with_their_recipients(due_items, cast):
    soon, late = due_items
    found = {(r.item.title, r.kind.value): r for r in reminders_for(timezone.localdate())}
    assert set(found) == {("Segera", "due_soon"), ("Lewat", "overdue")}
    assert [u.username for u in found[("Segera", "due_soon")].recipients] == ["produsen_a"]
    assert sorted(u.username for u in found[("Lewat", "overdue")].recipients) == [
        "produsen_a",
        "walidata",
        "walidata2",
    ]
    eight_days_later = timezone.localdate() + dt.timedelta(days=7)
    later = {(r.item.title, r.kind.value) for r in reminders_for(eight_days_later)}
    assert ("Lewat", "overdue") in later  # every 7 days while nothing is published


def test_the_command_sends_once_per_day(due_items, cast):
    call_command("send_reminders")
    assert ReminderLog.objects.count() == 2
    mine = Notification.objects.filter(recipient=cast["produsen_a"])
    assert sorted(mine.values_list("kind", flat=True)) == ["due_soon", "overdue"]
    soon = mine.get(kind="due_soon")
    assert soon.url == reverse("ingest:upload", args=["draf-baru"])
    steward = Notification.objects.get(recipient=cast["walidata"])
    assert steward.kind == "overdue" and steward.url.startswith(
        "/kelola/kepatuhan/dinas-kesehatan/"
    )
    count = Notification.objects.count()
    call_command("send_reminders")
    assert Notification.objects.count() == count
    assert ReminderLog.objects.count() == 2
