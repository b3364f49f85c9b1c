"""DCAT-AP graphs of the public catalogue, built with rdflib (which guarantees the syntax).

The catalogue is `<SITE_URL/>` (a dcat:Catalog and hydra:Collection); each dataset's URI is its
page, its publisher the OPD's page (a foaf:Organization), its themes the topic pages
(skos:Concept). Each table's newest published version gives one dcat:Distribution per file:
the original upload and every validated download (CSV, XLSX, JSON, Parquet).
"""

from django.conf import settings
from django.utils.translation import gettext as _
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, XSD

from .public import FREQUENCY_BASE, FREQUENCY_URIS, LICENSE_URLS, files, last_changed

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
IANA = "https://www.iana.org/assignments/media-types/"
LANGUAGE = URIRef("http://publications.europa.eu/resource/authority/language/IND")

PREFIXES = {
    "dcat": DCAT,
    "dct": DCTERMS,
    "foaf": FOAF,
    "hydra": HYDRA,
    "owl": OWL,
    "rdfs": RDFS,
    "skos": SKOS,
    "spdx": SPDX,
    "vcard": VCARD,
    "xsd": XSD,
}
# Inline JSON-LD context: harvesters never have to fetch a remote one.
JSONLD_CONTEXT = {prefix: str(ns) for prefix, ns in PREFIXES.items()}

# Our format extensions -> rdflib serializer and Content-Type.
SERIALIZERS = {
    "ttl": ("turtle", "text/turtle; charset=utf-8"),
    "jsonld": ("json-ld", "application/ld+json"),
    "rdf": ("pretty-xml", "application/rdf+xml; charset=utf-8"),
}


def new_graph():
    graph = Graph(bind_namespaces="core")
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns)
    return graph


def serialize(graph, ext):
    fmt, _content_type = SERIALIZERS[ext]
    if fmt == "json-ld":
        return graph.serialize(format=fmt, context=JSONLD_CONTEXT, auto_compact=True, indent=1)
    return graph.serialize(format=fmt)


def _text(value):
    return Literal(value, lang="id")


def _datetime(value):
    return Literal(value.isoformat(), datatype=XSD.dateTime)


def add_dataset(graph, dataset, links):
    """Add one dataset (prefetched with public.with_details) and return its node."""
    node = URIRef(links.dataset(dataset))
    graph.add((node, RDF.type, DCAT.Dataset))
    graph.add((node, DCTERMS.identifier, Literal(dataset.slug)))
    graph.add((node, DCTERMS.title, _text(dataset.title)))
    graph.add((node, DCTERMS.description, _text(dataset.description or dataset.title)))
    graph.add((node, DCAT.landingPage, node))
    graph.add((node, DCTERMS.language, LANGUAGE))
    if dataset.published_at:
        graph.add((node, DCTERMS.issued, _datetime(dataset.published_at)))
    graph.add((node, DCTERMS.modified, _datetime(last_changed(dataset))))

    org = dataset.organization
    publisher = URIRef(links.organization(org))
    graph.add((node, DCTERMS.publisher, publisher))
    graph.add((publisher, RDF.type, FOAF.Organization))
    graph.add((publisher, FOAF.name, _text(org.name)))
    graph.add((publisher, FOAF.homepage, publisher))

    contact = BNode()
    graph.add((node, DCAT.contactPoint, contact))
    graph.add((contact, RDF.type, VCARD.Organization))
    graph.add((contact, VCARD.fn, Literal(dataset.contact_name or org.name)))
    if dataset.contact_email:
        graph.add((contact, VCARD.hasEmail, URIRef(f"mailto:{dataset.contact_email}")))

    license_node = _license(graph, dataset)
    graph.add((node, DCTERMS.license, license_node))
    for tag in dataset.tags.all():
        graph.add((node, DCAT.keyword, _text(tag.name)))
    for topic in dataset.topics.all():
        theme = URIRef(links.topic(topic))
        graph.add((node, DCAT.theme, theme))
        graph.add((theme, RDF.type, SKOS.Concept))
        graph.add((theme, SKOS.prefLabel, _text(topic.name)))
    if dataset.spatial_coverage:
        region = dataset.spatial_coverage
        place = BNode()
        graph.add((node, DCTERMS.spatial, place))
        graph.add((place, RDF.type, DCTERMS.Location))
        graph.add((place, SKOS.notation, Literal(region.code)))
        graph.add((place, SKOS.prefLabel, _text(region.name)))
        graph.add((place, DCTERMS.identifier, Literal(f"kemendagri:{region.code}")))
    if dataset.temporal_start:
        period = BNode()
        graph.add((node, DCTERMS.temporal, period))
        graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
        graph.add(
            (period, DCAT.startDate, Literal(f"{dataset.temporal_start:04d}", datatype=XSD.gYear))
        )
        end = dataset.temporal_end or dataset.temporal_start
        graph.add((period, DCAT.endDate, Literal(f"{end:04d}", datatype=XSD.gYear)))
    frequency = FREQUENCY_URIS.get(dataset.update_frequency)
    if frequency:
        graph.add((node, DCTERMS.accrualPeriodicity, URIRef(FREQUENCY_BASE + frequency)))
    if dataset.source:
        graph.add((node, DCTERMS.source, Literal(dataset.source)))
    graph.add((node, RDFS.seeAlso, URIRef(links.datapackage(dataset))))

    for resource in dataset.resources.all():
        versions = list(resource.versions.all())
        if not versions:
            continue
        version = versions[0]
        for item in files(dataset, version, links):
            suffix = item["fmt"] or "asli"
            dist = URIRef(f"{node}#berkas-{resource.pk}-v{version.number}-{suffix}")
            graph.add((node, DCAT.distribution, dist))
            graph.add((dist, RDF.type, DCAT.Distribution))
            graph.add((dist, DCTERMS.title, Literal(f"{resource.name} ({item['format']})")))
            if resource.description:
                graph.add((dist, DCTERMS.description, _text(resource.description)))
            graph.add((dist, DCAT.accessURL, URIRef(item["url"])))
            graph.add((dist, DCAT.downloadURL, URIRef(item["url"])))
            graph.add((dist, DCAT.mediaType, URIRef(IANA + item["media_type"])))
            graph.add((dist, DCTERMS["format"], Literal(item["format"])))
            if item["size"] is not None:
                graph.add(
                    (dist, DCAT.byteSize, Literal(item["size"], datatype=XSD.nonNegativeInteger))
                )
            graph.add((dist, DCTERMS.license, license_node))
            graph.add((dist, DCTERMS.issued, _datetime(version.published_at)))
            graph.add((dist, OWL.versionInfo, Literal(str(version.number))))
            if item["sha256"]:
                checksum = BNode()
                graph.add((dist, SPDX.checksum, checksum))
                graph.add((checksum, RDF.type, SPDX.Checksum))
                graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
                graph.add(
                    (checksum, SPDX.checksumValue, Literal(item["sha256"], datatype=XSD.hexBinary))
                )
    return node


def _license(graph, dataset):
    url = LICENSE_URLS.get(dataset.license)
    if url:
        node = URIRef(url)
    else:
        node = BNode()
        graph.add((node, RDFS.label, _text(dataset.get_license_display())))
    graph.add((node, RDF.type, DCTERMS.LicenseDocument))
    graph.add((node, DCTERMS.identifier, Literal(dataset.license)))
    return node


def dataset_graph(dataset, links):
    graph = new_graph()
    node = add_dataset(graph, dataset, links)
    catalog = URIRef(links.home())
    graph.add((catalog, RDF.type, DCAT.Catalog))
    graph.add((catalog, DCAT.dataset, node))
    return graph


def catalog_graph(page, links, ext, modified=None):
    """One page of the catalogue (a django Paginator page of datasets) with its Hydra view."""
    graph = new_graph()
    catalog = URIRef(links.home())
    graph.add((catalog, RDF.type, DCAT.Catalog))
    graph.add((catalog, RDF.type, HYDRA.Collection))
    graph.add((catalog, DCTERMS.title, _text(settings.SITE_NAME)))
    description = _("Katalog data terbuka %(site)s") % {"site": settings.SITE_NAME}
    graph.add((catalog, DCTERMS.description, _text(description)))
    graph.add((catalog, FOAF.homepage, catalog))
    graph.add((catalog, DCTERMS.language, LANGUAGE))
    if modified is not None:
        graph.add((catalog, DCTERMS.modified, _datetime(modified)))
    for dataset in page.object_list:
        graph.add((catalog, DCAT.dataset, add_dataset(graph, dataset, links)))

    paginator = page.paginator
    view = URIRef(links.catalog_page(ext, page.number))
    graph.add((catalog, HYDRA.totalItems, Literal(paginator.count)))
    graph.add((catalog, HYDRA.view, view))
    graph.add((view, RDF.type, HYDRA.PartialCollectionView))
    graph.add((view, HYDRA.first, URIRef(links.catalog_page(ext, 1))))
    graph.add((view, HYDRA.last, URIRef(links.catalog_page(ext, paginator.num_pages))))
    if page.has_next():
        graph.add((view, HYDRA.next, URIRef(links.catalog_page(ext, page.next_page_number()))))
    if page.has_previous():
        graph.add(
            (view, HYDRA.previous, URIRef(links.catalog_page(ext, page.previous_page_number())))
        )
    return graph
