"""API tokens narrowed to one OPD, refused writes for read tokens, and every use audited."""

import hashlib

import pytest
from django.test import Client

from conftest import CANARY_RESTRICTED
from satudata.accounts.constants import Role
from satudata.accounts.models import ApiToken, Membership
from satudata.accounts.tokens import create_token
from satudata.api.v1.auth import BearerToken
from satudata.api.v1.errors import ApiError
from satudata.audit.models import AuditEvent


@pytest.fixture
def two_opd_producer(cast, opd_a, opd_b):
    """Produsen A, who also holds the Produsen role in OPD B."""
    user = cast["produsen_a"]
    Membership.objects.create(user=user, role=Role.PRODUCER, organization=opd_b)
    return user


def token_client(user, *, scope="read", organization=None):
    _token, text = create_token(user, "uji", scope, 30, organization=organization)
    return Client(HTTP_AUTHORIZATION=f"Bearer {text}"), text


def test_a_token_tied_to_one_opd_reads_only_that_opds_closed_data(
    tables, two_opd_producer, opd_a, opd_b
):
    url = f"/api/v1/versions/{tables['restricted'].pk}/rows"  # Terbatas data of OPD A
    everywhere, _ = token_client(two_opd_producer)
    only_a, _ = token_client(two_opd_producer, organization=opd_a)
    only_b, _ = token_client(two_opd_producer, organization=opd_b)
    assert CANARY_RESTRICTED in everywhere.get(url).content.decode()
    assert CANARY_RESTRICTED in only_a.get(url).content.decode()
    # The OPD-B token reads OPD A's data as the public does: not found.
    response = only_b.get(url)
    assert response.status_code == 404 and CANARY_RESTRICTED not in response.content.decode()
    listing = only_b.get("/api/v1/datasets").content.decode()
    assert "rekap-terbatas" not in listing and CANARY_RESTRICTED not in listing
    assert "rekap-terbatas" in everywhere.get("/api/v1/datasets").content.decode()


def test_a_token_tied_to_an_opd_whose_role_was_lost_reads_public_data_only(
    tables, two_opd_producer, opd_a
):
    client, _ = token_client(two_opd_producer, organization=opd_a)
    url = f"/api/v1/versions/{tables['restricted'].pk}/rows"
    assert client.get(url).status_code == 200
    Membership.objects.filter(user=two_opd_producer, organization=opd_a).delete()
    assert client.get(url).status_code == 404
    assert client.get(f"/api/v1/versions/{tables['open'].pk}/rows").status_code == 200


def test_a_token_cannot_be_tied_to_someone_elses_opd(cast, opd_b, clients):
    with pytest.raises(ValueError):
        create_token(cast["produsen_a"], "uji", "read", 30, organization=opd_b)
    with pytest.raises(ValueError):
        create_token(cast["produsen_a"], "uji", "admin", 30)
    page = clients["produsen_a"].post(
        "/kelola/token/",
        {"name": "curang", "scope": "read", "days": 30, "organization": opd_b.pk},
    )
    assert page.status_code == 200 and not ApiToken.objects.exists()
    # A Walidata has no OPD role: the form offers no OPD to choose.
    text = clients["walidata"].get("/kelola/token/").content.decode()
    assert 'name="organization"' not in text


def test_a_read_token_may_not_make_a_changing_request(cast, rf):
    _token, read = create_token(cast["produsen_a"], "baca", "read", 10)
    _token, write = create_token(cast["produsen_a"], "tulis", "write", 10)
    auth = BearerToken()
    request = rf.post("/api/v1/datasets", HTTP_AUTHORIZATION=f"Bearer {read}")
    with pytest.raises(ApiError) as refused:
        auth(request)
    assert refused.value.status == 403
    assert auth(rf.get("/api/v1/datasets", HTTP_AUTHORIZATION=f"Bearer {read}")) is not None
    request = rf.post("/api/v1/datasets", HTTP_AUTHORIZATION=f"Bearer {write}")
    assert auth(request) == cast["produsen_a"]


def test_every_use_is_audited_without_the_query_string(tables, cast):
    client, text = token_client(cast["produsen_a"])
    token = ApiToken.objects.get()
    client.get("/api/v1/datasets", {"q": "rahasia-di-kueri"})
    client.get(f"/api/v1/versions/{tables['restricted'].pk}/rows")
    client.get("/api/v1/versions/999999/rows")
    uses = AuditEvent.objects.filter(action="api_token.use").order_by("id")
    assert [(e.after["path"], e.after["status"]) for e in uses] == [
        ("/api/v1/datasets", 200),
        (f"/api/v1/versions/{tables['restricted'].pk}/rows", 200),
        ("/api/v1/versions/999999/rows", 404),
    ]
    assert all(e.actor == cast["produsen_a"] and e.target_id == str(token.pk) for e in uses)
    assert not any("rahasia-di-kueri" in str(e.after) for e in uses)
    # Stored hashed: the text is nowhere in the token row or the audit trail.
    assert token.token_hash == hashlib.sha256(text.encode()).hexdigest()
    assert text not in str(list(ApiToken.objects.values())) + str(list(AuditEvent.objects.values()))
    # A call without a token is no token use.
    Client().get("/api/v1/datasets")
    assert AuditEvent.objects.filter(action="api_token.use").count() == 3
