"""Indicators in /api/v1: list, MS-Ind metadata, series, with the pages' permission policy."""

import json

import pytest
from django.test import Client
from openapi_spec_validator import validate

from satudata.accounts.tokens import create_token
from satudata.audit.models import AuditEvent
from satudata.catalog.constants import Access
from satudata.stats import indicators
from satudata.stats.models import Indicator
from satudata.stats.tests.conftest import published_version
from satudata.stats.tests.test_indicators_cube import GOOD, make_indicator, table

TERBATAS = "indikatorrahasiaapi"


def body(response):
    return json.loads(response.content)


def bearer(user):
    _token, text = create_token(user, "uji", "read", 30)
    return Client(HTTP_AUTHORIZATION=f"Bearer {text}")


@pytest.fixture(autouse=True)
def _fresh(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    indicators.clear_cache()
    yield
    indicators.clear_cache()


@pytest.fixture
def open_indicator(catalog, cast):
    version = published_version(catalog["open"], cast["walidata"], table(GOOD))
    return make_indicator(catalog["open"], version, slug="indikator-terbuka", is_key=True)


@pytest.fixture
def restricted_indicator(catalog, cast):
    version = published_version(catalog["restricted"], cast["walidata"], table(GOOD))
    ind = make_indicator(catalog["restricted"], version, slug=f"ind-{TERBATAS}")
    ind.name = f"Rahasia {TERBATAS}"
    ind.save()
    return ind


def test_the_list_shows_only_what_the_caller_may_see(
    client, cast, open_indicator, restricted_indicator
):
    public = client.get("/api/v1/indicators")
    assert public.status_code == 200
    assert [i["slug"] for i in body(public)["results"]] == ["indikator-terbuka"]
    assert TERBATAS.encode() not in public.content
    leader = body(bearer(cast["pimpinan"]).get("/api/v1/indicators"))
    assert {i["slug"] for i in leader["results"]} == {"indikator-terbuka", f"ind-{TERBATAS}"}
    assert body(client.get("/api/v1/indicators?utama=true"))["count"] == 1


def test_metadata_carries_ms_ind_source_and_periods(client, open_indicator):
    data = body(client.get("/api/v1/indicators/indikator-terbuka"))
    assert data["name"] == open_indicator.name and data["is_composite"] is False
    assert data["source"]["dataset"] == open_indicator.resource.dataset.slug
    assert data["source"]["breakdown_columns"] == ["jenis_kelamin"]
    assert data["periods"] == ["2021", "2022", "2023"]
    assert data["latest"] == {
        "period": "2023",
        "value": 129.0,
        "previous_period": "2022",
        "previous_value": 126.0,
    }
    assert data["links"]["series"].endswith("/api/v1/indicators/indikator-terbuka/series")


def test_series_rows_filters_and_statuses(client, open_indicator):
    url = "/api/v1/indicators/indikator-terbuka/series"
    data = body(client.get(url))
    assert data["breakdowns"] == [
        {"column": "jenis_kelamin", "title": "jenis_kelamin", "values": ["L", "P"]}
    ]
    # 3 kab/kota + province, 3 years, Total + L + P (province only aggregated totals)
    assert data["count"] == len(data["rows"]) == 4 * 3 + 3 * 3 * 2
    province = [r for r in data["rows"] if r["region"]["code"] == "53"]
    assert {r["status"] for r in province} == {"aggregated"}
    one = body(client.get(url + "?region=53.10&period=2022&breakdown=jenis_kelamin:L"))
    assert one["rows"] == [
        {
            "region": {"code": "53.10", "name": "Kabupaten Manggarai"},
            "period": "2022",
            "breakdowns": {"jenis_kelamin": "L"},
            "value": 21.0,
            "unit": "",
            "status": "observed",
        }
    ]
    totals = body(client.get(url + "?breakdown=jenis_kelamin:Total&period=2023&region=53"))
    assert [r["value"] for r in totals["rows"]] == [129.0]
    paged = body(client.get(url + "?limit=5"))
    assert len(paged["rows"]) == 5 and "offset=5" in paged["links"]["next"]
    bad = client.get(url + "?breakdown=umur:5")
    assert bad.status_code == 400 and body(bad)["error"]["code"] == "invalid_parameter"
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_composite_series_is_computed(client, catalog, open_indicator):
    half = Indicator.objects.create(
        slug="separuh",
        name="Separuh",
        organization=catalog["open"].organization,
        access=Access.OPEN,
        is_published=True,
        formula="indikator_terbuka / 2",
    )
    half.components.set([open_indicator])
    data = body(client.get("/api/v1/indicators/separuh/series?region=53&period=2023"))
    assert data["rows"][0]["value"] == 64.5 and data["rows"][0]["status"] == "computed"
    meta = body(client.get("/api/v1/indicators/separuh"))
    assert meta["components"] == [{"slug": "indikator-terbuka", "name": open_indicator.name}]
    assert meta["source"] is None and meta["formula"] == "indikator_terbuka / 2"


@pytest.mark.parametrize("who", ["publik", "produsen_b"])
def test_a_terbatas_indicator_is_404_in_the_api(clients, who, restricted_indicator):
    if who == "produsen_b":
        # any role may see Terbatas indicators; a Tertutup source dataset keeps it hidden
        restricted_indicator.resource.dataset.access = Access.CLOSED
        restricted_indicator.resource.dataset.save(update_fields=["access"])
    client = clients[who]
    for url in (
        f"/api/v1/indicators/ind-{TERBATAS}",
        f"/api/v1/indicators/ind-{TERBATAS}/series",
        f"/api/v1/indicators/ind-{TERBATAS}/series?region=53",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert body(response)["error"]["code"] == "not_found"
        assert TERBATAS.encode() not in response.content
    assert TERBATAS.encode() not in client.get("/api/v1/indicators").content
    # the same answer as an indicator that does not exist
    assert (
        client.get("/api/v1/indicators/tidak-ada").content
        == client.get(f"/api/v1/indicators/ind-{TERBATAS}").content
    )


def test_a_terbatas_indicator_with_a_token_is_served_and_audited(cast, restricted_indicator):
    leader = bearer(cast["pimpinan"])
    response = leader.get(f"/api/v1/indicators/ind-{TERBATAS}/series?region=53")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("private")
    assert [
        r["value"] for r in body(response)["rows"] if r["breakdowns"]["jenis_kelamin"] == "Total"
    ] == [
        123.0,
        126.0,
        129.0,
    ]
    event = AuditEvent.objects.get(action="download.restricted")
    assert event.after["format"] == "indikator:api"
    walidata = bearer(cast["walidata"])
    assert walidata.get(f"/api/v1/indicators/ind-{TERBATAS}").status_code == 200


def test_unpublished_indicators_are_hidden_from_the_public(client, cast, open_indicator):
    Indicator.objects.filter(pk=open_indicator.pk).update(is_published=False)
    assert client.get("/api/v1/indicators/indikator-terbuka").status_code == 404
    assert body(client.get("/api/v1/indicators"))["count"] == 0
    data = body(bearer(cast["walidata"]).get("/api/v1/indicators/indikator-terbuka"))
    assert data["published"] is False


def test_the_openapi_document_describes_the_indicator_endpoints(client):
    schema = body(client.get("/api/v1/openapi.json"))
    validate(schema)
    for path in (
        "/api/v1/indicators",
        "/api/v1/indicators/{slug}",
        "/api/v1/indicators/{slug}/series",
    ):
        assert path in schema["paths"], sorted(schema["paths"])
        assert "404" in schema["paths"][path]["get"]["responses"]
