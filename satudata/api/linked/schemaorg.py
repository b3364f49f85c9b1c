"""schema.org Dataset JSON-LD for dataset pages (what dataset search engines read).

The block is data, not script: `<script type="application/ld+json">`, with <, > and & written
as \\u003c, \\u003e and \\u0026 so no value (a title holding "</script>") can end it early.
"""

import json

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils.safestring import mark_safe

from satudata.accounts.permissions import can

from .public import LICENSE_URLS, Links, files, iso, last_changed, public_datasets, with_details

_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


def dataset_document(dataset, links):
    """The schema.org Dataset of a public dataset prefetched with public.with_details."""
    org = dataset.organization
    doc = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": links.dataset(dataset),
        "url": links.dataset(dataset),
        "identifier": dataset.slug,
        "name": dataset.title,
        "description": dataset.description or dataset.title,
        "inLanguage": "id",
        "isAccessibleForFree": True,
        "creator": {"@type": "Organization", "name": org.name, "url": links.organization(org)},
        "publisher": {"@type": "Organization", "name": org.name, "url": links.organization(org)},
        "includedInDataCatalog": {
            "@type": "DataCatalog",
            "name": settings.SITE_NAME,
            "url": links.home(),
        },
        "dateModified": iso(last_changed(dataset)),
    }
    if dataset.published_at:
        doc["datePublished"] = iso(dataset.published_at)
    if dataset.license in LICENSE_URLS:
        doc["license"] = LICENSE_URLS[dataset.license]
    keywords = [t.name for t in dataset.tags.all()] + [t.name for t in dataset.topics.all()]
    if keywords:
        doc["keywords"] = keywords
    if dataset.temporal_start:
        doc["temporalCoverage"] = (
            f"{dataset.temporal_start}/{dataset.temporal_end or dataset.temporal_start}"
        )
    if dataset.spatial_coverage:
        doc["spatialCoverage"] = {
            "@type": "Place",
            "name": dataset.spatial_coverage.name,
            "identifier": dataset.spatial_coverage.code,
        }
    if dataset.contact_email or dataset.contact_name:
        doc["creator"]["contactPoint"] = {
            "@type": "ContactPoint",
            "name": dataset.contact_name or org.name,
            **({"email": dataset.contact_email} if dataset.contact_email else {}),
        }
    distributions, variables = [], []
    for resource in dataset.resources.all():
        versions = list(resource.versions.all())
        if not versions:
            continue
        for item in files(dataset, versions[0], links):
            entry = {
                "@type": "DataDownload",
                "name": f"{resource.name} ({item['format']})",
                "encodingFormat": item["media_type"],
                "contentUrl": item["url"],
            }
            if item["size"] is not None:
                entry["contentSize"] = f"{item['size']} B"
            distributions.append(entry)
        for field in (versions[0].schema or {}).get("fields", []):
            variables.append(
                {"@type": "PropertyValue", "name": field.get("title") or field.get("name", "")}
            )
    if distributions:
        doc["distribution"] = distributions
    if variables:
        doc["variableMeasured"] = variables
    return doc


def script_block(doc):
    """The `<script type="application/ld+json">` element, escaped so nothing breaks out."""
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).translate(_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # nosec B308, B703  # JSON with < > & escaped as \u00XX cannot leave the script element


def dataset_block(dataset):
    """The JSON-LD block for a dataset page, or "" unless the Publik may see the dataset."""
    if dataset is None or not can(AnonymousUser(), "linked.read", dataset):
        return ""
    full = with_details(public_datasets().filter(pk=dataset.pk)).first()
    if full is None:
        return ""
    return script_block(dataset_document(full, Links()))
