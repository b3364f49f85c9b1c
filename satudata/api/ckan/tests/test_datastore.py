"""datastore_search and datastore_info on the query engine."""

import json

import pytest
from django.test import Client

from conftest import CANARY_CLOSED, CANARY_RESTRICTED
from satudata.api.ckan import ids
from satudata.stats import query
from satudata.stats.tests.conftest import published_version


@pytest.fixture(autouse=True)
def _fresh_engine():
    query.reset()
    yield
    query.reset()


@pytest.fixture
def versions(catalog, cast):
    def data(canary):
        return f"kode_wilayah,tahun,kolom_{canary},nilai\n53.01,2020,{canary},1\n".encode()

    return {
        "open": published_version(catalog["open"], cast["walidata"]),
        "restricted": published_version(
            catalog["restricted"], cast["walidata"], data(CANARY_RESTRICTED)
        ),
        "closed": published_version(catalog["closed"], cast["walidata"], data(CANARY_CLOSED)),
    }


def rid(version):
    return ids.to_ckan("resource", version.resource_id)


def call(client, name, method="get", **params):
    if method == "get":
        response = client.get(f"/api/3/action/{name}", params)
    else:
        response = client.post(
            f"/api/action/{name}", json.dumps(params), content_type="application/json"
        )
    return response.status_code, json.loads(response.content)


def test_datastore_search_fields_records_total_links(versions):
    status, data = call(Client(), "datastore_search", resource_id=rid(versions["open"]), limit=2)
    assert status == 200 and data["success"] is True
    result = data["result"]
    assert result["fields"][0] == {"id": "_id", "type": "int"}
    assert {"id": "nilai", "type": "numeric"} in result["fields"]
    assert {"id": "kode_wilayah", "type": "text"} in result["fields"]
    assert len(result["records"]) == 2 and result["total"] == 6
    assert "offset=2" in result["_links"]["next"]


def test_datastore_search_parameters_post_json(versions):
    status, data = call(
        Client(),
        "datastore_search",
        method="post",
        resource_id=rid(versions["open"]),
        filters={"tahun": 2020, "kode_wilayah": ["53.01", "53.71"]},
        fields=["kode_wilayah", "nilai"],
        sort="nilai desc",
        q="laki",
    )
    result = data["result"]
    assert status == 200, data
    assert [f["id"] for f in result["fields"]] == ["_id", "kode_wilayah", "nilai"]
    assert result["records"] == [{"_id": 1, "kode_wilayah": "53.01", "nilai": 10.0}]
    assert result["total"] == 1


def test_datastore_search_get_strings_distinct_and_limit_zero(versions):
    _s, data = call(
        Client(),
        "datastore_search",
        resource_id=rid(versions["open"]),
        filters='{"tahun": "2021"}',
        fields="tahun",
        distinct="true",
        include_total="false",
    )
    assert data["result"]["records"] == [{"tahun": 2021}] and "total" not in data["result"]
    _s, data = call(Client(), "datastore_search", resource_id=rid(versions["open"]), limit="0")
    assert (
        data["result"]["records"] == []
        and data["result"]["total"] == 6
        and data["result"]["fields"]
    )
    _s, data = call(
        Client(),
        "datastore_search",
        resource_id=rid(versions["open"]),
        records_format="lists",
        limit=1,
    )
    assert data["result"]["records"] == [[1, "53.01", 2020, "Laki-laki", 10.0]]


def test_datastore_search_errors(versions):
    status, data = call(Client(), "datastore_search")
    assert (
        status == 409
        and data["error"]["__type"] == "Validation Error"
        and "resource_id" in data["error"]
    )
    status, data = call(
        Client(), "datastore_search", resource_id=rid(versions["open"]), filters='{"x\\"; DROP": 1}'
    )
    assert status == 409 and "filters" in data["error"]
    status, data = call(
        Client(), "datastore_search", resource_id=rid(versions["open"]), sort="nilai; DROP TABLE x"
    )
    assert status == 409
    status, data = call(
        Client(),
        "datastore_search",
        resource_id=rid(versions["open"]),
        filters='{"tahun": "1 OR 1=1"}',
    )
    assert status == 409
    status, data = call(Client(), "datastore_search", resource_id="tidak-ada")
    assert status == 404 and data["error"]["__type"] == "Not Found Error"


@pytest.mark.parametrize("who", ["publik", "produsen_b"])
def test_hidden_tables_are_not_found(who, versions, clients):
    client = clients[who]
    hidden = ["restricted", "closed"] if who == "publik" else ["closed"]
    for name in hidden:
        for action in ("datastore_search", "datastore_info"):
            status, data = call(client, action, resource_id=rid(versions[name]))
            assert status == 404, (name, action)
            text = json.dumps(data)
            assert CANARY_CLOSED not in text and CANARY_RESTRICTED not in text
    status, _data = call(client, "datastore_search", resource_id=rid(versions["open"]))
    assert status == 200


def test_datastore_info(versions, clients):
    status, data = call(Client(), "datastore_info", resource_id=rid(versions["open"]))
    assert status == 200
    assert data["result"]["meta"]["count"] == 6
    assert [f["id"] for f in data["result"]["fields"]] == [
        "kode_wilayah",
        "tahun",
        "kategori",
        "nilai",
    ]
    assert data["result"]["fields"][0]["schema"]["native_type"] == "text"
    status, data = call(
        clients["produsen_a"], "datastore_info", resource_id=rid(versions["closed"])
    )
    assert status == 200 and data["result"]["meta"]["count"] == 1
