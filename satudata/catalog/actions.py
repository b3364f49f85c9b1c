"""Writes to the catalog that touch several rows: versions, search documents."""

import csv
import io
from pathlib import PurePath

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from satudata.lib import filestore
from satudata.lib.text import search_document

from .constants import FORMATS, ResourceKind
from .models import Dataset, Resource, ResourceVersion
from .versions import metadata_snapshot


def format_of(filename):
    ext = PurePath(filename).suffix.lower().lstrip(".")
    return FORMATS.get(ext, (ext.upper() or "BIN", "application/octet-stream"))


def read_csv_header(data: bytes, sample_rows=100_000):
    """Column names and row count of a CSV (all columns text; Table Schema inference is ingestion's)."""
    text = io.StringIO(data.decode("utf-8-sig"), newline="")
    reader = csv.reader(text)
    header = next(reader, [])
    count = sum(1 for _ in reader)
    return header, count


@transaction.atomic
def add_version(resource: Resource, data: bytes, original_name: str, *, actor=None, schema=None, published=False):
    """Store `data` durably and record it as the next immutable version of `resource`.

    A version is public only once published; `published=True` is for loaders (demo, fixtures)
    whose versions are public from the start.
    """
    stored = filestore.put(data)
    fmt, media_type = format_of(original_name)
    row_count = None
    if schema is None:
        schema = {}
    if resource.kind == ResourceKind.TABLE and fmt == "CSV":
        header, row_count = read_csv_header(data)
        if not schema:
            schema = {"fields": [{"name": name, "type": "string"} for name in header]}
    # Lock the resource row so two uploads cannot take the same version number.
    Resource.objects.select_for_update().filter(pk=resource.pk).first()
    number = (resource.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ResourceVersion.objects.create(
        resource=resource,
        number=number,
        file_key=stored.key,
        sha256=stored.sha256,
        size=stored.size,
        original_name=PurePath(original_name).name[:255],
        format=fmt,
        media_type=media_type,
        row_count=row_count,
        schema=schema,
        created_by=actor,
        published_at=timezone.now() if published else None,
        metadata=metadata_snapshot(resource.dataset),
    )
    refresh_search_document(resource.dataset)
    return version


def refresh_search_document(dataset: Dataset):
    """Recompute the stems the search index holds for a dataset.

    The title is counted twice so that both engines rank a title match above a match
    deep in a description.
    """
    columns = []
    for resource in dataset.resources.prefetch_related("versions"):
        latest = resource.latest_version
        if latest:
            columns.extend(
                f.get("title") or f.get("name", "") for f in latest.schema.get("fields", [])
            )
            columns.extend(f.get("name", "") for f in latest.schema.get("fields", []))
    document = search_document(
        dataset.title,
        dataset.title,
        " ".join(t.name for t in dataset.tags.all()),
        dataset.description,
        " ".join(column.replace("_", " ") for column in columns),
    )
    Dataset.objects.filter(pk=dataset.pk).update(search_document=document)
    dataset.search_document = document
