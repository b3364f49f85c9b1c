"""Writes to the catalog that touch several rows: versions, search documents."""

import csv
import io
from pathlib import PurePath

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from satudata.lib import filestore
from satudata.lib.text import search_document

from .constants import FORMATS, Access, ResourceKind
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
def add_version(
    resource: Resource, data: bytes, original_name: str, *, actor=None, schema=None, published=False
):
    """Store `data` durably and record it as the next immutable version of `resource`.

    A version is public only once published; `published=True` is for loaders (demo, fixtures)
    whose versions are public from the start.
    """
    stored = filestore.put(data, encrypt=resource.dataset.access != Access.OPEN)
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
    if published:
        touch_modified(resource.dataset_id, version.published_at)
    refresh_search_document(resource.dataset)
    return version


def touch_modified(dataset_id, moment):
    """A version published at `moment` changes its dataset: modified_at moves up to it.

    So modified_at is always the later of the last metadata edit and the newest publication
    (CKAN's metadata_modified, DCAT's dct:modified), one indexed column to sort and filter by.
    """
    Dataset.objects.filter(pk=dataset_id, modified_at__lt=moment).update(modified_at=moment)


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


class ClassificationRefused(ValueError):
    """A classification change that lacks what it needs (a reason, a known class)."""


def change_access(dataset: Dataset, new_access, *, actor, reason, request=None):
    """The one way an existing dataset's klasifikasi akses changes: checked, locked, audited.

    The staff form, the admin and any future write API call this, so whatever must follow a
    change of class (e.g. files of a stricter class re-encrypted) hooks in here, inside the
    transaction. Only `dataset.classify` (Walidata, Admin) may change it; Terbuka also needs
    `dataset.make_open` (the Walidata). Raises Http404/PermissionDenied when not allowed and
    ClassificationRefused without a reason. Returns True when the class changed.
    """
    from django.utils.translation import gettext as _

    from satudata.accounts.permissions import authorize
    from satudata.audit.actions import record
    from satudata.audit.constants import AuditAction

    if new_access not in Access.values:
        raise ClassificationRefused(_("Klasifikasi akses tidak dikenal."))
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
        old_access = locked.access
        if new_access == old_access:
            return False
        authorize(actor, "dataset.classify", locked)
        if new_access == Access.OPEN:
            authorize(actor, "dataset.make_open", locked)
        if not reason:
            raise ClassificationRefused(_("Tuliskan alasan perubahan klasifikasi akses."))
        Dataset.objects.filter(pk=locked.pk).update(access=new_access, modified_at=timezone.now())
        record(
            AuditAction.DATASET_CLASSIFICATION,
            locked,
            actor=actor,
            request=request,
            before={"access": old_access},
            after={"access": new_access},
            reason=reason,
        )
        # Encryption at rest: the dataset's files are encrypted/decrypted once this commits.
        from satudata.lib.encryption import after_classification

        after_classification(locked)
    dataset.access = new_access
    return True
