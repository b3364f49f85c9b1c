"""Reads of non-public data are audited, and the breach-notice report lists them."""

import csv
import datetime as dt
import io
import json

import pytest
from django.utils import timezone

from satudata.audit.models import AuditEvent

URL = "/kelola/audit/pelanggaran/"


def download_url(dataset):
    version = dataset.resources.get().versions.get()
    return f"/dataset/{dataset.slug}/berkas/{version.resource_id}/v{version.number}/unduh/"


def accesses(**filters):
    return AuditEvent.objects.filter(action="data.access", **filters)


def test_a_preview_of_a_restricted_dataset_is_audited_once_an_hour(clients, cast, catalog):
    client = clients["pembina"]
    assert client.get(catalog["restricted"].get_absolute_url()).status_code == 200
    assert client.get(catalog["restricted"].get_absolute_url()).status_code == 200
    event = accesses().get()
    assert event.actor == cast["pembina"] and event.after["channel"] == "pratinjau"
    assert event.after["dataset"] == "rekap-terbatas" and event.after["access"] == "restricted"
    # Public data is never an access event.
    client.get(catalog["open"].get_absolute_url())
    assert accesses().count() == 1


def test_the_dedup_window_can_be_turned_off(clients, catalog, settings):
    settings.AUDIT_ACCESS_DEDUP_SECONDS = 0
    for _ in range(2):
        clients["walidata"].get(catalog["closed"].get_absolute_url())
    assert accesses().count() == 2


def report(client, fmt="", **params):
    return client.get(URL + (f"ekspor.{fmt}" if fmt else ""), params)


def test_the_report_lists_a_restricted_download_by_name_and_not_an_open_one(clients, cast, catalog):
    assert clients["produsen_a"].get(download_url(catalog["restricted"])).status_code == 200
    assert clients["produsen_b"].get(download_url(catalog["open"])).status_code == 200
    page = report(clients["walidata"])
    assert page.status_code == 200
    rows = page.context["report"].rows
    assert [(r["username"], r["dataset"], r["channel"]) for r in rows] == [
        ("produsen_a", "rekap-terbatas", "unduh")
    ]
    assert (
        rows[0]["roles"] == "Produsen Data" and rows[0]["user_organizations"] == "Dinas Kesehatan"
    )
    text = page.content.decode()
    assert "Produsen_A" in text and "persentase-penduduk-miskin" not in text
    assert "Pasal 46" in text and "3 × 24 jam" in text
    [summary] = page.context["report"].datasets
    assert (
        summary.slug == "rekap-terbatas" and summary.count == 1 and summary.users == {"produsen_a"}
    )
    # The report itself is audited.
    event = AuditEvent.objects.filter(action="audit.breach_export").get()
    assert event.actor == cast["walidata"] and event.after["datasets"] == ["rekap-terbatas"]


def test_csv_and_json_exports_and_the_window(clients, cast, catalog):
    clients["produsen_a"].get(download_url(catalog["closed"]))
    response = report(clients["admin"], "csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )
    assert [(r["username"], r["dataset"], r["access"]) for r in rows] == [
        ("produsen_a", "rekap-tertutup", "Tertutup")
    ]
    data = json.loads(report(clients["admin"], "json").content)
    assert data["notice"]["users"] == ["produsen_a"] and data["notice"]["datasets"] == 1
    assert data["datasets"][0]["distinct_users"] == 1
    # A window that ends before the download holds nothing.
    before = (timezone.localtime() - dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    assert report(clients["admin"], sampai=before).context["report"].rows == []
    # Filters by OPD, dataset and user.
    assert report(clients["admin"], opd="dinas-sosial").context["report"].rows == []
    assert len(report(clients["admin"], pengguna="produsen_a").context["report"].rows) == 1
    assert report(clients["admin"], dataset="rekap-terbatas").context["report"].rows == []
    assert AuditEvent.objects.filter(action="audit.breach_export").count() == 6


def test_personal_data_categories_come_from_the_versions_read(clients, catalog):
    version = catalog["restricted"].resources.get().versions.get()
    type(version).objects.filter(pk=version.pk).update(
        pii_findings=[{"column": "nik_kepala", "code": "pii.nik", "message": "NIK"}]
    )
    clients["produsen_a"].get(download_url(catalog["restricted"]))
    data = json.loads(report(clients["walidata"], "json").content)
    assert data["notice"]["personal_data"] == ["NIK"]


def test_the_report_cells_are_formula_safe(clients, cast, catalog):
    cast["produsen_a"].full_name = '=HYPERLINK("http://x","y")'
    cast["produsen_a"].save()
    clients["produsen_a"].get(download_url(catalog["restricted"]))
    response = report(clients["walidata"], "csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK" in text


@pytest.mark.parametrize("who", ["produsen_a", "pembina", "pimpinan", "publik"])
def test_only_the_walidata_and_admin_see_the_report(clients, who):
    assert report(clients[who]).status_code in (404, 302)
    assert report(clients[who], "csv").status_code in (404, 302)
    assert not AuditEvent.objects.filter(action="audit.breach_export").exists()
