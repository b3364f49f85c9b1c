"""Creating a dataset and editing its metadata from the staff form, audited.

Every edit is recorded as `dataset.change` with the before/after of the changed fields; a
change of the klasifikasi akses is recorded separately as `dataset.classification` with its
reason. The class changes only through `actions.change_access` (`dataset.classify`: the
Walidata or an Admin; Terbuka also needs `dataset.make_open`), and an edit that does not send
the class keeps it.
"""

from django.db import transaction

from satudata.accounts.permissions import authorize
from satudata.audit.actions import record
from satudata.audit.constants import AuditAction

from .actions import change_access, refresh_search_document
from .constants import State
from .models import Dataset, Tag

TRACKED = [
    "title",
    "description",
    "organization",
    "topics",
    "tags",
    "license",
    "update_frequency",
    "temporal_start",
    "temporal_end",
    "spatial_coverage",
    "spatial_level",
    "access",
    "is_priority",
    "contact_name",
    "contact_email",
    "source",
    "unit",
    "measure",
    "activity_metadata",
    "indicator_metadata",
]


def snapshot(dataset):
    """The tracked metadata as JSON-serialisable values (topics by slug, OPD by slug)."""
    return {
        "title": dataset.title,
        "description": dataset.description,
        "organization": dataset.organization.slug,
        "topics": sorted(t.slug for t in dataset.topics.all()),
        "tags": sorted(t.name for t in dataset.tags.all()),
        "license": dataset.license,
        "update_frequency": dataset.update_frequency,
        "temporal_start": dataset.temporal_start,
        "temporal_end": dataset.temporal_end,
        "spatial_coverage": dataset.spatial_coverage_id,
        "spatial_level": dataset.spatial_level,
        "access": dataset.access,
        "is_priority": dataset.is_priority,
        "contact_name": dataset.contact_name,
        "contact_email": dataset.contact_email,
        "source": dataset.source,
        "unit": dataset.unit,
        "measure": dataset.measure,
        "activity_metadata": dict(dataset.activity_metadata or {}),
        "indicator_metadata": dict(dataset.indicator_metadata or {}),
    }


def changes(before, after):
    """(before, after) restricted to the fields whose value differs."""
    keys = [k for k in TRACKED if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def _set_tags(dataset, names):
    tags = []
    for name in names:
        tag = Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)
        tags.append(tag)
    dataset.tags.set(tags)


def _apply(form, dataset):
    dataset.spatial_coverage_id = form.cleaned_data.get("spatial_code")
    dataset.activity_metadata = form.block_values("keg", dataset.activity_metadata)
    dataset.indicator_metadata = form.block_values("ind", dataset.indicator_metadata)
    dataset.save()
    form.save_m2m()
    _set_tags(dataset, form.cleaned_data.get("tags_text", []))
    refresh_search_document(dataset)


@transaction.atomic
def create_dataset(form, *, actor, request=None):
    """Save a valid creation form as a new Draf dataset; audited as `dataset.create`."""
    dataset = form.save(commit=False)
    authorize(actor, "dataset.create", dataset.organization)
    dataset.state = State.DRAFT
    dataset.published_at = None
    _apply(form, dataset)
    record(
        AuditAction.DATASET_CREATE, dataset, actor=actor, request=request, after=snapshot(dataset)
    )
    return dataset


def change_metadata(form, before, *, actor, request=None):
    """Save a valid edit form of a dataset locked by the caller's transaction.

    `before` is snapshot() of the dataset taken before the form touched it.
    Returns the changed fields' (before, after); nothing is recorded when nothing changed.
    A new klasifikasi goes through change_access (audited as dataset.classification).
    """
    dataset = form.instance
    authorize(actor, "dataset.change", dataset)
    new_access = form.cleaned_data.get("access") or before["access"]
    form.save(commit=False)
    dataset.access = before["access"]
    _apply(form, dataset)
    old, new = changes(before, snapshot(dataset))
    if old:
        record(
            AuditAction.DATASET_CHANGE, dataset, actor=actor, request=request, before=old, after=new
        )
    if change_access(
        dataset,
        new_access,
        actor=actor,
        request=request,
        reason=form.cleaned_data.get("access_reason", ""),
    ):
        old["access"], new["access"] = before["access"], new_access
    return old, new


def lock(slug):
    """The dataset row, locked for the rest of the caller's transaction."""
    return Dataset.objects.select_for_update().select_related("organization").get(slug=slug)
