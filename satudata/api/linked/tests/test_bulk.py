"""The JSON Lines dump and the sitemap hold public things only."""

import json
import xml.etree.ElementTree as ET

import pytest

from satudata.catalog.actions import add_version

from .conftest import PUBLIC_SLUGS, assert_no_canary, body_of

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.mark.parametrize("role", ["publik", "walidata", "produsen_a", "pimpinan"])
def test_the_dump_streams_one_public_dataset_per_line(clients, catalog, site, role):
    response = clients[role].get("/catalog.jsonl")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("application/x-ndjson")
    text = body_of(response)
    assert_no_canary(text)
    lines = text.splitlines()
    records = [json.loads(line) for line in lines]
    assert sorted(r["slug"] for r in records) == sorted(PUBLIC_SLUGS)
    record = next(r for r in records if r["slug"] == "persentase-penduduk-miskin")
    assert record["organization"]["slug"] == "dinas-kesehatan"
    assert record["topics"][0]["slug"] == "kemiskinan"
    (resource,) = record["resources"]
    (version,) = resource["versions"]
    assert version["number"] == 1 and version["published"]
    assert version["files"][0]["url"].startswith(f"{site}/dataset/persentase-penduduk-miskin/")
    assert [f["name"] for f in version["schema"]["fields"]] == ["kode_wilayah", "nilai"]
    assert (
        record["links"]["datapackage"]
        == f"{site}/dataset/persentase-penduduk-miskin/datapackage.json"
    )


def test_the_dump_lists_published_versions_only(client, catalog, site):
    resource = catalog["open"].resources.get()
    add_version(resource, b"kode_wilayah,nilai\n53.10,99\n", "belum.csv")
    add_version(resource, b"kode_wilayah,nilai\n53.10,98\n", "terbit.csv", published=True)
    records = [json.loads(line) for line in body_of(client.get("/catalog.jsonl")).splitlines()]
    record = next(r for r in records if r["slug"] == "persentase-penduduk-miskin")
    assert [v["number"] for v in record["resources"][0]["versions"]] == [3, 1]


def test_the_dump_reads_in_batches(client, catalog, site, opd_b, monkeypatch):
    from conftest import make_dataset
    from satudata.api.linked import bulk

    for n in range(4):
        make_dataset(opd_b, f"tambahan-{n}", f"Tambahan {n}")
    monkeypatch.setattr(bulk, "BATCH", 2)
    slugs = [
        json.loads(line)["slug"] for line in body_of(client.get("/catalog.jsonl")).splitlines()
    ]
    assert slugs == sorted(PUBLIC_SLUGS | {f"tambahan-{n}" for n in range(4)})


@pytest.mark.parametrize("role", ["publik", "walidata", "produsen_a"])
def test_the_sitemap_lists_public_pages_only(clients, catalog, site, role):
    response = clients[role].get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    text = response.content.decode()
    assert_no_canary(text)
    root = ET.fromstring(response.content)
    urls = {u.findtext(f"{SITEMAP_NS}loc") for u in root.iter(f"{SITEMAP_NS}url")}
    expected = {
        f"{site}/",
        f"{site}/dataset/",
        f"{site}/organisasi/",
        f"{site}/topik/",
        f"{site}/organisasi/dinas-kesehatan/",
        f"{site}/organisasi/dinas-sosial/",
        f"{site}/topik/kemiskinan/",  # "kesehatan" holds only non-public datasets
        *(f"{site}/dataset/{slug}/" for slug in PUBLIC_SLUGS),
    }
    assert urls == expected
    dataset_entries = [
        u
        for u in root.iter(f"{SITEMAP_NS}url")
        if "/dataset/" in u.findtext(f"{SITEMAP_NS}loc")
        and u.findtext(f"{SITEMAP_NS}loc") != f"{site}/dataset/"
    ]
    assert all(u.findtext(f"{SITEMAP_NS}lastmod") for u in dataset_entries)


def test_a_big_sitemap_becomes_an_index(client, catalog, site, monkeypatch):
    from satudata.api.linked import bulk, views

    monkeypatch.setattr(views, "SITEMAP_MAX_URLS", 4)
    monkeypatch.setattr(bulk, "SITEMAP_MAX_URLS", 4)
    root = ET.fromstring(client.get("/sitemap.xml").content)
    parts = [s.findtext(f"{SITEMAP_NS}loc") for s in root.iter(f"{SITEMAP_NS}sitemap")]
    assert parts == [
        f"{site}/sitemap.xml?p=1",
        f"{site}/sitemap.xml?p=2",
        f"{site}/sitemap.xml?p=3",
    ]
    seen = []
    for part in parts:
        page = ET.fromstring(client.get(part.removeprefix(site)).content)
        seen += [u.findtext(f"{SITEMAP_NS}loc") for u in page.iter(f"{SITEMAP_NS}url")]
    assert len(seen) == len(set(seen)) == 9
    assert client.get("/sitemap.xml?p=4").status_code == 404
