from django.conf import settings
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Prefetch
from django.http import FileResponse, Http404, HttpResponseServerError, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import get_template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from satudata.accounts.models import Organization
from satudata.accounts.permissions import authorize, can, route
from satudata.audit.actions import record_access
from satudata.catalog.constants import MS_IND_FIELDS, MS_KEG_FIELDS, MS_VAR_FIELDS, Access, State
from satudata.catalog.models import Dataset, ResourceVersion, Topic, visibility_q
from satudata.catalog.search import FILTERS, SORTS, parse_filters, search_datasets
from satudata.ingest.views import audit_restricted_download
from satudata.lib import filestore
from satudata.regions.constants import Level
from satudata.regions.models import Region

FACET_TITLES = {
    "organisasi": gettext_lazy("Perangkat daerah"),
    "topik": gettext_lazy("Topik"),
    "tahun": gettext_lazy("Tahun"),
    "format": gettext_lazy("Format"),
    "wilayah": gettext_lazy("Wilayah"),
    "klasifikasi": gettext_lazy("Klasifikasi akses"),
}


def visible_count(user):
    """Count of datasets the user may see, for annotating OPDs and topics (never a raw count)."""
    return Count("datasets", filter=visibility_q(user, prefix="datasets__"), distinct=True)


@route("portal.browse")
def home(request):
    visible = Dataset.objects.visible_to(request.user)
    newest = visible.select_related("organization").order_by("-published_at", "-id")[:6]
    topics = Topic.objects.annotate(n=visible_count(request.user)).filter(n__gt=0)
    organizations = (
        Organization.objects.annotate(n=visible_count(request.user))
        .filter(n__gt=0)
        .order_by("-n", "name")
    )
    counts = {
        "datasets": visible.count(),
        "organizations": organizations.count(),
        "topics": topics.count(),
        "regions": Region.objects.filter(
            parent_id=settings.HOME_REGION, level=Level.REGENCY
        ).count(),
    }
    return render(
        request,
        "portal/home.html",
        {"newest": newest, "topics": topics, "organizations": organizations[:12], "counts": counts},
    )


@route("portal.browse")
def search(request):
    q = request.GET.get("q", "")[: settings.SEARCH_MAX_QUERY_LENGTH]
    sort = request.GET.get("urut", "relevansi")
    if sort not in SORTS:
        sort = "relevansi"
    chosen = parse_filters(request.GET, request.user)
    result = search_datasets(request.user, q, chosen, sort, settings.SEARCH_MAX_QUERY_LENGTH)
    page = Paginator(result.queryset, settings.SEARCH_PAGE_SIZE).get_page(
        request.GET.get("halaman")
    )
    facets = []
    for name in FILTERS:
        facet = result.facets.get(name)
        if facet and (facet.items or chosen.get(name)):
            selected = set(chosen.get(name, []))
            items = [(value, label, n, value in selected) for value, label, n in facet.items]
            # A chosen value with no hits left stays listed (count 0) so it can be unticked.
            shown = {value for value, *_ in facet.items}
            items += [
                (value, value, 0, True) for value in chosen.get(name, []) if value not in shown
            ]
            facets.append((name, FACET_TITLES[name], items))
    return render(
        request,
        "portal/search.html",
        {
            "q": q,
            "sort": sort,
            "sorts": [
                ("relevansi", _("Relevansi")),
                ("terbaru", _("Terbaru")),
                ("judul", _("Judul (A–Z)")),
            ],
            "page": page,
            "total": result.total,
            "facets": facets,
            "chosen": chosen,
            "show_access": can(request.user, "catalog.see_access_facet"),
        },
    )


def _visible_dataset(request, slug):
    dataset = get_object_or_404(
        Dataset.objects.select_related("organization", "spatial_coverage").prefetch_related(
            "topics", "tags"
        ),
        slug=slug,
    )
    authorize(request.user, "dataset.view", dataset)
    return dataset


@route("dataset.view")
def dataset(request, slug):
    try:
        dataset = _visible_dataset(request, slug)
    except Http404:
        from satudata.workflow.views import withdrawn_notice

        return withdrawn_notice(request, slug)  # a withdrawn Terbuka dataset says why (410)
    may_change = can(request.user, "dataset.upload", dataset)
    resources = []
    for resource in dataset.resources.prefetch_related(
        Prefetch("versions", queryset=ResourceVersion.objects.select_related("created_by"))
    ):
        # Unpublished versions are seen only by those who may change the dataset.
        versions = sorted(
            (v for v in resource.versions.all() if v.is_published or may_change),
            key=lambda v: -v.number,
        )
        published = [v for v in versions if v.is_published]
        latest = published[0] if published else (versions[0] if versions else None)
        preview = latest.preview(settings.PREVIEW_ROWS) if latest else None
        if preview:
            # Seeing rows of a non-public version is an access (audit, once an hour).
            record_access(request, latest, channel="pratinjau")
        columns = latest.schema.get("fields", []) if latest else []
        resources.append(
            {
                "resource": resource,
                "latest": latest,
                "versions": versions,
                "preview": preview,
                "columns": columns,
                "has_column_metadata": any(any(c.get(k) for k in MS_VAR_FIELDS) for c in columns),
            }
        )
    return render(
        request,
        "portal/dataset.html",
        {
            "dataset": dataset,
            "resources": resources,
            "ms_var_fields": MS_VAR_FIELDS.items(),
            "indicator_metadata": _labelled(dataset.indicator_metadata, MS_IND_FIELDS),
            "activity_metadata": _labelled(dataset.activity_metadata, MS_KEG_FIELDS),
            "show_access": can(request.user, "catalog.see_access_facet"),
            "can_upload": may_change,
            "download_formats": list(DOWNLOAD_TYPES),
        },
    )


def _labelled(values, labels):
    """(label, text) pairs of a metadata block, lists joined and yes/no spelled out."""
    pairs = []
    for key, label in labels.items():
        value = values.get(key)
        if value in (None, "", []):
            continue
        if isinstance(value, bool):
            value = _("Ya") if value else _("Tidak")
        elif isinstance(value, list | tuple):
            value = ", ".join(str(v) for v in value)
        pairs.append((label, value))
    return pairs


DOWNLOAD_TYPES = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "json": ("application/json", "json"),
    "parquet": ("application/vnd.apache.parquet", "parquet"),
}


@route("resource.download")
def download(request, slug, resource_id, number, fmt=None):
    """The original file (no fmt) or a format made from the validated table."""
    version = get_object_or_404(
        ResourceVersion.objects.select_related("resource__dataset"),
        resource_id=resource_id,
        number=number,
        resource__dataset__slug=slug,
    )
    authorize(request.user, "resource.download", version)
    if fmt is None:
        key, filename, content_type = version.file_key, version.original_name, version.media_type
    else:
        if fmt not in DOWNLOAD_TYPES or fmt not in version.downloads:
            raise Http404
        key = version.downloads[fmt]["key"]
        content_type, extension = DOWNLOAD_TYPES[fmt]
        filename = (
            f"{version.resource.dataset.slug}-{version.resource_id}-v{version.number}.{extension}"
        )
    try:
        handle = filestore.open_file(key)
    except FileNotFoundError:
        raise Http404 from None
    dataset = version.resource.dataset
    if (
        dataset.access != Access.OPEN
        or not version.is_published
        or dataset.state != State.PUBLISHED
    ):
        audit_restricted_download(request, version, fmt or "asli")
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-SHA256"] = version.sha256 if fmt is None else key
    return response


@route("portal.browse")
def organizations(request):
    items = Organization.objects.annotate(n=visible_count(request.user)).order_by("name")
    return render(request, "portal/organizations.html", {"organizations": items})


@route("portal.browse")
def organization(request, slug):
    org = get_object_or_404(Organization.objects.select_related("region"), slug=slug)
    datasets = Dataset.objects.visible_to(request.user).filter(organization=org).order_by("title")
    return render(request, "portal/organization.html", {"organization": org, "datasets": datasets})


@route("portal.browse")
def topics(request):
    items = Topic.objects.annotate(n=visible_count(request.user))
    return render(request, "portal/topics.html", {"topics": items})


@route("portal.browse")
def topic(request, slug):
    item = get_object_or_404(Topic, slug=slug)
    datasets = (
        Dataset.objects.visible_to(request.user)
        .filter(topics=item)
        .select_related("organization")
        .order_by("title")
    )
    return render(request, "portal/topic.html", {"topic": item, "datasets": datasets})


@never_cache
@route("portal.browse")
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok"})


def not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def forbidden(request, exception=None):
    return render(request, "errors/403.html", status=403)


def server_error(request):
    # No context processors: they query the database, which may be what failed.
    return HttpResponseServerError(get_template("errors/500.html").render())
