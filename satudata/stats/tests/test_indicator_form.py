"""The staff form that creates and edits indicators: roles, column lists, preview, save, audit."""

import pytest

from satudata.audit.models import AuditEvent
from satudata.catalog.constants import Access
from satudata.stats import indicators
from satudata.stats.models import Aggregation, Indicator

from .conftest import published_version
from .test_indicators_cube import GOOD, make_indicator, table

NEW = "/kelola/indikator/baru/"


@pytest.fixture(autouse=True)
def _charts_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    indicators.clear_cache()
    yield
    indicators.clear_cache()


def fields(version, **overrides):
    data = {
        "name": "Jumlah Penduduk Uji",
        "slug": "jumlah-penduduk-uji",
        "organization": version.resource.dataset.organization_id,
        "access": version.resource.dataset.access,
        "decimals": "0",
        "concept": "Banyaknya penduduk.",
        "definition": "Penduduk menurut kabupaten/kota.",
        "unit": "jiwa",
        "source_kind": "table",
        "resource": version.resource_id,
        "region_column": "kode_wilayah",
        "region_codes": "kemendagri",
        "period_column": "tahun",
        "value_column": "nilai",
        "breakdown_columns": ["jenis_kelamin"],
        "aggregation": Aggregation.SUM,
        "formula": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def good(catalog, cast):
    return published_version(catalog["open"], cast["walidata"], table(GOOD))


def test_only_the_walidata_and_admin_manage_indicators(clients, good):
    ind = make_indicator(good.resource.dataset, good, slug="ada")
    for who in ("publik", "produsen_a", "produsen_b", "pimpinan"):
        assert clients[who].get(NEW).status_code == 404, who
        assert clients[who].post(NEW, fields(good, aksi="simpan")).status_code == 404, who
    # who may see the indicator but not manage it gets 403
    assert clients["produsen_a"].get(f"/kelola/indikator/{ind.slug}/ubah/").status_code == 403
    assert clients["publik"].get(f"/kelola/indikator/{ind.slug}/ubah/").status_code == 403
    Indicator.objects.filter(pk=ind.pk).update(is_published=False)
    assert clients["publik"].get(f"/kelola/indikator/{ind.slug}/ubah/").status_code == 404
    assert not Indicator.objects.filter(slug="jumlah-penduduk-uji").exists()
    for who in ("walidata", "admin"):
        response = clients[who].get(NEW)
        assert response.status_code == 200 and b"<script" not in response.content.lower()


def test_choosing_a_table_fills_the_column_lists(clients, good):
    response = clients["walidata"].post(NEW, {"resource": good.resource_id, "aksi": "pilih"})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<option value="kode_wilayah">' in html
    assert 'value="jenis_kelamin"' in html
    # the value list holds number columns only
    value_select = html.split('name="value_column"')[1].split("</select>")[0]
    assert "nilai" in value_select and "jenis_kelamin" not in value_select
    assert "field-error" not in html  # nothing filled in yet is not an error


def test_preview_then_save_creates_an_unpublished_audited_indicator(clients, good):
    client = clients["walidata"]
    html = client.post(NEW, fields(good, aksi="pratinjau")).content.decode()
    assert "Kubus sah" in html and "129" in html  # province 2023 = sum of the cells
    assert not Indicator.objects.filter(slug="jumlah-penduduk-uji").exists()
    response = client.post(NEW, fields(good, aksi="simpan"))
    assert response.status_code == 302
    ind = Indicator.objects.get(slug="jumlah-penduduk-uji")
    assert not ind.is_published and ind.breakdown_columns == ["jenis_kelamin"]
    assert indicators.cube_for(ind).headline[("53", "2023")] == 129
    event = AuditEvent.objects.get(action="indicator.create")
    assert event.after["value_column"] == "nilai" and event.after["resource"] == good.resource_id


@pytest.mark.parametrize(
    "rows, overrides, message",
    [
        ([*GOOD, ("53.01", 2022, "L", 99)], {}, "Lebih dari satu nilai untuk sel yang sama"),
        # ingestion refuses codes unknown in every system; the mapping may name the wrong one
        (GOOD, {"region_codes": "bps"}, "Kode wilayah tidak dikenal: 53.01, 53.10, 53.71"),
        ([r for r in GOOD if r[1] != 2022], {}, "Periode terputus: tidak ada data untuk 2022"),
    ],
)
def test_an_invalid_cube_is_explained_and_not_saved(
    clients, catalog, cast, rows, overrides, message
):
    version = published_version(catalog["open"], cast["walidata"], table(rows))
    for action in ("pratinjau", "simpan"):
        response = clients["walidata"].post(NEW, fields(version, aksi=action, **overrides))
        html = response.content.decode()
        assert response.status_code == 200
        assert "Kubus indikator tidak dapat dibentuk" in html and message in html
    assert not Indicator.objects.filter(slug="jumlah-penduduk-uji").exists()


def test_a_missing_mapping_and_a_too_open_class_are_refused(clients, catalog, cast, good):
    html = (
        clients["walidata"].post(NEW, fields(good, value_column="", aksi="simpan")).content.decode()
    )
    assert "Lengkapi" in html and "kolom nilai" in html
    restricted = published_version(catalog["restricted"], cast["walidata"], table(GOOD))
    html = (
        clients["walidata"]
        .post(NEW, fields(restricted, access=Access.OPEN, aksi="simpan"))
        .content.decode()
    )
    assert "tidak boleh lebih terbuka" in html
    assert not Indicator.objects.exists()


def test_a_composite_from_components_and_a_formula(clients, good):
    base = make_indicator(good.resource.dataset, good, slug="penduduk")
    data = fields(
        good,
        name="Separuh penduduk",
        slug="separuh-penduduk",
        source_kind="formula",
        resource="",
        formula="penduduk / 2",
        components=[base.pk],
        aksi="simpan",
    )
    bad = clients["walidata"].post(NEW, {**data, "formula": "penduduk / lain"})
    assert "lain" in bad.content.decode() and bad.status_code == 200
    evil = clients["walidata"].post(NEW, {**data, "formula": "__import__('os')"})
    assert "Rumus hanya boleh memuat" in evil.content.decode()
    assert clients["walidata"].post(NEW, data).status_code == 302
    ratio = Indicator.objects.get(slug="separuh-penduduk")
    assert ratio.resource_id is None and list(ratio.components.all()) == [base]
    assert indicators.cube_for(ratio).headline[("53", "2023")] == 129 / 2  # by hand
    # a component may not use the indicator itself (a loop)
    edit = clients["walidata"].post(
        f"/kelola/indikator/{base.slug}/ubah/",
        {
            **data,
            "slug": base.slug,
            "formula": "separuh_penduduk * 2",
            "components": [ratio.pk],
        },
    )
    assert "tidak boleh memakai indikator ini sendiri" in edit.content.decode()


def test_editing_is_audited_and_the_page_shows_the_change(clients, good):
    ind = make_indicator(good.resource.dataset, good, slug="penduduk")
    page = clients["publik"].get(ind.get_absolute_url()).content.decode()
    assert "Indikator penduduk menurut periode" in page
    form = clients["walidata"].get(f"/kelola/indikator/{ind.slug}/ubah/").content.decode()
    assert 'value="penduduk"' in form and '<option value="kode_wilayah" selected>' in form
    response = clients["walidata"].post(
        f"/kelola/indikator/{ind.slug}/ubah/",
        fields(good, name="Penduduk baru", slug="penduduk", aksi="simpan"),
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="indicator.change")
    assert event.before["name"] == "Indikator penduduk"
    assert event.after["name"] == "Penduduk baru"
    ind.refresh_from_db()
    assert ind.is_published  # editing does not unpublish
    page = clients["publik"].get(ind.get_absolute_url()).content.decode()
    assert "Penduduk baru menurut periode" in page  # the cached section follows the edit
