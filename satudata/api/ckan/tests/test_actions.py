"""The CKAN Action API: envelope, errors, each action, and what each caller sees."""

import json
import re

import pytest
from django.test import Client

from satudata.api.ckan import ids
from satudata.catalog.models import Dataset

from .helpers import ISO, assert_no_canary, call, result

pytestmark = pytest.mark.django_db


# --- transport and envelope


def test_it_answers_get_and_post_on_both_paths_without_csrf_or_redirect(catalog):
    client = Client(enforce_csrf_checks=True)
    for prefix in ("/api/3/action/", "/api/action/"):
        response = client.get(prefix + "package_list")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json;charset=utf-8"
        body = json.loads(response.content)
        assert body["success"] is True
        assert body["help"].endswith("/api/3/action/help_show?name=package_list")
        response = client.post(prefix + "package_list", "{}", content_type="application/json")
        assert response.status_code == 200, response.status_code  # not 403 (CSRF), not 301
        response = client.post(prefix + "package_show", {"id": "persentase-penduduk-miskin"})
        assert json.loads(response.content)["result"]["name"] == "persentase-penduduk-miskin"
    assert json.loads(client.get("/api/3").content) == {"version": 3}


def test_it_returns_ckan_errors(catalog):
    client = Client()
    response = client.get("/api/3/action/no_such_action")
    assert response.status_code == 400
    assert json.loads(response.content) == "Bad request - Action name not known: no_such_action"
    response = client.post("/api/action/package_show", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON Error" in json.loads(response.content)
    response = client.post("/api/action/package_show", "[1, 2]", content_type="application/json")
    assert response.status_code == 400

    status, body = call(client, "package_show", id="tidak-ada")
    assert status == 404
    assert body["success"] is False
    assert body["error"] == {"__type": "Not Found Error", "message": "Not found"}
    status, body = call(client, "package_show")
    assert status == 409 and body["error"]["__type"] == "Validation Error"
    assert "id" in body["error"]
    status, body = call(client, "package_search", bogus="1")
    assert status == 400 and body["error"]["__type"] == "Search Query Error"
    status, body = call(client, "package_search", sort="popularity desc")
    assert status == 400 and body["error"]["message"] == 'Invalid "sort" parameter'
    status, body = call(client, "package_search", rows="many")
    assert status == 409 and body["error"]["rows"]
    status, body = call(client, "package_search", fq="organization:(a OR")
    assert status == 400 and body["error"]["__type"] == "Search Query Error"
    status, body = call(client, "package_search", fq="colour:red")
    assert status == 400
    status, body = call(client, "package_search", q="{!lucene}x:y")
    assert status == 400
    status, body = call(client, "resource_show", id="bukan-id")
    assert status == 404


# --- the package dict


def test_package_show_is_complete_and_valid_for_ckan(catalog):
    client = Client()
    dataset = catalog["open"]
    by_name = result(client, "package_show", id=dataset.slug)
    by_id = result(client, "package_show", id=by_name["id"], include_datasets="False")
    assert by_name == by_id
    assert by_name["id"] == ids.to_ckan("dataset", dataset.pk)
    for key in (
        "id name title notes license_id license_title tags metadata_created metadata_modified"
        " organization resources private type author author_email maintainer maintainer_email"
        " state groups extras num_resources num_tags url owner_org isopen"
    ).split():
        assert key in by_name, key
    assert re.match(r"^[a-z0-9_-]{2,100}$", by_name["name"])
    assert by_name["type"] == "dataset" and by_name["state"] == "active"
    assert by_name["private"] is False
    assert by_name["organization"]["name"] == "dinas-kesehatan"
    assert [g["name"] for g in by_name["groups"]] == ["kemiskinan"]
    assert [t["name"] for t in by_name["tags"]] == ["sosial"]
    assert re.match(ISO, by_name["metadata_created"])
    assert re.match(ISO, by_name["metadata_modified"])
    [resource] = by_name["resources"]
    assert resource["format"] == "CSV"
    assert resource["url"].startswith("http") and resource["url"].endswith("/v1/unduh/")
    assert resource["package_id"] == by_name["id"]
    assert re.match(ISO, resource["metadata_modified"])
    assert resource["metadata_modified"] == by_name["metadata_modified"]
    extras = {e["key"]: e["value"] for e in by_name["extras"]}
    assert extras["temporal_start"] == "2020" and extras["spatial_coverage_code"] == "53"
    assert all(isinstance(e["value"], str) for e in by_name["extras"])
    assert result(client, "resource_show", id=resource["id"]) == resource


def test_search_results_are_the_package_show_dicts(catalog):
    client = Client()
    found = result(client, "package_search", q="miskin")
    assert found["count"] == 1
    assert found["results"] == [result(client, "package_show", id="persentase-penduduk-miskin")]


def test_the_resource_url_downloads_the_file(catalog, settings):
    settings.SITE_URL = "http://testserver"
    client = Client()
    resource = result(client, "package_show", id="persentase-penduduk-miskin")["resources"][0]
    response = client.get(resource["url"].removeprefix("http://testserver"))
    assert response.status_code == 200
    assert b"53.10" in b"".join(response.streaming_content)


# --- search


def names(found):
    return sorted(d["name"] for d in found["results"])


def test_fq_supports_the_solr_subset(catalog):
    client = Client()
    both = ["jumlah-penerima-bansos", "persentase-penduduk-miskin"]
    assert names(result(client, "package_search")) == both
    assert names(result(client, "package_search", q="*:*")) == both
    assert names(result(client, "package_search", fq="organization:dinas-sosial")) == [both[0]]
    assert names(result(client, "package_search", fq="-organization:dinas-sosial")) == [both[1]]
    assert (
        names(
            result(
                client,
                "package_search",
                fq="organization:dinas-sosial OR organization:dinas-kesehatan",
            )
        )
        == both
    )
    assert names(result(client, "package_search", fq="organization:(dinas-sosial OR x)")) == [
        both[0]
    ]
    assert names(result(client, "package_search", fq="tags:sosial")) == [both[1]]
    assert names(result(client, "package_search", fq="groups:kemiskinan")) == both
    assert names(result(client, "package_search", fq="-groups:kemiskinan")) == []
    assert names(result(client, "package_search", fq="res_format:csv")) == both
    assert names(result(client, "package_search", fq='name:"jumlah-penerima-bansos"')) == [both[0]]
    assert names(result(client, "package_search", q="title:Persentase")) == [both[1]]
    assert names(result(client, "package_search", fq="license_id:cc-by +capacity:public")) == both
    ckan_id = ids.to_ckan("dataset", catalog["other_opd"].pk)
    assert names(result(client, "package_search", fq=f"id:{ckan_id}")) == [both[0]]
    assert names(result(client, "package_search", q="bantuan sosial")) == [both[0]]
    assert names(result(client, "package_search", q="bantuan OR miskin")) == both
    assert names(result(client, "package_search", q='penduduk "kabupaten/kota" (')) == [both[1]]
    assert names(
        result(client, "package_search", fq_list=["organization:dinas-kesehatan", "tags:sosial"])
    ) == [both[1]]


def test_fq_ranges_on_metadata_modified(catalog):
    client = Client()
    found = result(client, "package_search", sort="metadata_modified desc")
    newest = found["results"][0]["metadata_modified"]
    after = result(client, "package_search", fq=f"metadata_modified:[{newest}Z TO *]")
    assert names(after) == [found["results"][0]["name"]]
    assert result(client, "package_search", fq=f"metadata_modified:{{{newest}Z TO *]")["count"] == 0
    assert result(client, "package_search", fq="metadata_modified:[* TO 2000-01-01]")["count"] == 0
    assert (
        result(client, "package_search", fq="metadata_created:[2000-01-01T00:00:00Z TO NOW]")[
            "count"
        ]
        == 2
    )


def test_rows_start_and_sort(catalog):
    client = Client()
    first = result(client, "package_search", rows=1, sort="name asc")
    assert first["count"] == 2 and names(first) == ["jumlah-penerima-bansos"]
    second = result(client, "package_search", rows=1, start=1, sort="name asc")
    assert names(second) == ["persentase-penduduk-miskin"]
    assert result(client, "package_search", rows=1, start=2)["results"] == []
    assert result(client, "package_search", rows=0)["results"] == []
    assert result(client, "package_search", rows=5000)["count"] == 2
    ordered = result(client, "package_search", sort="id asc")["results"]
    assert [d["id"] for d in ordered] == sorted(d["id"] for d in ordered)
    for sort in ("score desc, metadata_modified desc", "title_string asc", "metadata_created desc"):
        assert result(client, "package_search", sort=sort)["count"] == 2
    assert result(client, "package_search", fl="id,name")["results"][0].keys() == {"id", "name"}


def test_facets_count_only_what_the_caller_sees(catalog):
    client = Client()
    found = result(
        client,
        "package_search",
        **{
            "facet.field": '["organization", "groups", "tags", "res_format", "license_id"]',
            "rows": 0,
        },
    )
    assert found["facets"]["organization"] == {"dinas-kesehatan": 1, "dinas-sosial": 1}
    assert found["facets"]["groups"] == {"kemiskinan": 2}
    assert found["facets"]["tags"] == {"sosial": 1}
    assert found["facets"]["res_format"] == {"CSV": 2}
    assert found["facets"]["license_id"] == {"cc-by": 2}
    items = found["search_facets"]["organization"]["items"]
    assert [i["display_name"] for i in items] == ["Dinas Sosial", "Dinas Kesehatan"]
    limited = result(
        client, "package_search", **{"facet.field": '["organization"]', "facet.limit": "1"}
    )
    assert len(limited["facets"]["organization"]) == 1
    post = Client().post(
        "/api/action/package_search",
        json.dumps({"facet.field": ["groups"], "rows": 0}),
        content_type="application/json",
    )
    assert json.loads(post.content)["result"]["facets"] == {"groups": {"kemiskinan": 2}}


# --- lists and shows


def test_organizations_groups_tags_and_site(catalog):
    client = Client()
    assert result(client, "organization_list") == ["dinas-kesehatan", "dinas-sosial"]
    full = result(client, "organization_list", all_fields="true")
    assert {o["name"]: o["package_count"] for o in full} == {
        "dinas-kesehatan": 1,
        "dinas-sosial": 1,
    }
    assert result(client, "organization_list", sort="name desc") == [
        "dinas-sosial",
        "dinas-kesehatan",
    ]
    org = result(client, "organization_show", id="dinas-kesehatan", include_datasets="true")
    assert org["package_count"] == 1 and org["is_organization"] is True
    assert [p["name"] for p in org["packages"]] == ["persentase-penduduk-miskin"]
    assert result(client, "organization_show", id=org["id"])["name"] == "dinas-kesehatan"
    assert call(client, "organization_show", id="kemiskinan")[0] == 404  # a group, not an OPD
    assert result(client, "group_list") == ["kemiskinan", "kesehatan"]
    group = result(client, "group_show", id="kesehatan", include_datasets="true")
    assert group["package_count"] == 0 and group["packages"] == []
    assert call(client, "group_show", id="dinas-sosial")[0] == 404
    assert result(client, "tag_list") == ["sosial"]
    assert result(client, "tag_list", query="kanari") == []
    assert result(client, "package_list") == [
        "jumlah-penerima-bansos",
        "persentase-penduduk-miskin",
    ]
    assert result(client, "package_list", limit=1, offset=1) == ["persentase-penduduk-miskin"]
    current = result(client, "current_package_list_with_resources", limit=1)
    assert len(current) == 1 and current[0]["resources"]
    status = result(client, "status_show")
    assert status["ckan_version"] and status["locale_default"] == "id"
    assert result(client, "site_read") is True
    assert "q" in result(client, "help_show", name="package_search")


# --- who sees what


ALL_CALLS = [
    (
        "package_search",
        {"rows": 1000, "facet.field": '["organization","groups","tags","res_format","license_id"]'},
    ),
    ("package_search", {"q": "kanaritbts7q", "include_private": "true"}),
    (
        "package_search",
        {"fq": "organization:dinas-kesehatan", "include_private": "true", "include_drafts": "true"},
    ),
    ("package_list", {"include_private": "true"}),
    ("current_package_list_with_resources", {"limit": 100}),
    ("organization_list", {"all_fields": "true"}),
    ("organization_show", {"id": "dinas-kesehatan", "include_datasets": "true"}),
    ("group_list", {"all_fields": "true"}),
    ("group_show", {"id": "kesehatan", "include_datasets": "true"}),
    ("tag_list", {"all_fields": "true"}),
    ("status_show", {}),
    ("site_read", {}),
]


@pytest.mark.parametrize("who", ["publik", "produsen_b", "pembina", "pimpinan"])
def test_no_terbatas_tertutup_or_draft_reaches_the_public_or_another_opd(catalog, clients, who):
    client = clients[who]
    for name, params in ALL_CALLS:
        status, body = call(client, name, **params)
        assert status == 200, (name, body)
        assert_no_canary(json.dumps(body))
        status, body = call(client, name, method="post", **params)
        assert_no_canary(json.dumps(body))
    found = result(client, "package_search", include_private="true", rows=100)
    assert found["count"] == 2
    for key in ("restricted", "closed", "draft"):
        dataset = catalog[key]
        for value in (dataset.slug, ids.to_ckan("dataset", dataset.pk)):
            status, body = call(client, "package_show", id=value)
            assert status == 404 and body["error"]["__type"] == "Not Found Error"
        for resource in dataset.resources.all():
            assert call(client, "resource_show", id=ids.to_ckan("resource", resource.pk))[0] == 404
    org = result(client, "organization_show", id="dinas-kesehatan")
    assert org["package_count"] == 1
    facets = result(
        client,
        "package_search",
        include_private="true",
        **{"facet.field": '["organization","groups"]'},
    )
    assert facets["facets"]["organization"]["dinas-kesehatan"] == 1
    assert facets["facets"]["groups"] == {"kemiskinan": 2}


def test_members_of_the_owning_opd_see_its_datasets_when_they_ask(catalog, clients):
    client = clients["produsen_a"]
    assert result(client, "package_search")["count"] == 2  # public only by default, as in CKAN
    found = result(client, "package_search", include_private="true", rows=100)
    assert sorted(d["name"] for d in found["results"]) == [
        "draf-baru", "jumlah-penerima-bansos", "persentase-penduduk-miskin", "rekap-terbatas", "rekap-tertutup",
    ]  # fmt: skip
    shown = result(client, "package_show", id="rekap-tertutup")
    assert shown["private"] is True and shown["resources"]
    assert (
        result(client, "resource_show", id=shown["resources"][0]["id"])["id"]
        == shown["resources"][0]["id"]
    )
    draft = result(client, "package_show", id="draf-baru")
    assert draft["state"] == "draft"
    walidata = result(clients["walidata"], "package_search", include_private="true")
    assert walidata["count"] == 5


def test_anonymous_include_private_is_ignored(catalog):
    found = result(Client(), "package_search", include_private="true", rows=100)
    assert found["count"] == 2
    assert_no_canary(json.dumps(found))


def test_an_api_key_header_is_served_as_anonymous(catalog):
    client = Client(HTTP_AUTHORIZATION="some-token", HTTP_X_CKAN_API_KEY="some-token")
    status, body = call(client, "package_search", include_private="true")
    assert status == 200 and body["result"]["count"] == 2


def test_a_withdrawn_or_unpublished_dataset_disappears(catalog):
    client = Client()
    Dataset.objects.filter(pk=catalog["other_opd"].pk).update(state="withdrawn")
    assert result(client, "package_list") == ["persentase-penduduk-miskin"]
    assert call(client, "package_show", id="jumlah-penerima-bansos")[0] == 404
