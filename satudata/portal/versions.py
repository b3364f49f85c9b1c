"""A version's permanent page and the comparison of two versions of one resource."""

import logging

import duckdb
from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from satudata.accounts.permissions import authorize, can, route
from satudata.catalog.diff import ROW_LIMIT, diff_versions
from satudata.catalog.models import Resource, ResourceVersion
from satudata.catalog.versions import labelled_metadata

log = logging.getLogger(__name__)


def _visible_versions(user, resource):
    """The resource's versions the user may see, newest first (the same rule as each page)."""
    versions = list(resource.versions.select_related("resource__dataset").order_by("-number"))
    return [v for v in versions if can(user, "version.view", v)]


def _resource(slug, resource_id):
    return get_object_or_404(
        Resource.objects.select_related("dataset__organization"), pk=resource_id, dataset__slug=slug
    )


def citation(request, version):
    """A plain-text citation: OPD (year). Title, resource (versi N). Site. URL."""
    dataset = version.resource.dataset
    when = version.published_at or version.created_at
    return "{org} ({year}). {title} — {resource} ({label}). {site}. {url}".format(
        org=dataset.organization.name,
        year=timezone.localtime(when).year,
        title=(version.metadata or {}).get("title") or dataset.title,
        resource=version.resource.name,
        label=_("versi %(n)s") % {"n": version.number},
        site=settings.SITE_NAME,
        url=request.build_absolute_uri(version_url(version)),
    )


def version_url(version):
    from django.urls import reverse

    return reverse(
        "portal:version", args=[version.resource.dataset.slug, version.resource_id, version.number]
    )


@route("version.view")
def version(request, slug, resource_id, number):
    resource = _resource(slug, resource_id)
    item = get_object_or_404(
        ResourceVersion.objects.select_related("resource__dataset__organization", "created_by"),
        resource=resource,
        number=number,
    )
    authorize(request.user, "version.view", item)
    others = _visible_versions(request.user, resource)
    older = [v for v in others if v.number < item.number]
    newer = [v for v in others if v.number > item.number]
    from satudata.portal.views import DOWNLOAD_TYPES

    return render(
        request,
        "portal/version.html",
        {
            "dataset": resource.dataset,
            "resource": resource,
            "version": item,
            "metadata": labelled_metadata(item.metadata or {}),
            "columns": item.schema.get("fields", []),
            "primary_key": item.schema.get("primaryKey") or [],
            "previous": older[0] if older else None,
            "next": newer[-1] if newer else None,
            "latest": others[0] if others else None,
            "citation": citation(request, item),
            "permalink": request.build_absolute_uri(version_url(item)),
            "download_formats": [f for f in DOWNLOAD_TYPES if f in item.downloads],
        },
    )


def _number(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def text(value):
    """A cell as the page shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Ya") if value else _("Tidak")
    if isinstance(value, float):
        return f"{value:.15g}"
    return str(value)


def _display(result):
    """Rows of the diff as text, and changed rows as cells marked changed or not."""
    rows = result.rows
    if rows is None:
        return None
    shown = [c for c in rows.columns if any(c in r.changed for r in rows.changed)]
    changed = []
    for r in rows.changed:
        by_name = {c: (o, n) for c, o, n in r.cells}
        cells = []
        for column in shown:
            if column in by_name:
                old, new = by_name[column]
                cells.append({"changed": True, "old": text(old), "new": text(new)})
            else:
                cells.append({"changed": False, "new": text(r.values[rows.columns.index(column)])})
        changed.append({"key": [text(k) for k in r.key], "cells": cells})
    return {
        "added": [[text(v) for v in row] for row in rows.added],
        "removed": [[text(v) for v in row] for row in rows.removed],
        "changed": changed,
        "changed_columns": shown,
    }


@route("version.view")
def diff(request, slug, resource_id):
    """Compare two versions (?dari=N&ke=M); without them, the newest two the user may see."""
    resource = _resource(slug, resource_id)
    authorize(request.user, "dataset.view", resource.dataset)
    versions = _visible_versions(request.user, resource)
    if not versions:
        raise Http404
    by_number = {v.number: v for v in versions}
    dari, ke = _number(request.GET.get("dari")), _number(request.GET.get("ke"))
    if ("dari" in request.GET and dari not in by_number) or (
        "ke" in request.GET and ke not in by_number
    ):
        raise Http404  # a version that does not exist, or that this user may not see
    new = by_number[ke] if ke is not None else versions[0]
    if dari is not None:
        old = by_number[dari]
    else:
        older = [v for v in versions if v.number < new.number]
        old = older[0] if older else new
    result = error = None
    if old.pk != new.pk:
        try:
            result = diff_versions(old, new, limit=ROW_LIMIT)
        except (OSError, duckdb.Error) as failure:  # a file gone from the store, or unreadable
            log.warning("diff of versions %s and %s failed: %r", old.pk, new.pk, failure)
            error = _("Perbandingan tidak dapat dibuat untuk kedua versi ini.")
    return render(
        request,
        "portal/diff.html",
        {
            "dataset": resource.dataset,
            "resource": resource,
            "versions": versions,
            "old": old,
            "new": new,
            "result": result,
            "shown": _display(result) if result else None,
            "error": error,
            "limit": ROW_LIMIT,
        },
    )
