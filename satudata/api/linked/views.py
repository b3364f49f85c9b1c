"""Views of the linked-data, data-package and bulk documents (all public, same for everyone).

Generated documents carry a strong ETag of their content (a revalidation costs the build but
not the transfer); the per-dataset ones also carry Last-Modified. Documents are built in
the portal's default language so that they do not depend on the visitor's language.
"""

import datetime
import hashlib
import json

from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.http import http_date
from django.utils.translation import gettext as _

from satudata.accounts.permissions import authorize, route
from satudata.catalog.models import Dataset, ResourceVersion

from . import dcat
from .bulk import SITEMAP_MAX_URLS, jsonl_lines, sitemap_entries
from .datapackage import package_descriptor
from .public import Links, last_changed, public_datasets, with_details

CACHE_SECONDS = 300


def _respond(request, body, content_type, last_modified=None):
    """A public, cacheable response with an ETag of `body`; 304 when the client has it."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    timestamp = int(last_modified.timestamp()) if last_modified else None
    not_modified = get_conditional_response(request, etag=etag, last_modified=timestamp)
    response = not_modified or HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    if last_modified:
        response["Last-Modified"] = http_date(timestamp)
    patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _public_dataset(request, slug):
    dataset = get_object_or_404(with_details(Dataset.objects.all()), slug=slug)
    authorize(request.user, "linked.read", dataset)
    return dataset


def _moment(text):
    """An aware datetime from an ISO 8601 date or date-time (naive ones in TIME_ZONE), or None."""
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            moment = datetime.datetime.combine(day, datetime.time.min) if day else None
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


@route("linked.read")
def catalog(request, ext):
    """One page of the DCAT catalogue: `?page=N` (Hydra), optional `?modified_since=ISO date`."""
    authorize(request.user, "linked.read")
    datasets = public_datasets()
    since = request.GET.get("modified_since")
    if since:
        moment = _moment(since)
        if moment is None:
            return HttpResponseBadRequest(_("modified_since harus berupa tanggal ISO 8601."))
        datasets = datasets.filter(modified_at__gte=moment)
    paginator = Paginator(
        with_details(datasets).order_by("slug"),
        settings.DCAT_PAGE_SIZE,
        allow_empty_first_page=True,
    )
    try:
        page = paginator.page(request.GET.get("page", 1))
    except PageNotAnInteger:
        return HttpResponseBadRequest(_("Nomor halaman harus bilangan bulat."))
    except EmptyPage:
        raise Http404 from None
    with translation.override(settings.LANGUAGE_CODE):
        graph = dcat.catalog_graph(page, Links(), ext)
        body = dcat.serialize(graph, ext)
    return _respond(request, body, dcat.SERIALIZERS[ext][1])


@route("linked.read")
def dataset_document(request, slug, ext):
    """The DCAT description of one public dataset."""
    dataset = _public_dataset(request, slug)
    with translation.override(settings.LANGUAGE_CODE):
        body = dcat.serialize(dcat.dataset_graph(dataset, Links()), ext)
    return _respond(request, body, dcat.SERIALIZERS[ext][1], last_changed(dataset))


def _json(request, value, last_modified=None):
    body = json.dumps(value, ensure_ascii=False, indent=1)
    return _respond(request, body, "application/json", last_modified)


@route("linked.read")
def datapackage(request, slug):
    """The data package of the newest published version of each of the dataset's resources."""
    dataset = _public_dataset(request, slug)
    versions = []
    for resource in dataset.resources.all():
        published = list(resource.versions.all())
        if published:
            versions.append(published[0])
    with translation.override(settings.LANGUAGE_CODE):
        descriptor = package_descriptor(dataset, versions, Links())
    return _json(request, descriptor, last_changed(dataset))


@route("linked.read")
def version_datapackage(request, slug, resource_id, number):
    """The data package of one published version of one resource."""
    dataset = _public_dataset(request, slug)
    version = get_object_or_404(
        ResourceVersion.objects.select_related("resource__dataset"),
        resource__dataset=dataset,
        resource_id=resource_id,
        number=number,
    )
    authorize(request.user, "linked.read", version)
    with translation.override(settings.LANGUAGE_CODE):
        descriptor = package_descriptor(dataset, [version], Links())
    descriptor["name"] = f"{dataset.slug}-{resource_id}-v{number}"
    descriptor["id"] = Links().version_datapackage(dataset, version)
    return _json(request, descriptor, last_changed(dataset))


@route("linked.read")
def catalog_jsonl(request):
    """The whole public catalogue, one dataset per line, streamed."""
    authorize(request.user, "linked.read")
    response = StreamingHttpResponse(
        jsonl_lines(), content_type="application/x-ndjson; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="catalog.jsonl"'
    response["Access-Control-Allow-Origin"] = "*"
    patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    return response


@route("linked.read")
def sitemap(request):
    """sitemap.xml of public pages; past 50,000 URLs a sitemap index of `?p=N` parts."""
    authorize(request.user, "linked.read")
    entries = list(sitemap_entries())
    parts = max(1, -(-len(entries) // SITEMAP_MAX_URLS))
    part = request.GET.get("p")
    if part is None and parts > 1:
        base = Links().absolute(reverse("linked:sitemap"))
        context = {"parts": [f"{base}?p={n}" for n in range(1, parts + 1)]}
        body = render_to_string("linked/sitemap_index.xml", context)
        return _respond(request, body, "application/xml; charset=utf-8")
    try:
        number = int(part or 1)
    except ValueError:
        raise Http404 from None
    if not 1 <= number <= parts:
        raise Http404
    chunk = entries[(number - 1) * SITEMAP_MAX_URLS : number * SITEMAP_MAX_URLS]
    body = render_to_string("linked/sitemap.xml", {"entries": chunk})
    return _respond(request, body, "application/xml; charset=utf-8")
