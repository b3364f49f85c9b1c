"""Changing a dataset's klasifikasi akses: only the Walidata (an Admin may tighten), always with
a reason, always audited with before/after, on every write path; an update that does not send
the class never changes it."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from satudata.audit.models import AuditEvent
from satudata.catalog.actions import ClassificationRefused, change_access
from satudata.catalog.constants import Access
from satudata.catalog.models import Dataset

from .test_metadata_form import change_url, form_data


def classification_events():
    return list(AuditEvent.objects.filter(action="dataset.classification").order_by("id"))


def access_of(dataset):
    return Dataset.objects.get(pk=dataset.pk).access


# --- the staff form ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key,target",
    [("open", Access.CLOSED), ("open", Access.RESTRICTED), ("restricted", Access.CLOSED),
     ("closed", Access.OPEN), ("restricted", Access.OPEN)],
)  # fmt: skip
def test_a_produsen_cannot_change_the_class_of_their_own_dataset(clients, catalog, key, target):
    dataset = catalog[key]
    response = clients["produsen_a"].post(
        change_url(dataset),
        form_data(dataset, access=target, access_reason="Saya mau.", unit="orang"),
        follow=True,
    )
    assert response.status_code == 200
    assert "Klasifikasi akses hanya dapat diubah oleh Walidata" in response.content.decode()
    assert access_of(dataset) == key
    assert Dataset.objects.get(pk=dataset.pk).unit == "orang"  # the rest of the edit is kept
    assert classification_events() == []


def test_the_produsen_sees_the_class_but_cannot_choose_it(clients, catalog):
    page = clients["produsen_a"].get(change_url(catalog["restricted"])).content.decode()
    assert 'name="access"' in page and "disabled" in page.split('name="access"')[1][:200]
    assert 'name="access_reason"' not in page
    walidata = clients["walidata"].get(change_url(catalog["restricted"])).content.decode()
    assert 'name="access_reason"' in walidata


@pytest.mark.parametrize("role", ["walidata", "admin"])
def test_the_walidata_and_an_admin_tighten_with_a_reason(clients, catalog, cast, role):
    dataset = catalog["restricted"]
    response = clients[role].post(
        change_url(dataset),
        form_data(dataset, access=Access.CLOSED, access_reason="Memuat data per desa."),
    )
    assert response.status_code == 302
    assert access_of(dataset) == Access.CLOSED
    [event] = classification_events()
    assert (event.before, event.after) == ({"access": "restricted"}, {"access": "closed"})
    assert event.actor == cast[role] and event.reason == "Memuat data per desa."
    assert event.target_id == str(dataset.pk)


def test_only_the_walidata_opens_a_dataset(clients, catalog):
    dataset = catalog["closed"]
    refused = clients["admin"].post(
        change_url(dataset), form_data(dataset, access=Access.OPEN, access_reason="Umum.")
    )
    assert refused.status_code == 400
    assert access_of(dataset) == Access.CLOSED
    response = clients["walidata"].post(
        change_url(dataset), form_data(dataset, access=Access.OPEN, access_reason="Umum.")
    )
    assert response.status_code == 302
    assert access_of(dataset) == Access.OPEN
    [event] = classification_events()
    assert (event.before, event.after) == ({"access": "closed"}, {"access": "open"})


@pytest.mark.parametrize("role", ["walidata", "admin", "produsen_a"])
@pytest.mark.parametrize("key", ["open", "restricted", "closed"])
def test_an_edit_without_the_class_keeps_it(clients, catalog, role, key):
    dataset = catalog[key]
    data = form_data(dataset, unit="keluarga")
    del data["access"]
    response = clients[role].post(change_url(dataset), data)
    assert response.status_code == 302
    stored = Dataset.objects.get(pk=dataset.pk)
    assert stored.access == key and stored.unit == "keluarga"
    assert classification_events() == []
    assert AuditEvent.objects.get(action="dataset.change").after == {"unit": "keluarga"}


def test_an_empty_class_keeps_it_too(clients, catalog):
    dataset = catalog["closed"]
    response = clients["walidata"].post(change_url(dataset), form_data(dataset, access=""))
    assert response.status_code == 302
    assert access_of(dataset) == Access.CLOSED


@pytest.mark.parametrize("role,status", [("produsen_b", 404), ("publik", 404), ("pembina", 403)])
def test_who_may_not_edit_cannot_change_the_class(clients, catalog, role, status):
    dataset = catalog["restricted"]
    response = clients[role].post(
        change_url(dataset), form_data(dataset, access=Access.OPEN, access_reason="x")
    )
    assert response.status_code == status
    assert access_of(dataset) == Access.RESTRICTED
    assert classification_events() == []


# --- the one function -------------------------------------------------------------------------


def test_change_access_is_the_one_checked_audited_function(catalog, cast):
    dataset = catalog["restricted"]
    with pytest.raises(PermissionDenied):
        change_access(dataset, Access.CLOSED, actor=cast["produsen_a"], reason="r")
    with pytest.raises(PermissionDenied):
        change_access(dataset, Access.CLOSED, actor=cast["pembina"], reason="r")
    with pytest.raises(Http404):
        change_access(dataset, Access.CLOSED, actor=cast["produsen_b"], reason="r")
    with pytest.raises(Http404):
        change_access(dataset, Access.CLOSED, actor=None, reason="r")
    with pytest.raises(PermissionDenied):
        change_access(dataset, Access.OPEN, actor=cast["admin"], reason="r")
    with pytest.raises(ClassificationRefused):
        change_access(dataset, Access.CLOSED, actor=cast["walidata"], reason="  ")
    with pytest.raises(ClassificationRefused):
        change_access(dataset, "rahasia", actor=cast["walidata"], reason="r")
    assert access_of(dataset) == Access.RESTRICTED and classification_events() == []
    assert change_access(dataset, Access.RESTRICTED, actor=cast["walidata"], reason="") is False
    assert change_access(dataset, Access.CLOSED, actor=cast["walidata"], reason=" rinci ")
    assert dataset.access == access_of(dataset) == Access.CLOSED
    [event] = classification_events()
    assert (event.before, event.after, event.reason) == (
        {"access": "restricted"},
        {"access": "closed"},
        "rinci",
    )


# --- the Django admin -------------------------------------------------------------------------


def admin_form(dataset, **changes):
    from satudata.audit.tests.test_browse import dataset_form

    return dataset_form(dataset, **changes)


def test_the_admin_site_changes_the_class_through_the_one_function(clients, catalog, cast):
    dataset = catalog["open"]
    url = f"/admin/catalog/dataset/{dataset.pk}/change/"
    response = clients["admin"].post(
        url, admin_form(dataset, access=Access.RESTRICTED, access_reason="internal")
    )
    assert response.status_code == 302
    assert access_of(dataset) == Access.RESTRICTED
    [event] = classification_events()
    assert (event.before, event.after) == ({"access": "open"}, {"access": "restricted"})
    assert event.actor == cast["admin"] and event.reason == "internal"


def test_the_admin_site_keeps_the_class_when_it_is_not_sent(clients, catalog):
    dataset = catalog["closed"]
    url = f"/admin/catalog/dataset/{dataset.pk}/change/"
    data = admin_form(dataset, title="Judul baru")
    del data["access"]
    response = clients["admin"].post(url, data)
    assert response.status_code == 302
    stored = Dataset.objects.get(pk=dataset.pk)
    assert stored.access == Access.CLOSED and stored.title == "Judul baru"
    assert classification_events() == []


def test_a_classification_change_fails_whole(clients, catalog, cast, monkeypatch):
    """The audit event and the change are one transaction: if recording fails, nothing changes."""
    from satudata.catalog import actions

    def broken(*args, **kwargs):
        raise RuntimeError("the audit store is down")

    monkeypatch.setattr("satudata.audit.actions.record", broken)
    dataset = catalog["restricted"]
    with pytest.raises(RuntimeError):
        actions.change_access(dataset, Access.CLOSED, actor=cast["walidata"], reason="r")
    assert access_of(dataset) == Access.RESTRICTED
