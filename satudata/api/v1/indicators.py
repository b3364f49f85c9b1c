# ruff: noqa: B008  (Query([]) defaults are how django-ninja declares list parameters)
"""Indicators in /api/v1: the list, the MS-Ind metadata and the series of the cube.

The same policy as the indicator pages: `indicator.view` (the indicator's klasifikasi and
every source dataset), checked before anything is read; an indicator the caller may not see
answers 404 exactly like one that does not exist. Reading a non-Terbuka indicator's series is
recorded like a download of a non-public file (download.restricted).
"""

from typing import Literal

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Schema

from satudata.accounts.permissions import can
from satudata.catalog.constants import Access
from satudata.stats.cube import CubeError
from satudata.stats.indicators import (
    cube_for,
    data_key,
    series_rows,
    source_version,
)
from satudata.stats.models import Indicator

from . import errors
from .endpoints import API_REVISION, ERRORS, _absolute, _iso, _json, api
from .http import etag_matches, strong_etag

MAX_SERIES_ROWS = 100_000
SERIES_PAGE = 10_000


class IndicatorRef(Schema):
    slug: str
    name: str


class IndicatorSummary(Schema):
    slug: str
    name: str
    organisation: IndicatorRef
    access: str
    unit: str
    is_key: bool
    is_composite: bool
    is_demo: bool
    url: str
    api_url: str


class IndicatorPage(Schema):
    count: int
    results: list[IndicatorSummary]


class IndicatorSource(Schema):
    dataset: str
    resource: int
    version: int | None
    region_column: str
    region_codes: str
    period_column: str
    value_column: str
    breakdown_columns: list[str]
    aggregation: str


class IndicatorLatest(Schema):
    period: str
    value: float
    previous_period: str | None
    previous_value: float | None


class IndicatorOut(IndicatorSummary):
    published: bool
    concept: str
    definition: str
    interpretation: str
    method: str
    measure: str
    presentation: str
    estimation_level: str
    decimals: int
    formula: str
    components: list[IndicatorRef]
    source: IndicatorSource | None
    periods: list[str]
    latest: IndicatorLatest | None
    problems: list[str]
    modified_at: str
    links: dict[str, str]


class SeriesRegion(Schema):
    code: str
    name: str


class SeriesRow(Schema):
    region: SeriesRegion
    period: str
    breakdowns: dict[str, str]
    value: float
    unit: str
    status: Literal["observed", "aggregated", "computed"]


class SeriesBreakdown(Schema):
    column: str
    title: str
    values: list[str]


class IndicatorSeries(Schema):
    indicator: str
    unit: str
    decimals: int
    breakdowns: list[SeriesBreakdown]
    count: int
    limit: int
    offset: int
    rows: list[SeriesRow]
    links: dict[str, str | None]


def _summary(request, indicator):
    return {
        "slug": indicator.slug,
        "name": indicator.name,
        "organisation": {"slug": indicator.organization.slug, "name": indicator.organization.name},
        "access": indicator.access,
        "unit": indicator.unit,
        "is_key": indicator.is_key,
        "is_composite": indicator.is_composite,
        "is_demo": indicator.is_demo,
        "url": _absolute(request, indicator.get_absolute_url()),
        "api_url": _absolute(request, f"/api/v1/indicators/{indicator.slug}"),
    }


def _visible_indicator(request, slug):
    """The indicator, or 404 (the same answer for "not there" and "not yours to see")."""
    indicator = get_object_or_404(
        Indicator.objects.select_related("organization", "resource__dataset__organization"),
        slug=slug[:100],
    )
    if not can(request.user, "indicator.view", indicator):
        raise errors.ApiError(404, "not_found", _("Tidak ditemukan."))
    return indicator


def _cube(indicator):
    """(cube or None, problems)."""
    try:
        return cube_for(indicator), []
    except CubeError as error:
        return None, error.problems


@api.get(
    "/indicators",
    response={200: IndicatorPage, **ERRORS},
    summary="Daftar indikator yang boleh dilihat pemanggil",
    tags=["indikator"],
)
def list_indicators(request, utama: bool = Query(False, description="hanya Indikator Utama")):
    found = Indicator.objects.visible_to(request.user)
    if utama:
        found = [i for i in found if i.is_key]
    return {"count": len(found), "results": [_summary(request, i) for i in found]}


@api.get(
    "/indicators/{slug}",
    response={200: IndicatorOut, **ERRORS},
    summary="Metadata indikator (MS-Ind), sumber dan periode",
    tags=["indikator"],
)
def get_indicator(request, slug: str):
    indicator = _visible_indicator(request, slug)
    cube, problems = _cube(indicator)
    version = source_version(indicator)
    source = None
    if indicator.resource_id:
        source = {
            "dataset": indicator.resource.dataset.slug,
            "resource": indicator.resource_id,
            "version": version.pk if version else None,
            "region_column": indicator.region_column,
            "region_codes": indicator.region_codes,
            "period_column": indicator.period_column,
            "value_column": indicator.value_column,
            "breakdown_columns": list(indicator.breakdown_columns),
            "aggregation": indicator.aggregation,
        }
    latest = cube.latest() if cube else None
    base = f"/api/v1/indicators/{indicator.slug}"
    links = {
        "self": _absolute(request, base),
        "series": _absolute(request, base + "/series"),
        "page": _absolute(request, indicator.get_absolute_url()),
    }
    for fmt in ("json-stat", "sdmx-csv", "csv", "xlsx"):
        links[fmt] = _absolute(request, reverse("stats:download", args=[indicator.slug, fmt]))
    data = _summary(request, indicator)
    data.update(
        {
            "published": indicator.is_published,
            "concept": indicator.concept,
            "definition": indicator.definition,
            "interpretation": indicator.interpretation,
            "method": indicator.method,
            "measure": indicator.measure,
            "presentation": indicator.presentation,
            "estimation_level": indicator.estimation_level,
            "decimals": indicator.decimals,
            "formula": indicator.formula,
            "components": [
                {"slug": c.slug, "name": c.name}
                for c in indicator.components.select_related("resource__dataset").order_by("slug")
                if can(request.user, "indicator.view", c)
            ],
            "source": source,
            "periods": list(cube.periods) if cube else [],
            "latest": None
            if latest is None
            else {
                "period": latest[0],
                "value": round(latest[1], indicator.decimals),
                "previous_period": latest[2],
                "previous_value": None
                if latest[3] is None
                else round(latest[3], indicator.decimals),
            },
            # why there is no series; only for those who curate or see it unpublished
            "problems": problems
            if can(request.user, "indicator.curate") or not indicator.is_published
            else [],
            "modified_at": _iso(indicator.modified_at),
            "links": links,
        }
    )
    return data


@api.get(
    "/indicators/{slug}/series",
    response={200: IndicatorSeries, **ERRORS},
    summary="Seri indikator: nilai per wilayah, periode dan rincian",
    tags=["indikator"],
)
def indicator_series(
    request,
    slug: str,
    region: list[str] = Query([], description="kode wilayah Kemendagri (53 untuk provinsi)"),
    period: list[str] = Query([], description="periode, misalnya 2023"),
    breakdown: list[str] = Query(
        [],
        description="rincian `kolom:nilai` (nilai `Total` untuk baris tanpa rincian); diulang "
        "untuk beberapa nilai atau kolom",
    ),
    limit: int = Query(SERIES_PAGE, ge=1, le=MAX_SERIES_ROWS),
    offset: int = Query(0, ge=0, le=MAX_SERIES_ROWS),
):
    indicator = _visible_indicator(request, slug)  # the permission check comes first
    try:
        key = data_key(indicator)
        cube = cube_for(indicator, key=key)
    except CubeError as error:
        detail = error.problems if can(request.user, "indicator.curate") else None
        return errors.error_response(
            404, "no_series", _("Kubus indikator ini belum dapat dibentuk."), detail
        )
    columns = [b[0] for b in cube.breakdowns]
    wanted: dict[str, set] = {}
    for item in breakdown:
        column, sep, value = item.partition(":")
        if not sep or column not in columns:
            return errors.error_response(
                400,
                "invalid_parameter",
                _("Rincian harus berbentuk kolom:nilai dengan kolom salah satu dari: %(c)s.")
                % {"c": ", ".join(columns) or "-"},
            )
        wanted.setdefault(column, set()).add(value)
    params = sorted((k, v) for k in request.GET for v in request.GET.getlist(k))
    etag = strong_etag(API_REVISION, "indicator-series", key, params)
    if etag_matches(request, etag):
        from django.http import HttpResponseNotModified

        response = HttpResponseNotModified()
        response["ETag"] = etag
        return response
    regions, periods = set(region), set(period)
    rows = [
        row
        for row in series_rows(indicator, cube)
        if (not regions or row["region"]["code"] in regions)
        and (not periods or row["period"] in periods)
        and all(row["breakdowns"].get(c) in values for c, values in wanted.items())
    ]
    page = rows[offset : offset + limit]
    if indicator.access != Access.OPEN:
        version = source_version(indicator)
        if version is not None:
            from satudata.ingest.views import audit_restricted_download

            audit_restricted_download(request, version, "indikator:api")
    next_link = None
    if offset + limit < len(rows):
        query = request.GET.copy()
        query["offset"] = str(offset + limit)
        next_link = _absolute(request, f"{request.path}?{query.urlencode()}")
    response = _json(
        {
            "indicator": indicator.slug,
            "unit": indicator.unit,
            "decimals": indicator.decimals,
            "breakdowns": [
                {"column": c, "title": str(t), "values": [str(v) for v in values]}
                for c, t, values in cube.breakdowns
            ],
            "count": len(rows),
            "limit": limit,
            "offset": offset,
            "rows": page,
            "links": {"self": _absolute(request, request.get_full_path()), "next": next_link},
        }
    )
    response["ETag"] = etag
    return response
