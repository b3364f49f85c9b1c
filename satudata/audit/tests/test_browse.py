"""The audit page and its exports, and the role and classification changes made in the admin."""

import csv
import datetime as dt
import io
import json

import pytest
from django.db import transaction
from django.utils import timezone

from satudata.accounts.constants import Role
from satudata.accounts.models import Membership
from satudata.audit.actions import record
from satudata.audit.models import AuditEvent
from satudata.catalog.constants import Access
from satudata.catalog.models import Dataset

URL = "/kelola/audit/"


def add_event(action, target, actor, **kwargs):
    with transaction.atomic():
        return record(action, target, actor=actor, **kwargs)


@pytest.mark.parametrize(
    "who,status",
    [
        ("walidata", 200),
        ("admin", 200),
        ("publik", 404),
        ("produsen_a", 404),
        ("pembina", 404),
        ("pimpinan", 404),
    ],
)
def test_only_walidata_and_admin_browse_and_export(clients, catalog, who, status):
    assert clients[who].get(URL).status_code == status
    assert clients[who].get(URL + "ekspor.csv").status_code == status
    assert clients[who].get(URL + "ekspor.json").status_code == status


def test_filters_by_action_actor_target_and_dates(clients, cast, catalog):
    add_event("schema.change", catalog["open"], cast["produsen_a"])
    add_event("pii.override", catalog["restricted"], cast["walidata"], reason="alasan tertulis")
    old = add_event("schema.change", catalog["other_opd"], cast["produsen_b"])
    AuditEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=40))

    def shown(**query):
        response = clients["walidata"].get(URL, query)
        assert response.status_code == 200
        return [(e.action, e.actor_name) for e in response.context["page"].object_list]

    assert shown(tindakan="pii.override") == [("pii.override", "Walidata")]
    assert shown(pelaku="produsen_b") == [("schema.change", "Produsen_B")]
    assert shown(sasaran="Persentase Penduduk") == [("schema.change", "Produsen_A")]
    assert shown(sasaran=str(catalog["open"].pk), tindakan="schema.change") == [
        ("schema.change", "Produsen_A")
    ]
    today = timezone.localdate()
    assert len(shown(dari=today.isoformat(), sampai=today.isoformat())) == 2
    week_ago = (today - dt.timedelta(days=7)).isoformat()
    assert shown(sampai=week_ago) == [("schema.change", "Produsen_B")]
    # A reversed range or an unknown action is an error shown to the user, not a crash.
    response = clients["walidata"].get(URL, {"dari": today.isoformat(), "sampai": week_ago})
    assert response.status_code == 200 and list(response.context["page"].object_list) == []
    assert clients["walidata"].get(URL, {"tindakan": "x'; DROP"}).status_code == 200


def test_pages_and_shows_whether_the_chain_verifies(clients, cast, catalog):
    for _ in range(55):
        add_event("schema.change", catalog["open"], cast["produsen_a"])
    first = clients["admin"].get(URL)
    assert len(first.context["page"].object_list) == 50 and first.context["chain_ok"]
    assert "Rantai hash utuh" in first.content.decode()
    second = clients["admin"].get(URL, {"halaman": 2})
    assert len(second.context["page"].object_list) == 5
    victim = AuditEvent.objects.order_by("id")[3]
    AuditEvent.objects.filter(pk=victim.pk).update(reason="diubah diam-diam")
    # A page load checks only the events after the last check (the checkpoint) ...
    assert clients["admin"].get(URL).context["chain_ok"]
    # ... the full check, on demand, walks the whole chain and finds the edited event.
    broken = clients["admin"].post(URL + "periksa/")
    assert not broken.context["chain_ok"] and broken.context["chain_broken"] == victim.pk
    assert "Rantai hash rusak" in broken.content.decode()
    assert clients["produsen_a"].post(URL + "periksa/").status_code == 404


def test_a_page_load_checks_new_events_against_the_checkpoint(clients, cast, catalog):
    add_event("schema.change", catalog["open"], cast["produsen_a"])
    assert clients["walidata"].get(URL).context["chain_full"]  # no checkpoint yet: all
    newer = add_event("schema.change", catalog["open"], cast["produsen_a"])
    AuditEvent.objects.filter(pk=newer.pk).update(after={"x": "palsu"})
    broken = clients["walidata"].get(URL)
    assert not broken.context["chain_ok"] and broken.context["chain_broken"] == newer.pk


def test_csv_export_is_filtered_formula_safe_and_audited(clients, cast, catalog):
    add_event(
        "pii.override", catalog["open"], cast["walidata"], reason='=HYPERLINK("http://x","y")'
    )
    add_event("schema.change", catalog["open"], cast["walidata"], after={"a": "-1+2"})
    response = clients["walidata"].get(URL + "ekspor.csv", {"tindakan": "pii.override"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["action"] for r in rows] == ["pii.override"]
    assert rows[0]["reason"] == '\'=HYPERLINK("http://x","y")'
    assert rows[0]["actor"] == "Walidata" and len(rows[0]["hash"]) == 64
    export = AuditEvent.objects.order_by("-id").first()
    assert export.action == "audit.export" and export.actor == cast["walidata"]
    assert export.after == {"format": "csv", "filters": {"tindakan": "pii.override"}, "count": 1}
    # A second export sees the first export's event; the chain still verifies.
    again = clients["walidata"].get(URL + "ekspor.csv", {"tindakan": "audit.export"})
    rows = list(csv.DictReader(io.StringIO(b"".join(again.streaming_content).decode("utf-8-sig"))))
    assert [r["id"] for r in rows] == [str(export.pk)]
    assert clients["walidata"].get(URL).context["chain_ok"]


def test_json_export(clients, cast, catalog):
    add_event("schema.change", catalog["open"], cast["admin"], before={"x": 1}, after={"x": 2})
    response = clients["admin"].get(URL + "ekspor.json")
    events = json.loads(b"".join(response.streaming_content))
    assert [(e["action"], e["before"], e["after"]) for e in events] == [
        ("schema.change", {"x": 1}, {"x": 2})
    ]
    assert clients["admin"].get(URL + "ekspor.xml").status_code == 404


# --- changes made in the Django admin ---------------------------------------------------------


def user_form(user, memberships, extra=()):
    """POST data of the admin's user change form with its membership inline."""
    joined = timezone.localtime(user.date_joined)
    data = {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "is_active": "on" if user.is_active else "",
        "date_joined_0": joined.date().isoformat(),
        "date_joined_1": joined.time().strftime("%H:%M:%S"),
        "memberships-TOTAL_FORMS": str(len(memberships) + len(extra)),
        "memberships-INITIAL_FORMS": str(len(memberships)),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(list(memberships) + list(extra)):
        for key, value in row.items():
            data[f"memberships-{i}-{key}"] = value
        data[f"memberships-{i}-user"] = str(user.pk)
    return data


def test_role_changes_in_the_admin_are_audited(clients, cast, opd_a, opd_b):
    user = cast["produsen_a"]
    membership = user.memberships.get()
    url = f"/admin/accounts/user/{user.pk}/change/"
    # Move the Produsen to OPD B and grant Walidata Pendukung in OPD A.
    data = user_form(
        user,
        [{"id": str(membership.pk), "role": Role.PRODUCER, "organization": str(opd_b.pk)}],
        [{"role": Role.SUPPORT_STEWARD, "organization": str(opd_a.pk)}],
    )
    response = clients["admin"].post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    events = list(AuditEvent.objects.order_by("id"))
    changed = [e for e in events if e.action == "role.change"]
    granted = [e for e in events if e.action == "role.grant"]
    assert len(changed) == 1 and len(granted) == 1
    assert changed[0].before["organization"] == "dinas-kesehatan"
    assert changed[0].after["organization"] == "dinas-sosial"
    assert changed[0].target_type == "accounts.user" and changed[0].target_id == str(user.pk)
    assert changed[0].actor == cast["admin"] and changed[0].ip_address == "127.0.0.1"
    assert granted[0].after["role"] == Role.SUPPORT_STEWARD
    # Remove the new membership: role.revoke with what was held.
    new = Membership.objects.get(user=user, role=Role.SUPPORT_STEWARD)
    rows = [
        {"id": str(m.pk), "role": m.role, "organization": str(m.organization_id)}
        for m in user.memberships.order_by("id")
    ]
    rows[[r["id"] for r in rows].index(str(new.pk))]["DELETE"] = "on"
    assert clients["admin"].post(url, user_form(user, rows)).status_code == 302
    revoked = AuditEvent.objects.filter(action="role.revoke").get()
    assert revoked.before["role"] == Role.SUPPORT_STEWARD and revoked.before["membership"] == new.pk
    assert not Membership.objects.filter(pk=new.pk).exists()
    # Deactivating the user takes every role away: recorded too.
    user.refresh_from_db()
    rows = [{"id": str(m.pk), "role": m.role, "organization": str(m.organization_id)}
            for m in user.memberships.all()]  # fmt: skip
    data = user_form(user, rows)
    data["is_active"] = ""
    assert clients["admin"].post(url, data).status_code == 302
    assert AuditEvent.objects.filter(action="role.change", after={"is_active": False}).exists()


def test_deleting_a_user_in_the_admin_records_the_roles_revoked(clients, cast):
    user = cast["pimpinan"]
    response = clients["admin"].post(f"/admin/accounts/user/{user.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    revoked = AuditEvent.objects.get(action="role.revoke")
    assert revoked.before["role"] == Role.LEADER and revoked.before["user"] == "pimpinan"
    assert revoked.target_id == str(user.pk)


def dataset_form(dataset, **changes):
    data = {
        "slug": dataset.slug,
        "title": dataset.title,
        "description": dataset.description,
        "organization": str(dataset.organization_id),
        "license": dataset.license,
        "update_frequency": dataset.update_frequency,
        "temporal_start": str(dataset.temporal_start or ""),
        "temporal_end": str(dataset.temporal_end or ""),
        "spatial_coverage": dataset.spatial_coverage_id or "",
        "spatial_level": "",
        "access": dataset.access,
        "contact_name": "",
        "contact_email": "",
        "source": "",
        "unit": "",
        "measure": "",
        "activity_metadata": "{}",
        "indicator_metadata": "{}",
        "state": dataset.state,
        "topics": [str(t.pk) for t in dataset.topics.all()],
        "tags": [str(t.pk) for t in dataset.tags.all()],
        "resources-TOTAL_FORMS": "0",
        "resources-INITIAL_FORMS": "0",
        "resources-MIN_NUM_FORMS": "0",
        "resources-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def test_classification_changes_in_the_admin_are_audited(clients, cast, catalog):
    dataset = catalog["restricted"]
    url = f"/admin/catalog/dataset/{dataset.pk}/change/"
    # Without a reason: refused, nothing changes.
    response = clients["admin"].post(url, dataset_form(dataset, access=Access.CLOSED))
    assert (
        response.status_code == 200 and "access_reason" in response.context["adminform"].form.errors
    )
    # Only the Walidata makes data Terbuka, in the admin as anywhere.
    response = clients["admin"].post(
        url, dataset_form(dataset, access=Access.OPEN, access_reason="dibuka untuk umum")
    )
    assert response.status_code == 200 and "access" in response.context["adminform"].form.errors
    assert Dataset.objects.get(pk=dataset.pk).access == Access.RESTRICTED
    assert not AuditEvent.objects.exists()
    response = clients["admin"].post(
        url,
        dataset_form(
            dataset, access=Access.CLOSED, access_reason="memuat data rinci", title="Judul baru"
        ),
    )
    assert response.status_code == 302
    assert Dataset.objects.get(pk=dataset.pk).access == Access.CLOSED
    event = AuditEvent.objects.get(action="dataset.classification")
    assert (event.before, event.after) == ({"access": "restricted"}, {"access": "closed"})
    assert event.reason == "memuat data rinci" and event.actor == cast["admin"]
    change = AuditEvent.objects.get(action="dataset.change")
    assert change.after == {"title": "Judul baru"}


def test_the_manage_page_links_to_the_trail_for_those_who_may_browse_it(clients, catalog):
    assert "/kelola/audit/" in clients["walidata"].get("/kelola/").content.decode()
    assert "/kelola/audit/" not in clients["produsen_a"].get("/kelola/").content.decode()
