import json

from django.test import Client

from conftest import CANARY_CLOSED, CANARY_DRAFT, CANARY_RESTRICTED

CANARIES = (
    CANARY_RESTRICTED,
    CANARY_CLOSED,
    CANARY_DRAFT,
    "rekap-terbatas",
    "rekap-tertutup",
    "draf-baru",
)
ISO = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$"


def call(client: Client, action_name, /, method="get", prefix="/api/3/action/", **params):
    """(status, decoded body) of one action call."""
    if method == "get":
        response = client.get(prefix + action_name, params)
    else:
        response = client.post(
            prefix + action_name, json.dumps(params), content_type="application/json"
        )
    return response.status_code, json.loads(response.content)


def result(client, action_name, /, **params):
    status, body = call(client, action_name, **params)
    assert status == 200, body
    assert body["success"] is True
    return body["result"]


def assert_no_canary(text):
    for canary in CANARIES:
        assert canary not in text, canary
