"""Which datasets a CKAN caller sees, and the CKAN dicts of our objects.

Visibility is the catalog's (`Dataset.objects.visible_to`, the policy in visibility_q),
narrowed to CKAN's idea of "public": a Terbuka published dataset. A signed-in member of the
owning OPD (who `can(user, "dataset.create", opd)`) also gets that OPD's other datasets in
`package_show` and, with `include_private=true`, in lists and searches, as CKAN shows
private datasets to the members of their organisation. Only published versions appear.
"""

import datetime
import json
import re

from django.conf import settings
from django.db.models import Q
from django.urls import reverse

from satudata.accounts.models import Organization
from satudata.accounts.permissions import can, roles_of
from satudata.catalog.constants import Access, License, State
from satudata.catalog.models import Dataset, Resource, ResourceVersion

from . import ids
from .registry import ACTIONS

# Our licences as CKAN's default licence register names them.
LICENSES = {
    License.CC_BY_4: (
        "cc-by",
        "Creative Commons Attribution",
        "http://www.opendefinition.org/licenses/cc-by",
        True,
    ),
    License.CC0: (
        "cc-zero",
        "Creative Commons CCZero",
        "http://www.opendefinition.org/licenses/cc-zero",
        True,
    ),
    License.ODBL: (
        "odc-odbl",
        "Open Data Commons Open Database License (ODbL)",
        "http://www.opendefinition.org/licenses/odc-odbl",
        True,
    ),
    License.GOV: ("other-closed", "Other (Not Open)", None, False),
}
LICENSE_BY_CKAN_ID = {ckan_id: ours for ours, (ckan_id, *_rest) in LICENSES.items()}
STATES = {State.PUBLISHED: "active", State.DRAFT: "draft", State.WITHDRAWN: "deleted"}
_TAG_CHARS = re.compile(r"[^\w \-.]")


def public_q(prefix=""):
    """CKAN's `capacity:public`: published and Terbuka."""
    return Q(**{f"{prefix}state": State.PUBLISHED, f"{prefix}access": Access.OPEN})


def member_organization_ids(user):
    """The OPDs whose non-public datasets the user sees through the CKAN API."""
    if not roles_of(user):
        return set()
    return {
        pk
        for pk in Organization.objects.values_list("pk", flat=True)
        if can(user, "dataset.create", Organization(pk=pk))
    }


def datasets_for(user, include_private=False):
    """Datasets the caller sees: public ones, plus member OPDs' when `include_private`."""
    visible = Dataset.objects.visible_to(user)
    if include_private:
        own = member_organization_ids(user)
        if own:
            return visible.filter(public_q() | Q(organization_id__in=own))
    return visible.filter(public_q())


def iso(value):
    """CKAN's one datetime format: naive UTC with microseconds, no 'Z'."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds")


def absolute(path):
    return settings.SITE_URL.rstrip("/") + path


def tag_name(name):
    """A tag name inside CKAN's validator ([\\w .-], 2-100 characters), or None."""
    cleaned = _TAG_CHARS.sub("-", name).strip()[:100]
    return cleaned if len(cleaned) >= 2 else None


def organization_dict(org):
    return {
        "id": ids.to_ckan("organization", org.pk),
        "name": org.slug,
        "title": org.name,
        "type": "organization",
        "description": org.description,
        "image_url": "",
        "created": iso(org.created_at),
        "is_organization": True,
        "approval_status": "approved",
        "state": "active",
    }


def group_dict(topic):
    return {
        "id": ids.to_ckan("group", topic.pk),
        "name": topic.slug,
        "title": topic.name,
        "display_name": topic.name,
        "description": topic.description,
        "image_display_url": "",
    }


def _extras(dataset, landing_page):
    values = {
        "update_frequency": dataset.update_frequency,
        "temporal_start": dataset.temporal_start,
        "temporal_end": dataset.temporal_end,
        "spatial_coverage_code": dataset.spatial_coverage.code
        if dataset.spatial_coverage
        else None,
        "spatial_coverage": dataset.spatial_coverage.name if dataset.spatial_coverage else None,
        "spatial_level": dataset.spatial_level,
        "access_classification": dataset.access,
        "priority_data": dataset.is_priority,
        "source": dataset.source,
        "unit": dataset.unit,
        "measure": dataset.measure,
        "license_spdx": dataset.license,
        "landing_page": landing_page,
        "published": iso(dataset.published_at),
    }
    for key, value in (dataset.activity_metadata or {}).items():
        values[f"ms_keg_{key}"] = value
    for key, value in (dataset.indicator_metadata or {}).items():
        values[f"ms_ind_{key}"] = value
    extras = []
    for key in sorted(values):
        value = values[key]
        if value is None or value == "" or value == {} or value == []:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif not isinstance(value, str):
            value = json.dumps(value, ensure_ascii=False)
        extras.append({"key": key, "value": value})
    return extras


class _Links:
    """Absolute portal URLs of datasets and their downloads."""

    def __init__(self):
        self.base = settings.SITE_URL.rstrip("/")

    def dataset_url(self, slug):
        return self.base + reverse("portal:dataset", args=[slug])

    def download_url(self, slug, resource_id, number):
        return self.base + reverse("portal:download", args=[slug, resource_id, number])


def package_dicts(pks):
    """The package dicts of the datasets `pks`, in that order, in six queries.

    The caller has already restricted `pks` to what the caller may see (datasets_for).
    """
    pks = list(pks)
    if not pks:
        return []
    datasets = {
        d.pk: d
        for d in Dataset.objects.filter(pk__in=pks)
        .select_related("organization", "spatial_coverage")
        .defer("search_document")
    }
    topics, tags, resources, versions = {}, {}, {}, {}
    for row in (
        Dataset.topics.through.objects.filter(dataset_id__in=pks)
        .order_by("topic__position", "topic__name")
        .values_list("dataset_id", "topic_id", "topic__slug", "topic__name", "topic__description")
    ):
        topics.setdefault(row[0], []).append(
            {
                "id": ids.to_ckan("group", row[1]),
                "name": row[2],
                "title": row[3],
                "display_name": row[3],
                "description": row[4],
                "image_display_url": "",
            }
        )
    for dataset_id, tag_id, name in (
        Dataset.tags.through.objects.filter(dataset_id__in=pks)
        .order_by("tag__name")
        .values_list("dataset_id", "tag_id", "tag__name")
    ):
        cleaned = tag_name(name)
        if cleaned:
            tags.setdefault(dataset_id, []).append(
                {
                    "id": ids.to_ckan("tag", tag_id),
                    "name": cleaned,
                    "display_name": cleaned,
                    "state": "active",
                    "vocabulary_id": None,
                }
            )
    for row in (
        Resource.objects.filter(dataset_id__in=pks)
        .order_by("position", "id")
        .values_list("id", "dataset_id", "name", "description", "kind", "position", "created_at")
    ):
        resources.setdefault(row[1], []).append(row)
    newest = {}
    for row in ResourceVersion.objects.filter(
        resource__dataset_id__in=pks, published_at__isnull=False
    ).values_list(
        "resource_id", "number", "format", "media_type", "size", "sha256", "published_at",
        "parquet_key", "original_name", "resource__dataset_id",
    ):  # fmt: skip
        if row[0] not in versions or versions[row[0]][1] < row[1]:
            versions[row[0]] = row
        if row[9] not in newest or newest[row[9]] < row[6]:
            newest[row[9]] = row[6]
    links = _Links()
    datastore = "datastore_search" in ACTIONS
    out = []
    for pk in pks:
        dataset = datasets.get(pk)
        if dataset is None:
            continue
        ckan_id = ids.to_ckan("dataset", pk)
        modified = max(dataset.modified_at, newest.get(pk, dataset.modified_at))
        modified_text = iso(modified)
        landing_page = links.dataset_url(dataset.slug)
        package_resources = []
        for rid, _dataset_id, name, description, kind, position, created in resources.get(pk, []):
            version = versions.get(rid)
            if version is None:
                continue  # nothing published yet
            _r, number, fmt, media_type, size, sha256, published, parquet, original, _d = version
            package_resources.append(
                {
                    "id": ids.to_ckan("resource", rid),
                    "package_id": ckan_id,
                    "name": name,
                    "description": description,
                    "format": fmt,
                    "url": links.download_url(dataset.slug, rid, number),
                    "url_type": None,
                    "mimetype": media_type or None,
                    "mimetype_inner": None,
                    "size": size,
                    "hash": sha256,
                    "position": position,
                    "created": iso(created),
                    "last_modified": iso(published),
                    "metadata_modified": modified_text,
                    "cache_url": None,
                    "cache_last_updated": None,
                    "resource_type": kind,
                    "state": "active",
                    "datastore_active": datastore and bool(parquet),
                    "version": number,
                    "original_name": original,
                }
            )
        package_tags = tags.get(pk, [])
        if dataset.license in LICENSES:
            license_id, license_title, license_url, is_open = LICENSES[dataset.license]
        else:
            license_id, license_title, license_url, is_open = (
                dataset.license,
                dataset.license,
                None,
                False,
            )
        org = dataset.organization
        out.append(
            {
                "id": ckan_id,
                "name": dataset.slug,
                "title": dataset.title,
                "type": "dataset",
                "state": STATES.get(dataset.state, "deleted"),
                "private": not (dataset.access == Access.OPEN and dataset.state == State.PUBLISHED),
                "notes": dataset.description,
                "url": landing_page,
                "version": None,
                "author": org.name,
                "author_email": org.email or None,
                "maintainer": dataset.contact_name or None,
                "maintainer_email": dataset.contact_email or None,
                "license_id": license_id,
                "license_title": license_title,
                "license_url": license_url,
                "isopen": is_open,
                "owner_org": ids.to_ckan("organization", org.pk),
                "organization": organization_dict(org),
                "creator_user_id": None,
                "metadata_created": iso(dataset.created_at),
                "metadata_modified": modified_text,
                "num_resources": len(package_resources),
                "num_tags": len(package_tags),
                "tags": package_tags,
                "groups": topics.get(pk, []),
                "extras": _extras(dataset, landing_page),
                "relationships_as_subject": [],
                "relationships_as_object": [],
                "resources": package_resources,
            }
        )
    return out


def package_dict(dataset_pk):
    found = package_dicts([dataset_pk])
    return found[0] if found else None
