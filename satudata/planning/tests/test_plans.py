"""Daftar Data pages, edits, the XLSX import and their audit events."""

import io

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from python_calamine import CalamineWorkbook

from satudata.audit.models import AuditEvent
from satudata.planning.models import DataPlan, PlannedData
from satudata.planning.xlsx import COLUMNS

from .helpers import plan_item


@pytest.fixture
def plan(cast, opd_a):
    item = plan_item(opd_a, 2027, "Jumlah Tenaga Kesehatan", "semesteran")
    return item.plan


@pytest.mark.parametrize(
    "who,own,other,edit",
    [
        ("walidata", 200, 200, 200),
        ("admin", 200, 200, 200),
        ("pembina", 200, 200, 403),
        ("pimpinan", 200, 200, 403),
        ("produsen_a", 200, 404, 403),
        ("produsen_b", 404, 200, 404),
        ("publik", 404, 404, 404),
    ],
)
def test_it_shows_and_guards_the_daftar_data(clients, plan, opd_b, who, own, other, edit):
    plan_item(opd_b, 2027, "Penerima Bansos", "tahunan")
    client = clients[who]
    assert client.get(reverse("planning:plan", args=["dinas-kesehatan", 2027])).status_code == own
    assert client.get(reverse("planning:plan", args=["dinas-sosial", 2027])).status_code == other
    create = reverse("planning:item_create", args=["dinas-kesehatan", 2027])
    assert client.get(create).status_code == edit


def test_it_lists_only_the_own_opd_for_a_produsen(clients, plan, opd_b):
    plan_item(opd_b, 2027, "Penerima Bansos", "tahunan")
    html = clients["produsen_a"].get(reverse("planning:plans") + "?tahun=2027").content.decode()
    assert "Dinas Kesehatan" in html and "Dinas Sosial" not in html


def test_it_creates_a_plan_and_an_item_with_periods_and_audits_them(clients, cast, opd_a, catalog):
    client = clients["walidata"]
    response = client.post(
        reverse("planning:plan_create"), {"organization": opd_a.pk, "year": 2028}
    )
    assert response.status_code == 302
    plan = DataPlan.objects.get(organization=opd_a, year=2028)
    response = client.post(
        reverse("planning:item_create", args=["dinas-kesehatan", 2028]),
        {
            "title": "Angka Kematian Bayi",
            "dataset": catalog["open"].pk,
            "access": "open",
            "is_priority": "on",
            "schedule": "triwulanan",
            "lag_days": "45",
            "notes": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    item = PlannedData.objects.get(plan=plan)
    assert [p.key for p in item.periods.all()] == ["2028-T1", "2028-T2", "2028-T3", "2028-T4"]
    assert str(item.periods.get(key="2028-T1").due_date) == "2028-05-15"
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions[-2:] == ["plan.create", "plan_item.create"]
    # Another OPD's dataset cannot be linked.
    response = client.post(
        reverse("planning:item_create", args=["dinas-kesehatan", 2028]),
        {
            "title": "Lain",
            "dataset": catalog["other_opd"].pk,
            "access": "open",
            "schedule": "tahunan",
            "lag_days": "30",
        },
    )
    assert response.status_code == 400


def test_it_edits_an_item_and_its_due_dates(clients, plan):
    item = plan.items.get()
    client = clients["walidata"]
    url = reverse("planning:item", args=[item.pk])
    data = {"title": item.title, "access": "restricted", "schedule": "semesteran", "lag_days": "30"}
    assert client.post(url, data).status_code == 302
    item.refresh_from_db()
    assert item.access == "restricted"
    event = AuditEvent.objects.filter(action="plan_item.change").get()
    assert event.before == {"access": "open"} and event.after == {"access": "restricted"}
    response = client.post(
        reverse("planning:item_due_dates", args=[item.pk]),
        {"due_2027-S1": "2027-08-15", "due_2027-S2": "2028-01-30"},
    )
    assert response.status_code == 302
    assert str(item.periods.get(key="2027-S1").due_date) == "2027-08-15"
    event = AuditEvent.objects.filter(action="plan_item.change").order_by("-id").first()
    assert event.after == {"due_dates": {"2027-S1": "2027-08-15"}}
    # Before the period starts: refused.
    response = client.post(
        reverse("planning:item_due_dates", args=[item.pk]),
        {"due_2027-S1": "2026-12-31", "due_2027-S2": "2028-01-30"},
    )
    assert response.status_code == 400
    assert clients["produsen_a"].post(url, data).status_code == 403


def xlsx(rows, header=COLUMNS):
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("Daftar Data")
    for r, row in enumerate([header, *rows]):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    book.close()
    return SimpleUploadedFile("daftar.xlsx", out.getvalue())


GOOD = [
    [
        "dinas-kesehatan",
        2027,
        "Cakupan Imunisasi",
        "persentase-penduduk-miskin",
        "Terbuka",
        "Ya",
        "bulanan",
        15,
        "",
    ],
    ["Dinsos", "2027", "Penerima PKH", "", "Terbatas", "", "tahunan", "", "catatan"],
]


def test_it_imports_a_valid_file_and_updates_on_reimport(clients, catalog):
    client = clients["walidata"]
    response = client.post(reverse("planning:import"), {"file": xlsx(GOOD)})
    assert response.status_code == 302
    items = {i.title: i for i in PlannedData.objects.select_related("plan__organization")}
    assert items["Cakupan Imunisasi"].periods.count() == 12
    assert items["Cakupan Imunisasi"].dataset == catalog["open"]
    assert items["Cakupan Imunisasi"].is_priority
    assert items["Penerima PKH"].plan.organization.slug == "dinas-sosial"
    assert items["Penerima PKH"].lag_days == 30
    assert AuditEvent.objects.filter(action="plan.import").count() == 2
    changed = [GOOD[0][:6] + ["triwulanan"] + GOOD[0][7:], GOOD[1]]
    assert client.post(reverse("planning:import"), {"file": xlsx(changed)}).status_code == 302
    assert PlannedData.objects.count() == 2
    assert PlannedData.objects.get(title="Cakupan Imunisasi").periods.count() == 4


def test_it_imports_nothing_when_a_row_is_wrong(clients, catalog):
    bad = [
        GOOD[0],
        ["dinas-entah", "20x7", "", "rekap-terbatas", "Rahasia", "mungkin", "harian", "-3", ""],
        [
            "dinas-sosial",
            2027,
            "Penerima PKH",
            "persentase-penduduk-miskin",
            "Terbuka",
            "Tidak",
            "tahunan",
            "",
            "",
        ],
    ]
    response = clients["walidata"].post(reverse("planning:import"), {"file": xlsx(bad)})
    assert response.status_code == 400
    errors = response.context["errors"]
    assert "Baris 3: perangkat daerah “dinas-entah” tidak dikenal." in errors
    assert any(e.startswith("Baris 3: tahun") for e in errors)
    assert "Baris 3: kolom judul wajib diisi." in errors
    assert any(e.startswith("Baris 3: klasifikasi “Rahasia”") for e in errors)
    assert any(e.startswith("Baris 3: jadwal “harian”") for e in errors)
    assert any(e.startswith("Baris 3: jeda_hari") for e in errors)
    assert any(e.startswith("Baris 3: data_prioritas") for e in errors)
    assert "Baris 4: dataset “persentase-penduduk-miskin” milik perangkat daerah lain." in errors
    assert not any(e.startswith("Baris 2") for e in errors)
    assert not DataPlan.objects.exists() and not PlannedData.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="plan").exists()


def test_it_refuses_a_file_without_the_template_header(clients, cast):
    response = clients["walidata"].post(
        reverse("planning:import"), {"file": xlsx([["a"]], header=["judul"])}
    )
    assert response.status_code == 400
    assert "tidak ditemukan: perangkat_daerah" in response.context["errors"][0]


def test_it_offers_a_template_with_a_guide(clients, cast):
    response = clients["walidata"].get(reverse("planning:template"))
    assert response.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    assert book.sheet_names == ["Daftar Data", "Petunjuk"]
    header = book.get_sheet_by_name("Daftar Data").to_python()[0]
    assert header == COLUMNS
    assert clients["publik"].get(reverse("planning:template")).status_code == 404


def test_the_import_is_for_the_walidata_and_admin_only(clients, cast):
    assert clients["walidata"].get(reverse("planning:import")).status_code == 200
    assert clients["admin"].get(reverse("planning:import")).status_code == 200
    assert clients["produsen_a"].get(reverse("planning:import")).status_code == 403
    assert (
        clients["pembina"].post(reverse("planning:import"), {"file": xlsx(GOOD)}).status_code == 403
    )
    assert clients["publik"].get(reverse("planning:import")).status_code == 404


def test_the_import_reads_a_classification_the_same_in_either_ui_language():
    from django.utils import translation

    from satudata.planning.xlsx import _access

    for language in ("id", "en"):
        with translation.override(language):
            assert _access("Terbuka") == _access("open") == "open"
            assert _access(" TERBATAS ") == "restricted"
            assert _access("rahasia") is None
