"""schema.org Dataset JSON-LD on public dataset pages: parses, is escaped, and only where public."""

import json
import re

import pytest

from satudata.catalog.models import Dataset

from .conftest import assert_no_canary

BLOCK = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def blocks(html):
    return BLOCK.findall(html)


@pytest.mark.parametrize("role", ["publik", "walidata", "produsen_a"])
def test_a_public_dataset_page_carries_one_dataset_block(clients, catalog, site, role):
    html = clients[role].get("/dataset/persentase-penduduk-miskin/").content.decode()
    (raw,) = blocks(html)
    doc = json.loads(raw)
    assert doc["@context"] == "https://schema.org" and doc["@type"] == "Dataset"
    assert doc["name"] == "Persentase Penduduk Miskin"
    assert doc["url"] == f"{site}/dataset/persentase-penduduk-miskin/"
    assert doc["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert doc["temporalCoverage"] == "2020/2023"
    assert doc["spatialCoverage"]["identifier"] == "53"
    assert doc["creator"]["name"] == "Dinas Kesehatan"
    assert doc["distribution"][0]["contentUrl"].startswith(
        f"{site}/dataset/persentase-penduduk-miskin/berkas/"
    )
    assert_no_canary(raw)
    # Apart from this data block the page carries no script at all.
    assert "<script" not in BLOCK.sub("", html).lower()


@pytest.mark.parametrize("role", ["walidata", "produsen_a", "pimpinan"])
@pytest.mark.parametrize("which", ["restricted", "closed", "draft"])
def test_non_public_dataset_pages_carry_no_block(clients, catalog, site, role, which):
    response = clients[role].get(f"/dataset/{catalog[which].slug}/")
    if response.status_code == 200:
        assert "application/ld+json" not in response.content.decode()
    else:
        assert response.status_code == 404


def test_a_title_cannot_break_out_of_the_block(client, catalog, site):
    evil = '</script><script>alert(1)</script> & "kutip" <b>'
    Dataset.objects.filter(pk=catalog["open"].pk).update(title=evil, description=evil)
    html = client.get("/dataset/persentase-penduduk-miskin/").content.decode()
    (raw,) = blocks(html)
    assert "<" not in raw and ">" not in raw and "&" not in raw
    assert "\\u003c/script\\u003e" in raw
    doc = json.loads(raw)
    assert doc["name"] == evil and doc["description"] == evil
    assert html.count("<script") == 1
