"""A harvest the way ckanext-harvest's CKANHarvester pages through a CKAN source."""

import json

import pytest
from django.test import Client
from django.utils import timezone

from satudata.api.ckan import ids
from satudata.catalog.constants import Access, State
from satudata.catalog.models import Dataset

pytestmark = pytest.mark.django_db


def harvest(client, fq=None):
    """GET package_search?rows=100&start=N&sort=id asc until an empty page; every page's ids."""
    seen, start, previous = [], 0, None
    while True:
        params = {"rows": 100, "start": start, "sort": "id asc"}
        if fq:
            params["fq"] = fq
        response = client.get("/api/3/action/package_search", params)
        assert response.status_code == 200
        page = json.loads(response.content)["result"]["results"]
        assert page != previous or not page  # the harvester aborts on two identical pages
        if not page:
            return seen
        seen.extend(d["id"] for d in page)
        previous = page
        start += 100


def test_harvest_gets_every_terbuka_dataset_exactly_once(catalog, opd_a, opd_b):
    now = timezone.now()
    classes = [
        (Access.OPEN, State.PUBLISHED),
        (Access.OPEN, State.PUBLISHED),
        (Access.OPEN, State.PUBLISHED),
        (Access.RESTRICTED, State.PUBLISHED),
        (Access.CLOSED, State.PUBLISHED),
        (Access.OPEN, State.DRAFT),
        (Access.OPEN, State.WITHDRAWN),
    ]
    Dataset.objects.bulk_create(
        Dataset(
            organization=(opd_a, opd_b)[i % 2],
            slug=f"data-panen-{i:04d}",
            title=f"Data panen {i}",
            access=classes[i % len(classes)][0],
            state=classes[i % len(classes)][1],
            published_at=now,
        )
        for i in range(600)
    )
    expected = {
        ids.to_ckan("dataset", pk)
        for pk in Dataset.objects.filter(access=Access.OPEN, state=State.PUBLISHED).values_list(
            "pk", flat=True
        )
    }
    assert len(expected) > 100 * 2  # several pages
    seen = harvest(Client())
    assert len(seen) == len(set(seen))  # exactly once
    assert set(seen) == expected
    assert seen == sorted(seen)

    # An incremental run asks for what changed since the last run, and an OPD filter works.
    modified = json.loads(
        Client()
        .get("/api/3/action/package_search", {"rows": 1, "sort": "metadata_modified desc"})
        .content
    )["result"]["results"][0]["metadata_modified"]
    since = harvest(Client(), fq=f"metadata_modified:[{modified}Z TO *]")
    assert 1 <= len(since) < len(expected)
    only_b = harvest(Client(), fq="organization:dinas-sosial")
    assert set(only_b) < expected and len(only_b) == len(set(only_b))
    not_b = harvest(Client(), fq="-organization:dinas-sosial")
    assert set(not_b) | set(only_b) == expected and not set(not_b) & set(only_b)
