"""package_search caches counts and facets, and any catalog change invalidates them at once."""

import pytest
from django.test import Client

from conftest import make_dataset
from satudata.catalog.constants import Access, State
from satudata.catalog.models import Dataset

from .helpers import result

pytestmark = pytest.mark.django_db

FACETS = '["organization","tags"]'


def search(**params):
    return result(Client(), "package_search", **params)


def test_a_new_publication_shows_in_cached_counts_and_facets(catalog, opd_a, opd_b):
    before = search(**{"facet.field": FACETS, "rows": 0})
    again = search(**{"facet.field": FACETS, "rows": 0})
    assert again["count"] == before["count"] and again["facets"] == before["facets"]
    make_dataset(opd_b, "data-baru-dinsos", "Data Baru Dinas Sosial", tags=["bansos"])
    after = search(**{"facet.field": FACETS, "rows": 0})
    assert after["count"] == before["count"] + 1
    assert after["facets"]["organization"].get("dinas-sosial", 0) == (
        before["facets"]["organization"].get("dinas-sosial", 0) + 1
    )
    assert after["facets"]["tags"].get("bansos") == 1


def test_a_withdrawal_or_reclassification_leaves_the_cache_at_once(catalog, opd_a):
    make_dataset(opd_a, "akan-ditutup", "Akan Ditutup", tags=["sementara"])
    first = search(q="ditutup", **{"facet.field": FACETS})
    assert first["count"] == 1 and first["facets"]["tags"] == {"sementara": 1}
    dataset = Dataset.objects.get(slug="akan-ditutup")
    dataset.access = Access.CLOSED
    dataset.save()
    hidden = search(q="ditutup", **{"facet.field": FACETS})
    assert hidden["count"] == 0 and hidden["facets"]["tags"] == {}
    dataset.access, dataset.state = Access.OPEN, State.WITHDRAWN
    dataset.save()
    assert search(q="ditutup")["count"] == 0


def test_the_public_and_a_member_never_share_an_entry(catalog, cast):
    public = search(include_private="true")
    member = Client()
    member.force_login(cast["produsen_a"])
    own = result(member, "package_search", include_private="true")
    assert own["count"] > public["count"]
    assert search(include_private="true")["count"] == public["count"]


def test_a_withdrawal_through_the_workflow_leaves_the_cache_at_once(catalog, cast):
    from satudata.workflow.transitions import withdraw

    counted = search(**{"facet.field": FACETS, "rows": 0})
    assert search(**{"facet.field": FACETS, "rows": 0})["count"] == counted["count"]
    withdraw(
        catalog["other_opd"], "Data diganti dengan versi yang lebih baru.", actor=cast["walidata"]
    )
    after = search(**{"facet.field": FACETS, "rows": 0})
    assert after["count"] == counted["count"] - 1
    assert "dinas-sosial" not in after["facets"]["organization"]
