"""Frictionless Data Package descriptors (datapackage.json) of public datasets and versions.

A table resource points at the validated CSV download of a version (or the original upload
when it is a CSV and no validated download exists) with the version's Table Schema. The
schema keeps the MS-Var keys of each field (definition, unit …) as custom properties and
drops our internal `satudata:*` processing hints. Other files (PDF, …) are plain resources.
"""

from django.utils.text import slugify

from .public import LICENSE_URLS, iso

TABLE_MEDIA_TYPE = "text/csv"


def table_schema(schema):
    """The stored Table Schema without our private `satudata:*` keys."""

    def public(mapping):
        return {k: v for k, v in mapping.items() if not str(k).startswith("satudata:")}

    cleaned = public(schema or {})
    cleaned["fields"] = [public(f) for f in (schema or {}).get("fields", [])]
    return cleaned


def resource_descriptor(dataset, version, links):
    resource = version.resource
    name = f"{slugify(resource.name)[:80] or 'berkas'}-{resource.pk}"
    stored_csv = (version.downloads or {}).get("csv")
    descriptor = {"name": name, "title": resource.name}
    if resource.description:
        descriptor["description"] = resource.description
    fields = (version.schema or {}).get("fields")
    if stored_csv:
        path, size, sha256 = (
            links.download(dataset, version, "csv"),
            stored_csv.get("size"),
            stored_csv.get("key"),
        )
    elif version.format == "CSV":
        path, size, sha256 = links.download(dataset, version), version.size, version.sha256
    else:
        path, size, sha256 = links.download(dataset, version), version.size, version.sha256
        fields = None
        descriptor.update(
            {"path": path, "format": version.format.lower(), "mediatype": version.media_type}
        )
    if fields is not None:
        descriptor.update(
            {
                "path": path,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": TABLE_MEDIA_TYPE,
                "encoding": "utf-8",
                "schema": table_schema(version.schema),
            }
        )
    if size is not None:
        descriptor["bytes"] = size
    if sha256:
        descriptor["hash"] = f"sha256:{sha256}"
    descriptor["satudata:version"] = version.number
    descriptor["satudata:published"] = iso(version.published_at)
    return descriptor


def package_descriptor(dataset, versions, links):
    """The descriptor of `dataset` (prefetched, public) with one resource per version given."""
    descriptor = {
        "name": dataset.slug,
        "id": links.dataset(dataset),
        "title": dataset.title,
        "homepage": links.dataset(dataset),
    }
    if dataset.description:
        descriptor["description"] = dataset.description
    if dataset.published_at:
        descriptor["created"] = iso(dataset.published_at)
    keywords = [t.name for t in dataset.tags.all()]
    if keywords:
        descriptor["keywords"] = keywords
    license_ = {"name": dataset.license, "title": str(dataset.get_license_display())}
    if dataset.license in LICENSE_URLS:
        license_["path"] = LICENSE_URLS[dataset.license]
    descriptor["licenses"] = [license_]
    descriptor["contributors"] = [
        {
            "title": dataset.organization.name,
            "role": "publisher",
            "path": links.organization(dataset.organization),
        }
    ]
    if dataset.source:
        descriptor["sources"] = [{"title": dataset.source}]
    descriptor["resources"] = [resource_descriptor(dataset, v, links) for v in versions]
    return descriptor
