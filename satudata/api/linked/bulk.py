"""The bulk documents: the catalogue as JSON Lines and the sitemap of public pages."""

import json

from django.urls import reverse

from .datapackage import table_schema
from .public import (
    Links,
    files,
    iso,
    last_changed,
    public_datasets,
    public_organizations,
    public_topics,
    with_details,
)

BATCH = 200
SITEMAP_MAX_URLS = 50_000  # the sitemaps.org limit per file


def dataset_record(dataset, links):
    """One line of the dump: a public dataset with its resources and published versions."""
    region = dataset.spatial_coverage
    return {
        "slug": dataset.slug,
        "url": links.dataset(dataset),
        "title": dataset.title,
        "description": dataset.description,
        "organization": {
            "slug": dataset.organization.slug,
            "name": dataset.organization.name,
            "url": links.organization(dataset.organization),
        },
        "topics": [
            {"slug": t.slug, "name": t.name, "url": links.topic(t)} for t in dataset.topics.all()
        ],
        "tags": [t.name for t in dataset.tags.all()],
        "license": dataset.license,
        "update_frequency": dataset.update_frequency,
        "temporal": {"start": dataset.temporal_start, "end": dataset.temporal_end},
        "spatial": {"code": region.code, "name": region.name} if region else None,
        "spatial_level": dataset.spatial_level,
        "priority_data": dataset.is_priority,
        "source": dataset.source,
        "unit": dataset.unit,
        "measure": dataset.measure,
        "contact": {"name": dataset.contact_name, "email": dataset.contact_email},
        "activity_metadata": dataset.activity_metadata or {},
        "indicator_metadata": dataset.indicator_metadata or {},
        "issued": iso(dataset.published_at),
        "modified": iso(last_changed(dataset)),
        "links": {
            "dcat_ttl": links.dataset_document(dataset, "ttl"),
            "dcat_jsonld": links.dataset_document(dataset, "jsonld"),
            "datapackage": links.datapackage(dataset),
        },
        "resources": [
            {
                "id": resource.pk,
                "name": resource.name,
                "description": resource.description,
                "kind": resource.kind,
                "versions": [
                    {
                        "number": v.number,
                        "published": iso(v.published_at),
                        "format": v.format,
                        "original_name": v.original_name,
                        "row_count": v.row_count,
                        "schema": table_schema(v.schema),
                        "datapackage": links.version_datapackage(dataset, v),
                        "files": [
                            {
                                "format": f["format"],
                                "original": f["fmt"] is None,
                                "media_type": f["media_type"],
                                "url": f["url"],
                                "size": f["size"],
                                "sha256": f["sha256"],
                            }
                            for f in files(dataset, v, links)
                        ],
                    }
                    for v in resource.versions.all()
                ],
            }
            for resource in dataset.resources.all()
        ],
    }


def jsonl_lines():
    """Yield the dump line by line, reading the catalogue in batches of BATCH datasets."""
    links = Links()
    pks = list(public_datasets().order_by("slug").values_list("pk", flat=True))
    for start in range(0, len(pks), BATCH):
        chunk = pks[start : start + BATCH]
        datasets = with_details(public_datasets().filter(pk__in=chunk)).order_by("slug")
        for dataset in datasets:
            yield json.dumps(dataset_record(dataset, links), ensure_ascii=False) + "\n"


def sitemap_entries():
    """(absolute URL, last modified or None) of every public page worth indexing."""
    links = Links()
    for name in ("portal:home", "portal:search", "portal:organizations", "portal:topics"):
        yield links.absolute(reverse(name)), None
    for org in public_organizations():
        yield links.organization(org), None
    for topic in public_topics():
        yield links.topic(topic), None
    for slug, modified, published in (
        public_datasets().order_by("slug").values_list("slug", "modified_at", "published_at")
    ):
        lastmod = max(t for t in (modified, published) if t is not None)
        yield links.absolute(reverse("portal:dataset", args=[slug])), lastmod
