import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openapi_spec_validator import validate

from conftest import CANARY_CLOSED, CANARY_DRAFT, CANARY_RESTRICTED
from satudata.accounts.models import ApiToken
from satudata.accounts.tokens import create_token
from satudata.audit.models import AuditEvent
from satudata.stats import query as engine


def body(response):
    return json.loads(response.content)


def assert_error(response, status, code=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    data = body(response)
    assert set(data) == {"error"} and set(data["error"]) == {"code", "message", "detail"}
    if code:
        assert data["error"]["code"] == code
    return data["error"]


def bearer(user, scope="read", days=30):
    _token, text = create_token(user, "uji", scope, days)
    return Client(HTTP_AUTHORIZATION=f"Bearer {text}"), text


def test_dataset_list_and_detail_shapes(client, tables):
    data = body(client.get("/api/v1/datasets"))
    assert data["count"] == 2 and {d["slug"] for d in data["results"]} == {
        "persentase-penduduk-miskin",
        "jumlah-penerima-bansos",
    }
    assert "organisasi" in data["facets"] and "klasifikasi" not in data["facets"]
    data = body(client.get("/api/v1/datasets", {"q": "miskin"}))
    assert [d["slug"] for d in data["results"]] == ["persentase-penduduk-miskin"]
    data = body(client.get("/api/v1/datasets", {"organisasi": "dinas-sosial"}))
    assert [d["slug"] for d in data["results"]] == ["jumlah-penerima-bansos"]
    detail = body(client.get("/api/v1/datasets/persentase-penduduk-miskin"))
    assert detail["organisation"]["slug"] == "dinas-kesehatan"
    queryable = [r for r in detail["resources"] if r["latest_version"]["queryable"]]
    assert queryable and queryable[0]["latest_version"]["links"]["rows"].endswith("/rows")


def test_resources_versions_organisations_topics_regions(client, tables):
    v = tables["open"]
    resource = body(client.get(f"/api/v1/resources/{v.resource_id}"))
    assert resource["latest_version"]["id"] == v.pk
    versions = body(client.get(f"/api/v1/resources/{v.resource_id}/versions"))
    assert [x["id"] for x in versions] == [v.pk]
    version = body(client.get(f"/api/v1/versions/{v.pk}"))
    assert version["sha256"] == v.sha256 and version["has_series"] is True
    assert [f["name"] for f in version["fields"]] == ["kode_wilayah", "tahun", "kategori", "nilai"]
    orgs = {o["slug"]: o for o in body(client.get("/api/v1/organisations"))}
    assert orgs["dinas-kesehatan"]["dataset_count"] == 1  # only the Terbuka one
    assert body(client.get("/api/v1/organisations/dinas-sosial"))["dataset_count"] == 1
    topics = {t["slug"]: t for t in body(client.get("/api/v1/topics"))}
    assert topics["kesehatan"]["dataset_count"] == 0
    regions = body(client.get("/api/v1/regions", {"parent": "53"}))
    assert [r["code"] for r in regions["results"]] == ["53.01", "53.10", "53.71"]
    assert body(client.get("/api/v1/regions/53.71"))["bps_code"] == "5371"


def test_rows_aggregate_series(client, tables):
    v = tables["open"]
    data = body(
        client.get(
            f"/api/v1/versions/{v.pk}/rows",
            {
                "filter": ["tahun:eq:2020", "kode_wilayah:in:53.01,53.71"],
                "facet": "kategori",
                "sort": "-nilai",
                "limit": 1,
            },
        )
    )
    assert data["total"] == 2 and data["records"][0]["nilai"] == 100.0
    assert data["facets"]["kategori"]["items"][0]["count"] == 1
    assert data["has_more"] and "after=" in data["links"]["next"]
    follow = body(client.get(data["links"]["next"]))
    assert follow["records"][0]["nilai"] == 10.0 and follow["has_more"] is False
    data = body(
        client.get(f"/api/v1/versions/{v.pk}/rows", {"filters": json.dumps({"nilai": {"gte": 20}})})
    )
    assert data["total"] == 2
    agg = body(
        client.get(
            f"/api/v1/versions/{v.pk}/aggregate",
            {"group_by": "tahun", "metric": ["count", "sum:nilai"], "sort": "-tahun"},
        )
    )
    assert agg["records"] == [
        {"tahun": 2021, "count": 3, "sum_nilai": 27.0},
        {"tahun": 2020, "count": 3, "sum_nilai": 115.5},
    ]
    series = body(client.get(f"/api/v1/versions/{v.pk}/series", {"region": "53.01"}))
    assert series["points"] == [
        {"region": "53.01", "period": 2020, "value": 10.0},
        {"region": "53.01", "period": 2021, "value": 20.0},
    ]
    by_resource = body(client.get(f"/api/v1/resources/{v.resource_id}/rows", {"limit": 2}))
    assert len(by_resource["records"]) == 2


def test_one_error_shape(client, tables, monkeypatch):
    v = tables["open"]
    assert_error(client.get("/api/v1/tidak-ada"), 404, "not_found")
    assert_error(client.get("/api/v1/datasets/tidak-ada"), 404, "not_found")
    assert_error(client.post("/api/v1/datasets"), 405, "method_not_allowed")
    assert_error(client.delete(f"/api/v1/versions/{v.pk}/rows"), 405)
    assert_error(
        client.get(f"/api/v1/versions/{v.pk}/rows", {"filter": "x:eq:1"}), 400, "unknown_column"
    )
    assert_error(
        client.get(f"/api/v1/versions/{v.pk}/rows", {"limit": "banyak"}), 400, "invalid_parameter"
    )
    assert_error(
        client.get(f"/api/v1/versions/{v.pk}/rows", {"filter": "tahun:eq:'; DROP TABLE x"}),
        400,
        "invalid_value",
    )
    assert_error(
        client.get(f"/api/v1/versions/{v.pk}/rows", {"filters": "{bukan json"}),
        400,
        "invalid_filter",
    )
    assert_error(client.get(f"/api/v1/versions/{v.pk}/aggregate", {"metric": "sum:kategori"}), 400)
    assert_error(
        client.get("/api/v1/datasets/x", HTTP_AUTHORIZATION="Bearer salah"), 401, "unauthenticated"
    )
    monkeypatch.setattr(engine, "rows", lambda *a, **k: 1 / 0)
    error = assert_error(client.get(f"/api/v1/versions/{v.pk}/rows"), 500, "server_error")
    assert "ZeroDivision" not in json.dumps(error)


def test_time_limit_answers_503(client, tables, monkeypatch):
    def slow(*args, **kwargs):
        raise engine.QueryTimeout()

    monkeypatch.setattr(engine, "rows", slow)
    assert_error(client.get(f"/api/v1/versions/{tables['open'].pk}/rows"), 503, "query_timeout")


def test_page_cap_is_flagged(client, tables, settings):
    settings.QUERY_MAX_PAGE_SIZE = 2
    data = body(client.get(f"/api/v1/versions/{tables['open'].pk}/rows", {"limit": 500}))
    assert len(data["records"]) == 2 and data["truncated"] is True and data["limit"] == 2


def test_tokens_authenticate_as_their_owner(tables, cast):
    restricted = tables["restricted"]
    url = f"/api/v1/versions/{restricted.pk}/rows"
    assert Client().get(url).status_code == 404
    token_client, text = bearer(cast["produsen_a"])
    response = token_client.get(url)
    assert response.status_code == 200 and CANARY_RESTRICTED in response.content.decode()
    token = ApiToken.objects.get(user=cast["produsen_a"])
    assert (
        token.last_used_at is not None
        and token.token_hash != text
        and text not in token.prefix + "…"
    )
    # expired and revoked tokens are refused with 401, not served as anonymous
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_error(token_client.get(url), 401, "unauthenticated")
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() + timedelta(days=1), revoked_at=timezone.now()
    )
    assert_error(token_client.get(url), 401)
    assert_error(Client(HTTP_AUTHORIZATION="Basic eDp5").get("/api/v1/datasets"), 401)
    cast["produsen_a"].is_active = False
    cast["produsen_a"].save()
    other, _text = bearer(cast["produsen_a"])
    assert_error(other.get("/api/v1/datasets"), 401)


def test_scopes(cast, rf):
    from satudata.api.v1.auth import require_scope
    from satudata.api.v1.errors import ApiError

    read, _ = create_token(cast["produsen_a"], "baca", "read", 10)
    write, _ = create_token(cast["produsen_a"], "tulis", "write", 10)
    request = rf.get("/")
    request.api_token = read
    require_scope(request, "read")
    with pytest.raises(ApiError) as refused:
        require_scope(request, "write")
    assert refused.value.status == 403
    request.api_token = write
    require_scope(request, "write")
    require_scope(request, "read")


def test_cors_only_on_public_get(client, tables, cast):
    v = tables["open"]
    assert client.get("/api/v1/datasets")["Access-Control-Allow-Origin"] == "*"
    assert client.get(f"/api/v1/versions/{v.pk}/rows")["Access-Control-Allow-Origin"] == "*"
    assert not client.post("/api/v1/datasets").has_header("Access-Control-Allow-Origin")
    token_client, _text = bearer(cast["pimpinan"])
    response = token_client.get("/api/v1/datasets")
    assert response.status_code == 200 and not response.has_header("Access-Control-Allow-Origin")
    session = Client()
    session.force_login(cast["pimpinan"])
    assert not session.get("/api/v1/datasets").has_header("Access-Control-Allow-Origin")
    assert "private" in session.get("/api/v1/datasets")["Cache-Control"]


def test_etag_and_304(client, tables):
    url = f"/api/v1/versions/{tables['open'].pk}/rows?limit=2"
    first = client.get(url)
    etag = first["ETag"]
    assert etag.startswith('"') and first.has_header("Last-Modified")
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag and again.content == b""
    assert client.get(url + "&offset=1")["ETag"] != etag
    assert client.get(url, HTTP_IF_NONE_MATCH='"lain"').status_code == 200
    listing = client.get("/api/v1/datasets")
    assert client.get("/api/v1/datasets", HTTP_IF_NONE_MATCH=listing["ETag"]).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304


def test_openapi_document_is_valid(client):
    response = client.get("/api/v1/openapi.json")
    document = body(response)
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert document["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"
    assert {"/api/v1/datasets", "/api/v1/versions/{version_id}/rows"} <= set(document["paths"])


def test_docs_page_is_server_rendered_without_script(client, db):
    response = client.get("/api/v1/docs/")
    text = response.content.decode()
    assert response.status_code == 200 and "/api/v1/versions/{version_id}/rows" in text
    assert "<script" not in text and "http://cdn" not in text and "https://cdn" not in text


# --- leaks -----------------------------------------------------------------------------------

CANARIES = (
    CANARY_RESTRICTED,
    CANARY_CLOSED,
    CANARY_DRAFT,
    "rekap-terbatas",
    "rekap-tertutup",
    "draf-baru",
)


def _crawl(client, tables, catalog):
    """Every endpoint with every id of the fixture catalog, including the hidden ones."""
    urls = [
        "/api/v1/",
        "/api/v1/datasets",
        "/api/v1/datasets?q=rekap",
        "/api/v1/datasets?q=kasus+gizi",
        "/api/v1/datasets?klasifikasi=closed&klasifikasi=restricted",
        "/api/v1/organisations",
        "/api/v1/organisations/dinas-kesehatan",
        "/api/v1/topics",
        "/api/v1/topics/kesehatan",
        "/api/v1/regions?parent=53",
        "/api/v1/openapi.json",
        "/api/v1/docs/",
    ]
    for dataset in catalog.values():
        urls += [f"/api/v1/datasets/{dataset.slug}", f"/api/v1/datasets/{dataset.slug}/resources"]
        for resource in dataset.resources.all():
            urls += [
                f"/api/v1/resources/{resource.pk}",
                f"/api/v1/resources/{resource.pk}/versions",
                f"/api/v1/resources/{resource.pk}/rows",
            ]
            for version in resource.versions.all():
                base = f"/api/v1/versions/{version.pk}"
                urls += [
                    base,
                    base + "/rows",
                    base + "/rows?facet=kode_wilayah",
                    base + "/aggregate?group_by=kode_wilayah",
                    base + "/series",
                    base + "/rows?filter=kode_wilayah:eq:53.10",
                ]
    for url in urls:
        response = client.get(url)
        yield url, response.status_code, response.content.decode()


@pytest.mark.parametrize("who", ["publik", "produsen_b"])
def test_nothing_hidden_leaks(who, tables, catalog, cast):
    client = Client()
    if who == "produsen_b":
        client, _text = bearer(cast["produsen_b"])
    # another OPD's Produsen sees what the public sees (docs/permissions.md)
    hidden = ["restricted", "closed", "draft"]
    canaries = CANARIES
    hidden_versions = {
        v.pk for name in hidden for r in catalog[name].resources.all() for v in r.versions.all()
    }
    hidden_resources = {r.pk for name in hidden for r in catalog[name].resources.all()}
    for url, status, text in _crawl(client, tables, catalog):
        for canary in canaries:
            assert canary not in text, (url, canary)
        if (
            any(f"/versions/{pk}" in url for pk in hidden_versions)
            or any(f"/resources/{pk}" in url for pk in hidden_resources)
            or any(f"/datasets/{catalog[n].slug}" in url for n in hidden)
        ):
            assert status == 404, url
    counts = {
        o["slug"]: o["dataset_count"]
        for o in json.loads(client.get("/api/v1/organisations").content)
    }
    assert counts["dinas-kesehatan"] == 1


def test_the_owner_sees_its_closed_data(tables, cast):
    client, _text = bearer(cast["produsen_a"])
    text = client.get(f"/api/v1/versions/{tables['closed'].pk}/rows").content.decode()
    assert CANARY_CLOSED in text


# --- the token page --------------------------------------------------------------------------


def test_token_page_shows_a_token_once_and_revokes(clients, cast):
    client = clients["produsen_a"]
    response = client.post("/kelola/token/", {"name": "dasbor", "scope": "read", "days": 30})
    text = response.content.decode()
    token = ApiToken.objects.get(user=cast["produsen_a"])
    shown = text.split('<div class="token-once"')[1].split("<code>")[1].split("</code>")[0]
    assert shown.startswith("sd_") and token.prefix == shown[:10]
    assert shown not in client.get("/kelola/token/").content.decode()
    assert Client(HTTP_AUTHORIZATION=f"Bearer {shown}").get("/api/v1/datasets").status_code == 200
    # another user cannot revoke it
    assert clients["produsen_b"].post(f"/kelola/token/{token.pk}/cabut/").status_code == 404
    client.post(f"/kelola/token/{token.pk}/cabut/")
    assert Client(HTTP_AUTHORIZATION=f"Bearer {shown}").get("/api/v1/datasets").status_code == 401
    assert list(
        AuditEvent.objects.filter(target_id=str(token.pk))
        .values_list("action", flat=True)
        .order_by("id")
    ) == ["api_token.create", "api_token.use", "api_token.revoke"]  # the refused call: none
    assert clients["publik"].get("/kelola/token/").status_code == 302
    assert (
        client.post("/kelola/token/", {"name": "x", "scope": "read", "days": 9999}).status_code
        == 200
    )
    assert ApiToken.objects.filter(user=cast["produsen_a"]).count() == 1
