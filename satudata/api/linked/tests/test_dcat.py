"""The DCAT-AP catalogue and dataset documents parse in all three syntaxes and hold only public data."""

import pytest
from rdflib import Graph, Literal, Namespace, URIRef

from satudata.api.linked.dcat import HYDRA
from satudata.catalog.constants import State
from satudata.catalog.models import Dataset, ResourceVersion

from .conftest import CANARIES, PUBLIC_SLUGS, assert_no_canary, body_of

# Open namespaces (rdflib's closed ones warn when pytest inspects the module).
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")

FORMATS = {
    "ttl": ("turtle", "text/turtle"),
    "jsonld": ("json-ld", "application/ld+json"),
    "rdf": ("xml", "application/rdf+xml"),
}


def fetch_graph(client, url, ext):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith(FORMATS[ext][1])
    text = body_of(response)
    assert_no_canary(text)
    graph = Graph()
    graph.parse(data=text, format=FORMATS[ext][0])
    return graph, response


def dataset_slugs(graph):
    return {
        str(o)
        for s in graph.subjects(RDF.type, DCAT.Dataset)
        for o in graph.objects(s, DCTERMS.identifier)
    }


@pytest.mark.parametrize("ext", sorted(FORMATS))
@pytest.mark.parametrize("role", ["publik", "walidata", "produsen_a", "pimpinan"])
def test_the_catalogue_parses_and_holds_exactly_the_public_datasets(
    clients, catalog, site, ext, role
):
    graph, _ = fetch_graph(clients[role], f"/catalog.{ext}", ext)
    assert dataset_slugs(graph) == PUBLIC_SLUGS
    catalog_node = URIRef(site + "/")
    assert (catalog_node, RDF.type, DCAT.Catalog) in graph
    assert {str(o) for o in graph.objects(catalog_node, DCAT.dataset)} == {
        f"{site}/dataset/{slug}/" for slug in PUBLIC_SLUGS
    }
    assert (catalog_node, HYDRA.totalItems, Literal(2)) in graph


def test_a_dataset_carries_the_dcat_ap_properties(clients, catalog, site):
    graph, _ = fetch_graph(clients["publik"], "/catalog.ttl", "ttl")
    node = URIRef(f"{site}/dataset/persentase-penduduk-miskin/")
    assert graph.value(node, DCTERMS.title) == Literal("Persentase Penduduk Miskin", lang="id")
    assert graph.value(node, DCTERMS.description)
    publisher = graph.value(node, DCTERMS.publisher)
    assert publisher == URIRef(f"{site}/organisasi/dinas-kesehatan/")
    assert (publisher, RDF.type, FOAF.Organization) in graph
    assert graph.value(publisher, FOAF.name) == Literal("Dinas Kesehatan", lang="id")
    for prop in (DCTERMS.issued, DCTERMS.modified):
        assert graph.value(node, prop).datatype == XSD.dateTime
    assert graph.value(node, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    assert Literal("sosial", lang="id") in set(graph.objects(node, DCAT.keyword))
    assert graph.value(node, DCAT.theme) == URIRef(f"{site}/topik/kemiskinan/")
    place = graph.value(node, DCTERMS.spatial)
    assert str(graph.value(place, URIRef("http://www.w3.org/2004/02/skos/core#notation"))) == "53"
    period = graph.value(node, DCTERMS.temporal)
    assert graph.value(period, DCAT.startDate) == Literal("2020", datatype=XSD.gYear)
    assert graph.value(period, DCAT.endDate) == Literal("2023", datatype=XSD.gYear)
    assert graph.value(node, DCTERMS.accrualPeriodicity) == URIRef(
        "http://publications.europa.eu/resource/authority/frequency/ANNUAL"
    )
    assert graph.value(node, DCAT.contactPoint) is not None
    distributions = list(graph.objects(node, DCAT.distribution))
    assert distributions
    version = ResourceVersion.objects.get(resource__dataset=catalog["open"])
    dist = distributions[0]
    assert graph.value(dist, DCAT.downloadURL) == URIRef(
        f"{site}/dataset/persentase-penduduk-miskin/berkas/{version.resource_id}/v1/unduh/"
    )
    assert graph.value(dist, DCAT.mediaType) == URIRef(
        "https://www.iana.org/assignments/media-types/text/csv"
    )
    assert int(graph.value(dist, DCAT.byteSize)) == version.size


def test_downloads_of_a_validated_table_are_distributions(clients, catalog, site, cast):
    from satudata.stats.tests.conftest import published_version

    version = published_version(catalog["open"], cast["walidata"])
    graph, _ = fetch_graph(clients["publik"], "/dataset/persentase-penduduk-miskin.ttl", "ttl")
    urls = {str(o) for o in graph.objects(None, DCAT.downloadURL)}
    base = (
        f"{site}/dataset/persentase-penduduk-miskin/berkas/{version.resource_id}/v{version.number}/"
    )
    assert {
        base + "unduh/",
        base + "unduh.csv",
        base + "unduh.xlsx",
        base + "unduh.parquet",
    } <= urls
    sizes = {int(o) for o in graph.objects(None, DCAT.byteSize)}
    assert version.downloads["csv"]["size"] in sizes


def test_only_published_versions_are_described(clients, catalog, site):
    from satudata.catalog.actions import add_version

    resource = catalog["open"].resources.get()
    add_version(resource, b"kode_wilayah,nilai\n53.10,99\n", "belum.csv")  # not published
    for ext in FORMATS:
        graph, _ = fetch_graph(clients["publik"], f"/catalog.{ext}", ext)
        urls = {str(o) for o in graph.objects(None, DCAT.downloadURL)}
        assert urls and not any("/v2/" in u for u in urls)


@pytest.mark.parametrize("ext", sorted(FORMATS))
def test_hydra_paging_walks_every_page_once(clients, catalog, site, settings, ext, opd_b):
    from conftest import make_dataset

    for n in range(3):
        make_dataset(opd_b, f"tambahan-{n}", f"Tambahan {n}")
    settings.DCAT_PAGE_SIZE = 2
    url, seen, pages = f"/catalog.{ext}", [], 0
    first_view = None
    while url:
        graph, _ = fetch_graph(clients["publik"], url, ext)
        pages += 1
        seen += sorted(dataset_slugs(graph))
        view = graph.value(URIRef(site + "/"), HYDRA.view)
        assert (view, RDF.type, HYDRA.PartialCollectionView) in graph
        first_view = first_view or view
        assert str(graph.value(view, HYDRA.first)).endswith(f"/catalog.{ext}?page=1")
        assert str(graph.value(view, HYDRA.last)).endswith(f"/catalog.{ext}?page=3")
        following = graph.value(view, HYDRA.next)
        url = str(following).removeprefix(site) if following else None
    assert pages == 3
    assert len(seen) == len(set(seen)) == 5
    assert set(seen) == PUBLIC_SLUGS | {f"tambahan-{n}" for n in range(3)}


def test_bad_pages(client, catalog, site):
    assert client.get("/catalog.ttl?page=9").status_code == 404
    assert client.get("/catalog.ttl?page=x").status_code == 400


def test_modified_since_filters(client, catalog, site):
    graph, _ = fetch_graph(client, "/catalog.ttl?modified_since=2999-01-01", "ttl")
    assert dataset_slugs(graph) == set()
    graph, _ = fetch_graph(client, "/catalog.ttl?modified_since=2000-01-01T00:00:00Z", "ttl")
    assert dataset_slugs(graph) == PUBLIC_SLUGS
    assert client.get("/catalog.ttl?modified_since=kemarin").status_code == 400


@pytest.mark.parametrize("ext", sorted(FORMATS))
def test_one_document_per_public_dataset(clients, catalog, site, ext):
    graph, response = fetch_graph(
        clients["publik"], f"/dataset/persentase-penduduk-miskin.{ext}", ext
    )
    assert dataset_slugs(graph) == {"persentase-penduduk-miskin"}
    assert response["ETag"] and response["Last-Modified"]


@pytest.mark.parametrize("role", ["publik", "walidata", "produsen_a", "pimpinan", "produsen_b"])
@pytest.mark.parametrize("which", ["restricted", "closed", "draft"])
def test_non_public_datasets_have_no_document_for_anyone(clients, catalog, site, role, which):
    slug = catalog[which].slug
    for ext in FORMATS:
        response = clients[role].get(f"/dataset/{slug}.{ext}")
        assert response.status_code == 404
        assert not any(c in response.content.decode() for c in CANARIES)


def test_a_withdrawn_dataset_leaves_the_catalogue(client, catalog, site):
    Dataset.objects.filter(pk=catalog["open"].pk).update(state=State.WITHDRAWN)
    graph, _ = fetch_graph(client, "/catalog.jsonld", "jsonld")
    assert dataset_slugs(graph) == {"jumlah-penerima-bansos"}
    assert client.get("/dataset/persentase-penduduk-miskin.ttl").status_code == 404


def test_revalidation_answers_304(client, catalog, site):
    first = client.get("/catalog.ttl")
    again = client.get("/catalog.ttl", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    page = client.get("/dataset/persentase-penduduk-miskin.jsonld")
    again = client.get(
        "/dataset/persentase-penduduk-miskin.jsonld", HTTP_IF_MODIFIED_SINCE=page["Last-Modified"]
    )
    assert again.status_code == 304


def test_jsonld_has_an_inline_context(client, catalog, site):
    import json

    doc = json.loads(client.get("/catalog.jsonld").content)
    assert isinstance(doc["@context"], dict)
    assert doc["@context"]["dcat"] == str(DCAT)
