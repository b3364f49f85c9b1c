# ruff: noqa: B008  (Query([]) defaults are how django-ninja declares list parameters)
"""The endpoints of /api/v1. Every list is filtered with the catalog's visibility policy and
every version/row query goes through can(user, "version.query", version)."""

import json
import time
from typing import Literal

from django.conf import settings
from django.db.models import Count
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query

from satudata.accounts.models import Organization
from satudata.accounts.permissions import can
from satudata.audit.actions import record_access
from satudata.catalog.models import Dataset, Resource, ResourceVersion, Topic, visibility_q
from satudata.catalog.search import parse_filters, search_datasets
from satudata.regions.models import Region
from satudata.stats import query as engine
from satudata.stats.versions import latest_queryable_version

from . import errors, schemas
from .auth import BearerToken, session_or_anonymous
from .http import etag_matches, last_modified, strong_etag

API_REVISION = "1"
ERRORS = {400: schemas.ErrorOut, 401: schemas.ErrorOut, 404: schemas.ErrorOut}
QUERY_ERRORS = {**ERRORS, 503: schemas.ErrorOut}

api = NinjaAPI(
    title="Satu Data API",
    version="1",
    description=(
        "API terbuka Satu Data: katalog dataset, sumber daya, versi, kueri baris, agregasi "
        "dan seri indikator. Data Terbuka dapat dibaca tanpa autentikasi; petugas memakai "
        "`Authorization: Bearer <token>`."
    ),
    urls_namespace="api_v1",
    docs_url=None,
    openapi_url="/openapi.json",
    auth=[BearerToken(), session_or_anonymous],
)
errors.install(api)


def _iso(value):
    return value.isoformat() if value else None


def _absolute(request, path):
    return request.build_absolute_uri(path)


# --- serialisers ---------------------------------------------------------------------------


def _version_dict(request, version, dataset):
    table_ok = bool(version.parquet_key)
    cube = engine.series_fields(engine.Table(version)) if table_ok else None
    base = f"/api/v1/versions/{version.pk}"
    links = {"self": _absolute(request, base)}
    if table_ok:
        links["rows"] = _absolute(request, base + "/rows")
        links["aggregate"] = _absolute(request, base + "/aggregate")
        if cube:
            links["series"] = _absolute(request, base + "/series")
    downloads = {}
    if version.is_published:
        kwargs = {
            "slug": dataset.slug,
            "resource_id": version.resource_id,
            "number": version.number,
        }
        downloads["original"] = _absolute(request, reverse("portal:download", kwargs=kwargs))
        for fmt in version.downloads:
            downloads[fmt] = _absolute(
                request, reverse("portal:download_format", kwargs={**kwargs, "fmt": fmt})
            )
    return {
        "id": version.pk,
        "resource": version.resource_id,
        "dataset": dataset.slug,
        "number": version.number,
        "format": version.format,
        "media_type": version.media_type,
        "sha256": version.sha256,
        "size": version.size,
        "row_count": version.row_count,
        "published": version.is_published,
        "published_at": _iso(version.published_at),
        "created_at": _iso(version.created_at),
        "table_schema": version.schema,
        "fields": [
            {"name": str(f.get("name", "")), "type": str(f.get("type", "string"))}
            for f in version.schema.get("fields", [])
        ],
        "queryable": table_ok,
        "has_series": cube is not None,
        "downloads": downloads,
        "links": links,
    }


def _visible_versions(user, resource, dataset, may_change=None):
    if may_change is None:
        may_change = can(user, "dataset.change", dataset)
    return [v for v in resource.versions.all() if v.is_published or may_change]


def _resource_dict(request, resource, dataset, may_change=None):
    versions = _visible_versions(request.user, resource, dataset, may_change)
    published = [v for v in versions if v.is_published]
    latest = max(published or versions, key=lambda v: v.number) if versions else None
    return {
        "id": resource.pk,
        "dataset": dataset.slug,
        "name": resource.name,
        "description": resource.description,
        "kind": resource.kind,
        "latest_version": _version_dict(request, latest, dataset) if latest else None,
        "links": {
            "self": _absolute(request, f"/api/v1/resources/{resource.pk}"),
            "versions": _absolute(request, f"/api/v1/resources/{resource.pk}/versions"),
        },
    }


def _summary(request, dataset):
    return {
        "slug": dataset.slug,
        "title": dataset.title,
        "description": dataset.description,
        "organisation": {"slug": dataset.organization.slug, "name": dataset.organization.name},
        "topics": [{"slug": t.slug, "name": t.name} for t in dataset.topics.all()],
        "access": dataset.access,
        "is_priority": dataset.is_priority,
        "temporal_start": dataset.temporal_start,
        "temporal_end": dataset.temporal_end,
        "published_at": _iso(dataset.published_at),
        "modified_at": _iso(dataset.modified_at),
        "url": _absolute(request, dataset.get_absolute_url()),
        "api_url": _absolute(request, f"/api/v1/datasets/{dataset.slug}"),
    }


def _visible_dataset(request, slug):
    dataset = get_object_or_404(
        Dataset.objects.select_related("organization").prefetch_related("topics", "tags"),
        slug=slug,
    )
    if not can(request.user, "dataset.view", dataset):
        raise Http404
    return dataset


def _json(data, status=200):
    return HttpResponse(
        json.dumps(data, ensure_ascii=False, separators=(",", ":")),
        status=status,
        content_type="application/json; charset=utf-8",
    )


# --- index ---------------------------------------------------------------------------------


@api.get("/", response=dict[str, str], summary="Daftar titik akhir", tags=["umum"])
def index(request):
    names = ["datasets", "organisations", "topics", "regions", "openapi.json", "docs"]
    return {n: _absolute(request, f"/api/v1/{n}" + ("/" if n == "docs" else "")) for n in names}


# --- datasets ------------------------------------------------------------------------------


@api.get(
    "/datasets",
    response={200: schemas.DatasetPage, **ERRORS},
    summary="Cari dan saring dataset",
    tags=["katalog"],
)
def list_datasets(
    request,
    q: str = Query(
        "", max_length=500, description="Kata kunci (pencarian teks penuh, dengan stemming)"
    ),
    organisasi: list[str] = Query([], description="slug OPD"),
    topik: list[str] = Query([], description="slug topik"),
    tahun: list[str] = Query([], description="tahun cakupan"),
    format: list[str] = Query([], description="format berkas (CSV, XLSX …)"),
    wilayah: list[str] = Query([], description="kode wilayah cakupan"),
    klasifikasi: list[str] = Query([], description="klasifikasi akses (hanya petugas)"),
    sort: Literal["relevansi", "terbaru", "judul"] = "relevansi",
    page: int = Query(1, ge=1, le=100000),
    page_size: int = Query(20, ge=1, le=100),
):
    chosen = parse_filters(request.GET, request.user)
    q = q[: settings.SEARCH_MAX_QUERY_LENGTH]
    result = search_datasets(request.user, q, chosen, sort, limit=settings.SEARCH_MAX_QUERY_LENGTH)
    start = (page - 1) * page_size
    datasets = list(
        result.queryset.select_related("organization").prefetch_related("topics")[
            start : start + page_size
        ]
    )
    path = request.get_full_path()

    def page_link(number):
        params = request.GET.copy()
        params["page"] = str(number)
        return _absolute(request, f"{request.path}?{params.urlencode()}")

    return {
        "count": result.total,
        "page": page,
        "page_size": page_size,
        "results": [_summary(request, d) for d in datasets],
        "facets": {
            name: [
                {"value": str(v), "label": str(label), "count": n} for v, label, n in facet.items
            ]
            for name, facet in result.facets.items()
        },
        "links": {
            "self": _absolute(request, path),
            "next": page_link(page + 1) if start + page_size < result.total else None,
            "previous": page_link(page - 1) if page > 1 else None,
        },
    }


@api.get(
    "/datasets/{slug}",
    response={200: schemas.DatasetOut, **ERRORS},
    summary="Rincian dataset",
    tags=["katalog"],
)
def get_dataset(request, slug: str):
    dataset = _visible_dataset(request, slug)
    may_change = can(request.user, "dataset.change", dataset)
    data = _summary(request, dataset)
    data.update(
        {
            "tags": [t.name for t in dataset.tags.all()],
            "license": dataset.license,
            "update_frequency": dataset.update_frequency,
            "spatial_coverage": dataset.spatial_coverage_id,
            "spatial_level": dataset.spatial_level,
            "source": dataset.source,
            "unit": dataset.unit,
            "measure": dataset.measure,
            "contact_name": dataset.contact_name,
            "resources": [
                _resource_dict(request, r, dataset, may_change)
                for r in dataset.resources.prefetch_related("versions")
            ],
        }
    )
    return data


@api.get(
    "/datasets/{slug}/resources",
    response={200: list[schemas.ResourceOut], **ERRORS},
    summary="Sumber daya sebuah dataset",
    tags=["katalog"],
)
def list_resources(request, slug: str):
    dataset = _visible_dataset(request, slug)
    may_change = can(request.user, "dataset.change", dataset)
    return [
        _resource_dict(request, r, dataset, may_change)
        for r in dataset.resources.prefetch_related("versions")
    ]


def _visible_resource(request, resource_id):
    resource = get_object_or_404(
        Resource.objects.select_related("dataset__organization").prefetch_related("versions"),
        pk=resource_id,
    )
    if not can(request.user, "dataset.view", resource.dataset):
        raise Http404
    return resource


@api.get(
    "/resources/{resource_id}",
    response={200: schemas.ResourceOut, **ERRORS},
    summary="Rincian sumber daya",
    tags=["katalog"],
)
def get_resource(request, resource_id: int):
    resource = _visible_resource(request, resource_id)
    return _resource_dict(request, resource, resource.dataset)


@api.get(
    "/resources/{resource_id}/versions",
    response={200: list[schemas.VersionOut], **ERRORS},
    summary="Versi sebuah sumber daya (terbaru dulu)",
    tags=["katalog"],
)
def list_versions(request, resource_id: int):
    resource = _visible_resource(request, resource_id)
    versions = sorted(
        _visible_versions(request.user, resource, resource.dataset), key=lambda v: -v.number
    )
    return [_version_dict(request, v, resource.dataset) for v in versions]


# Published versions never change, so their rows are kept per process for a short while;
# the permission check still runs on every request (one query: the dataset's access and
# state are read fresh each time).
_VERSION_TTL = 60.0
_VERSION_CACHE_SIZE = 512
_versions: dict = {}


def _load_version(version_id):
    now = time.monotonic()
    found = _versions.get(version_id)
    if found is not None and now - found[0] < _VERSION_TTL:
        return found[1]
    version = get_object_or_404(
        ResourceVersion.objects.select_related("resource__dataset"), pk=version_id
    )
    if version.is_published:
        if len(_versions) >= _VERSION_CACHE_SIZE:
            _versions.clear()
        _versions[version_id] = (now, version)
    return version


def _version(request, version_id, action="version.view"):
    version = _load_version(version_id)
    if not can(request.user, action, version):
        raise Http404
    return version


@api.get(
    "/versions/{version_id}",
    response={200: schemas.VersionOut, **ERRORS},
    summary="Rincian versi (tidak berubah setelah dibuat)",
    tags=["katalog"],
)
def get_version(request, version_id: int):
    version = _version(request, version_id)
    return _version_dict(request, version, version.resource.dataset)


# --- organisations, topics, regions ---------------------------------------------------------


def _organisation_dict(request, org, count):
    return {
        "slug": org.slug,
        "name": org.name,
        "short_name": org.short_name,
        "kind": org.kind,
        "region": org.region_id,
        "description": org.description,
        "website": org.website,
        "dataset_count": count,
        "url": _absolute(request, org.get_absolute_url()),
    }


def _counted(queryset, user, relation):
    return queryset.annotate(
        n=Count(relation, filter=visibility_q(user, prefix=f"{relation}__"), distinct=True)
    )


@api.get(
    "/organisations",
    response={200: list[schemas.OrganisationOut], **ERRORS},
    summary="Perangkat daerah (OPD)",
    tags=["katalog"],
)
def list_organisations(request):
    orgs = _counted(Organization.objects.all(), request.user, "datasets")
    return [_organisation_dict(request, o, o.n) for o in orgs]


@api.get(
    "/organisations/{slug}",
    response={200: schemas.OrganisationOut, **ERRORS},
    summary="Rincian OPD",
    tags=["katalog"],
)
def get_organisation(request, slug: str):
    org = get_object_or_404(
        _counted(Organization.objects.all(), request.user, "datasets"), slug=slug
    )
    return _organisation_dict(request, org, org.n)


def _topic_dict(request, topic, count):
    return {
        "slug": topic.slug,
        "name": topic.name,
        "description": topic.description,
        "dataset_count": count,
        "url": _absolute(request, topic.get_absolute_url()),
    }


@api.get(
    "/topics", response={200: list[schemas.TopicOut], **ERRORS}, summary="Topik", tags=["katalog"]
)
def list_topics(request):
    topics = _counted(Topic.objects.all(), request.user, "datasets")
    return [_topic_dict(request, t, t.n) for t in topics]


@api.get(
    "/topics/{slug}",
    response={200: schemas.TopicOut, **ERRORS},
    summary="Rincian topik",
    tags=["katalog"],
)
def get_topic(request, slug: str):
    topic = get_object_or_404(_counted(Topic.objects.all(), request.user, "datasets"), slug=slug)
    return _topic_dict(request, topic, topic.n)


def _region_dict(region):
    return {
        "code": region.code,
        "name": region.name,
        "level": region.level,
        "parent": region.parent_id,
        "bps_code": region.bps_code,
    }


@api.get(
    "/regions",
    response={200: schemas.RegionPage, **ERRORS},
    summary="Kode wilayah Kemendagri (dengan kode BPS)",
    tags=["wilayah"],
)
def list_regions(
    request,
    parent: str = Query("", max_length=13, description="kode induk, misalnya 53"),
    level: int | None = Query(None, ge=1, le=4, description="1 provinsi … 4 desa/kelurahan"),
    q: str = Query("", max_length=100, description="bagian nama"),
    page: int = Query(1, ge=1, le=100000),
    page_size: int = Query(100, ge=1, le=1000),
):
    regions = Region.objects.all()
    if parent:
        regions = regions.filter(parent_id=parent)
    if level:
        regions = regions.filter(level=level)
    if q:
        regions = regions.filter(name__icontains=q)
    start = (page - 1) * page_size
    return {
        "count": regions.count(),
        "page": page,
        "page_size": page_size,
        "results": [_region_dict(r) for r in regions.order_by("code")[start : start + page_size]],
    }


@api.get(
    "/regions/{code}",
    response={200: schemas.RegionOut, **ERRORS},
    summary="Rincian wilayah",
    tags=["wilayah"],
)
def get_region(request, code: str):
    return _region_dict(get_object_or_404(Region, code=code))


# --- queries -------------------------------------------------------------------------------


def _table(version):
    return engine.Table(version)


def _conditional(request, version, kind):
    """(etag, 304 response or None): the answer depends only on the version and the query."""
    params = sorted((k, v) for k in request.GET for v in request.GET.getlist(k))
    etag = strong_etag(API_REVISION, kind, version.parquet_key or version.sha256, params)
    if etag_matches(request, etag):
        response = HttpResponseNotModified()
        response["ETag"] = etag
        return etag, response
    return etag, None


def _send(data, etag, version):
    response = _json(data)
    response["ETag"] = etag
    return last_modified(response, version.published_at or version.created_at)


def _query_version(request, version_id):
    version = _version(request, version_id, "version.query")
    if not version.parquet_key:
        raise engine.TableUnavailable()
    record_access(request, version, channel="api")  # audited when not public
    return version


def _split(value):
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _rows_response(
    request,
    version,
    columns,
    filter,
    filters,
    q,
    sort,
    limit,
    offset,
    after,
    facet,
    total,
    distinct,
):
    etag, short = _conditional(request, version, "rows")
    if short:
        return short
    table = _table(version)
    found = engine.filters_from_strings(table, filter)
    if filters:
        try:
            mapping = json.loads(filters)
        except (ValueError, RecursionError):  # RecursionError: deeply nested JSON
            raise engine.QueryError("invalid_filter", _("filters bukan JSON yang sah.")) from None
        found += engine.filters_from_mapping(table, mapping)
    size, cut = engine.page_size(limit)
    facets = tuple(dict.fromkeys(c for f in facet for c in _split(f)))
    query = engine.RowQuery(
        columns=tuple(_split(columns)),
        filters=found,
        q=q,
        sort=engine.parse_sort(table, sort),
        limit=size,
        offset=offset,
        after=after,
        facets=facets,
        include_total=total,
        distinct=distinct,
        truncated=cut,
    )
    data = engine.rows(table, query)
    links = {"self": _absolute(request, request.get_full_path()), "next": None}
    if data["has_more"]:
        params = request.GET.copy()
        if data["next_cursor"] and not offset:
            params["after"] = data["next_cursor"]
        else:
            params.pop("after", None)
            params["offset"] = str(offset + size)
        links["next"] = _absolute(request, f"{request.path}?{params.urlencode()}")
    data["links"] = links
    return _send(data, etag, version)


ROW_PARAMS_DOC = {
    "columns": "kolom yang diambil, dipisah koma (bawaan: semua)",
    "filter": "filter `kolom:operator:nilai`; operator: eq, ne, in, gt, gte, lt, lte, contains",
    "filters": 'filter gaya CKAN dalam JSON: {"tahun": 2024, "kode_wilayah": ["53.01"], "nilai": {"gte": 10}}',
    "sort": "urutan, misalnya `tahun,-nilai`",
    "after": "kursor halaman berikutnya (keyset) dari `next_cursor`",
}


@api.get(
    "/versions/{version_id}/rows",
    response={200: schemas.RowsOut, **QUERY_ERRORS},
    summary="Kueri baris tabel sebuah versi",
    tags=["kueri"],
)
def version_rows(
    request,
    version_id: int,
    columns: str = Query("", max_length=2000, description=ROW_PARAMS_DOC["columns"]),
    filter: list[str] = Query([], description=ROW_PARAMS_DOC["filter"]),
    filters: str = Query("", max_length=20000, description=ROW_PARAMS_DOC["filters"]),
    q: str = Query("", max_length=200, description="teks yang dicari di kolom teks"),
    sort: str = Query("", max_length=500, description=ROW_PARAMS_DOC["sort"]),
    limit: int | None = Query(None, ge=0, le=1000000, description="jumlah baris (dibatasi)"),
    offset: int = Query(0, ge=0, le=1000000000),
    after: str = Query("", max_length=4000, description=ROW_PARAMS_DOC["after"]),
    facet: list[str] = Query([], description="kolom yang dihitung nilainya (facet)"),
    total: bool = Query(True, description="sertakan jumlah baris yang cocok"),
    distinct: bool = Query(False, description="hanya baris yang berbeda"),
):
    version = _query_version(request, version_id)
    return _rows_response(
        request,
        version,
        columns,
        filter,
        filters,
        q,
        sort,
        limit,
        offset,
        after,
        facet,
        total,
        distinct,
    )


@api.get(
    "/resources/{resource_id}/rows",
    response={200: schemas.RowsOut, **QUERY_ERRORS},
    summary="Kueri baris versi terbit terbaru sebuah sumber daya",
    tags=["kueri"],
)
def resource_rows(
    request,
    resource_id: int,
    columns: str = Query("", max_length=2000, description=ROW_PARAMS_DOC["columns"]),
    filter: list[str] = Query([], description=ROW_PARAMS_DOC["filter"]),
    filters: str = Query("", max_length=20000, description=ROW_PARAMS_DOC["filters"]),
    q: str = Query("", max_length=200),
    sort: str = Query("", max_length=500, description=ROW_PARAMS_DOC["sort"]),
    limit: int | None = Query(None, ge=0, le=1000000),
    offset: int = Query(0, ge=0, le=1000000000),
    after: str = Query("", max_length=4000, description=ROW_PARAMS_DOC["after"]),
    facet: list[str] = Query([]),
    total: bool = Query(True),
    distinct: bool = Query(False),
):
    version = latest_queryable_version(request.user, resource_id)
    record_access(request, version, channel="api")  # audited when not public
    return _rows_response(
        request,
        version,
        columns,
        filter,
        filters,
        q,
        sort,
        limit,
        offset,
        after,
        facet,
        total,
        distinct,
    )


@api.get(
    "/versions/{version_id}/aggregate",
    response={200: schemas.AggregateOut, **QUERY_ERRORS},
    summary="Agregasi per kelompok (count, sum, avg, min, max)",
    tags=["kueri"],
)
def version_aggregate(
    request,
    version_id: int,
    group_by: str = Query("", max_length=1000, description="kolom pengelompokan, dipisah koma"),
    metric: list[str] = Query(
        [], description="`count`, `count:kolom`, `sum:kolom`, `avg:kolom`, `min:kolom`, `max:kolom`"
    ),
    filter: list[str] = Query([], description=ROW_PARAMS_DOC["filter"]),
    q: str = Query("", max_length=200),
    sort: str = Query(
        "",
        max_length=500,
        description="urut menurut kolom kelompok atau nama agregat (`-sum_nilai`)",
    ),
):
    version = _query_version(request, version_id)
    etag, short = _conditional(request, version, "aggregate")
    if short:
        return short
    table = _table(version)
    metrics = tuple(engine.parse_metric(table, m) for m in metric)
    order = []
    for part in _split(sort):
        order.append((part[1:], True) if part.startswith("-") else (part, False))
    data = engine.aggregate(
        table,
        engine.AggregateQuery(
            group_by=tuple(table.field(c) for c in _split(group_by)),
            metrics=metrics,
            filters=engine.filters_from_strings(table, filter),
            q=q,
            sort=tuple(order),
        ),
    )
    return _send(data, etag, version)


@api.get(
    "/versions/{version_id}/series",
    response={200: schemas.SeriesOut, **QUERY_ERRORS},
    summary="Seri indikator: ukuran per wilayah dan periode",
    tags=["kueri"],
)
def version_series(
    request,
    version_id: int,
    measure: str = Query("", max_length=200, description="kolom ukuran (bawaan: yang pertama)"),
    region: list[str] = Query([], description="kode wilayah"),
    filter: list[str] = Query([], description=ROW_PARAMS_DOC["filter"]),
):
    version = _query_version(request, version_id)
    table = _table(version)
    cube = engine.series_fields(table)
    if cube is None:
        return errors.error_response(
            404,
            "no_series",
            _("Tabel ini tidak memiliki kolom wilayah, periode dan ukuran sekaligus."),
        )
    etag, short = _conditional(request, version, "series")
    if short:
        return short
    chosen = table.field(measure) if measure else cube.measures[0]
    if chosen not in cube.measures:
        raise engine.QueryError(
            "invalid_value", _("Kolom %(c)s bukan kolom ukuran.") % {"c": chosen.name}
        )
    found = engine.filters_from_strings(table, filter)
    if region:
        found += (engine.make_filter(table, cube.region.name, "in", region),)
    data = engine.aggregate(
        table,
        engine.AggregateQuery(
            group_by=(cube.region, cube.period),
            metrics=(engine.Metric("sum", chosen),),
            filters=found,
        ),
    )
    name = f"sum_{chosen.name}"
    return _send(
        {
            "measure": chosen.name,
            "region_column": cube.region.name,
            "period_column": cube.period.name,
            "measures": [m.name for m in cube.measures],
            "points": [
                {"region": r[cube.region.name], "period": r[cube.period.name], "value": r[name]}
                for r in data["records"]
            ],
            "truncated": data["truncated"],
        },
        etag,
        version,
    )


# --- the OpenAPI document: optional auth, and the error shape for every status --------------

_build_schema = api.get_openapi_schema


def _schema(*args, **kwargs):
    schema = _build_schema(*args, **kwargs)
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            if isinstance(operation, dict) and "security" in operation:
                # anonymous callers may read Terbuka data: the token is optional
                operation["security"] = [{}, *[s for s in operation["security"] if s]]
    return schema


api.get_openapi_schema = _schema
