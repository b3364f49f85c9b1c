"""Indicator pages, pictures, exports and embeds through URLs, with the role cast."""

import csv
import io
import json

import pandas as pd
import pytest
from django.core.management import call_command

from satudata.audit.models import AuditEvent
from satudata.catalog.constants import Access
from satudata.stats import indicators
from satudata.stats.models import Aggregation, Boundary, Indicator

from .conftest import published_version
from .test_indicators_cube import GOOD, make_indicator, table

TERBATAS = "indikatorrahasia"


@pytest.fixture(autouse=True)
def _charts_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    indicators.clear_cache()
    yield
    indicators.clear_cache()


@pytest.fixture
def open_indicator(catalog, cast):
    version = published_version(catalog["open"], cast["walidata"], table(GOOD))
    ind = make_indicator(catalog["open"], version, slug="indikator-terbuka", is_key=True)
    return ind


@pytest.fixture
def restricted_indicator(catalog, cast):
    version = published_version(catalog["restricted"], cast["walidata"], table(GOOD))
    return make_indicator(catalog["restricted"], version, slug=f"ind-{TERBATAS}", is_key=True)


def urls(slug):
    base = f"/indikator/{slug}/"
    return [
        base,
        *(f"{base}grafik/{k}.{f}" for k in ("tren", "peringkat", "peta") for f in ("svg", "png")),
        *(f"{base}unduh/{f}" for f in ("csv", "xlsx", "json-stat", "sdmx-csv")),
        f"{base}sematkan/",
        *(f"{base}bingkai/{k}/" for k in ("tren", "peringkat", "peta")),
    ]


def test_it_shows_an_indicator_without_script(clients, open_indicator):
    response = clients["publik"].get(open_indicator.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script" not in html.lower()
    # province 2023 = sum of all cells of 2023; change from 2022
    assert "129,00" in html and "naik" in html
    assert "grafik/tren.svg" in html and "grafik/peta.svg" in html
    assert "Metadata indikator" in html


def test_every_picture_and_export_answers(clients, open_indicator):
    for url in urls(open_indicator.slug):
        response = clients["publik"].get(url)
        assert response.status_code == 200, url
        if url.endswith("/"):
            assert b"<script" not in response.content.lower(), url


def test_the_svg_contains_the_plotted_values(clients, open_indicator):
    trend = clients["publik"].get("/indikator/indikator-terbuka/grafik/tren.svg").content.decode()
    for value in ("123,00", "126,00", "129,00"):  # province 2021..2023
        assert value in trend
    ranked = (
        clients["publik"].get("/indikator/indikator-terbuka/grafik/peringkat.svg").content.decode()
    )
    for value in ("63,00", "43,00", "23,00"):  # kab/kota totals in 2023
        assert value in ranked
    tiles = clients["publik"].get("/indikator/indikator-terbuka/grafik/peta.svg").content.decode()
    assert "Kabupaten Manggarai: 43,00" in tiles


def test_the_share_picture_is_a_png(clients, open_indicator):
    response = clients["publik"].get("/indikator/indikator-terbuka/grafik/peringkat.png")
    assert response["Content-Type"] == "image/png"
    assert response.content[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(response.content[16:20], "big")
    height = int.from_bytes(response.content[20:24], "big")
    assert (width, height) == (1200, 630)


def read_jsonstat(text):
    """{(category ids…): value} through pyjstat, a JSON-stat reader that is not ours."""
    from pyjstat import pyjstat

    frame = pyjstat.Dataset.read(text).write("dataframe", naming="id")
    dims = [c for c in frame.columns if c != "value"]
    return {
        tuple(row[d] for d in dims): (None if pd.isna(row["value"]) else row["value"])
        for _i, row in frame.iterrows()
    }


def test_jsonstat_and_sdmx_csv_read_back_with_the_same_numbers(clients, open_indicator):
    from jsonstat_validator import validate_jsonstat

    text = clients["publik"].get("/indikator/indikator-terbuka/unduh/json-stat").content
    document = json.loads(text)
    assert document["version"] == "2.0" and document["class"] == "dataset"
    assert validate_jsonstat(document)  # the JSON-stat 2.0 schema
    cells = read_jsonstat(text.decode())
    assert cells[("53", "2023")] == 129
    assert cells[("53.10", "2022")] == 42
    sdmx = pd.read_csv(
        io.BytesIO(clients["publik"].get("/indikator/indikator-terbuka/unduh/sdmx-csv").content),
        dtype={"REF_AREA": str, "TIME_PERIOD": str},
    )
    assert list(sdmx.columns[:4]) == ["DATAFLOW", "REF_AREA", "TIME_PERIOD", "OBS_VALUE"]
    from_sdmx = {(r.REF_AREA, r.TIME_PERIOD): r.OBS_VALUE for r in sdmx.itertuples()}
    assert from_sdmx == {k: v for k, v in cells.items() if v is not None}
    rows = list(
        csv.DictReader(
            io.StringIO(
                clients["publik"].get("/indikator/indikator-terbuka/unduh/csv").content.decode()
            )
        )
    )
    total = {
        (r["kode_wilayah"], r["periode"]): float(r["nilai"])
        for r in rows
        if r["jenis_kelamin"] == "Total"
    }
    assert total == from_sdmx


@pytest.mark.parametrize("who", ["publik", "produsen_b"])
def test_a_terbatas_indicator_never_shows_to_the_public(
    clients, who, restricted_indicator, open_indicator
):
    client = clients[who]
    if who == "produsen_b":
        # a government user may see Terbatas; a Tertutup source stays hidden instead
        restricted_indicator.resource.dataset.access = Access.CLOSED
        restricted_indicator.resource.dataset.save(update_fields=["access"])
    for url in urls(restricted_indicator.slug):
        response = client.get(url)
        assert response.status_code == 404, url
        assert TERBATAS.encode() not in response.content
    dashboard = client.get("/indikator/").content.decode()
    assert TERBATAS not in dashboard
    assert "indikator-terbuka" in dashboard


def test_leaders_see_terbatas_indicators_on_the_dashboard(clients, restricted_indicator):
    html = clients["pimpinan"].get("/indikator/").content.decode()
    assert restricted_indicator.get_absolute_url() in html
    assert clients["pimpinan"].get(restricted_indicator.get_absolute_url()).status_code == 200
    response = clients["pimpinan"].get(f"/indikator/{restricted_indicator.slug}/unduh/csv")
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="download.restricted").exists()


def test_an_unpublished_indicator_is_hidden_from_the_public(clients, open_indicator):
    Indicator.objects.filter(pk=open_indicator.pk).update(is_published=False)
    assert clients["publik"].get(open_indicator.get_absolute_url()).status_code == 404
    assert clients["walidata"].get(open_indicator.get_absolute_url()).status_code == 200


def test_the_walidata_curates_the_key_indicators(clients, open_indicator):
    assert clients["produsen_a"].get("/kelola/indikator/").status_code == 404
    assert clients["publik"].post("/kelola/indikator/", {}).status_code == 404
    response = clients["walidata"].post(
        "/kelola/indikator/",
        {f"terbit-{open_indicator.pk}": "on", f"urutan-{open_indicator.pk}": "3"},
    )
    assert response.status_code == 302
    open_indicator.refresh_from_db()
    assert not open_indicator.is_key and open_indicator.position == 3
    event = AuditEvent.objects.get(action="indicator.curate")
    assert event.after["is_key"] is False


def test_compare_and_pivot_forms(clients, open_indicator):
    html = (
        clients["publik"]
        .get(
            "/indikator/indikator-terbuka/?wilayah=53.01&wilayah=53.71&baris=jenis_kelamin&kolom=wilayah&pilih_periode=2021"
        )
        .content.decode()
    )
    assert 'value="53.01" checked' in html
    assert "Pilih 2 sampai 5" not in html.split("<legend>")[0]
    # pivot: jenis kelamin × wilayah in 2021: Kota Kupang, P = 31
    assert '<th scope="row">P</th>' in html
    svg = (
        clients["publik"]
        .get("/indikator/indikator-terbuka/grafik/tren.svg?wilayah=53.01&wilayah=53.71")
        .content.decode()
    )
    assert "Kota Kupang" in svg and "Kabupaten Kupang" in svg
    one = clients["publik"].get("/indikator/indikator-terbuka/?wilayah=53.01").content.decode()
    assert "Pilih 2 sampai 5 wilayah untuk dibandingkan." in one


def test_a_composite_page_uses_the_formula(clients, catalog, cast, open_indicator):
    ratio = Indicator.objects.create(
        slug="separuh",
        name="Separuh",
        organization=catalog["open"].organization,
        access=Access.OPEN,
        is_published=True,
        formula="indikator_terbuka / 2",
    )
    ratio.components.set([open_indicator])
    html = clients["publik"].get("/indikator/separuh/").content.decode()
    assert "64,50" in html  # 129 / 2


def test_load_boundaries_makes_a_choropleth(tmp_path, clients, open_indicator):
    square = lambda x, y: [[[x, y], [x + 0.5, y], [x + 0.5, y - 0.5], [x, y - 0.5], [x, y]]]  # noqa: E731
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"kode": code},
                "geometry": {"type": "Polygon", "coordinates": square(x, -9)},
            }
            for code, x in (("53.01", 123.5), ("53.10", 120.3), ("53.71", 123.6))
        ],
    }
    path = tmp_path / "batas.geojson"
    path.write_text(json.dumps(collection))
    call_command("load_boundaries", str(path), stdout=io.StringIO())
    assert Boundary.objects.count() == 3
    svg = clients["publik"].get("/indikator/indikator-terbuka/grafik/peta.svg").content.decode()
    assert "<path" in svg and "Kota Kupang: 63,00" in svg


def test_the_dataset_page_suggests_charts(clients, catalog, cast):
    version = published_version(catalog["open"], cast["walidata"], table(GOOD))
    html = clients["publik"].get(catalog["open"].get_absolute_url()).content.decode()
    assert f"/grafik/versi/{version.pk}/tren.svg" in html
    assert f"/grafik/versi/{version.pk}/peta.svg" in html
    svg = clients["publik"].get(f"/grafik/versi/{version.pk}/peringkat.svg")
    assert svg.status_code == 200 and b"<svg" in svg.content


def test_suggested_charts_of_a_terbatas_table_are_hidden(clients, catalog, cast):
    version = published_version(catalog["restricted"], cast["walidata"], table(GOOD))
    assert clients["publik"].get(f"/grafik/versi/{version.pk}/tren.svg").status_code == 404
    assert clients["pimpinan"].get(f"/grafik/versi/{version.pk}/tren.svg").status_code == 200


def test_an_indicator_cannot_be_more_open_than_its_dataset(catalog, cast):
    from django.core.exceptions import ValidationError

    version = published_version(catalog["restricted"], cast["walidata"], table(GOOD))
    ind = Indicator(
        slug="bocor",
        name="Bocor",
        organization=catalog["restricted"].organization,
        access=Access.OPEN,
        resource=version.resource,
        region_column="kode_wilayah",
        period_column="tahun",
        value_column="nilai",
        aggregation=Aggregation.SUM,
    )
    with pytest.raises(ValidationError):
        ind.clean()
