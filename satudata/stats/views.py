"""Indicator pages: Indikator Utama, one indicator, its charts, maps, downloads and embeds."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from satudata.accounts.permissions import authorize, can, route
from satudata.audit.actions import record
from satudata.audit.constants import AuditAction
from satudata.catalog.constants import Access
from satudata.catalog.models import ResourceVersion
from satudata.lib.security import embeddable

from . import charts, maps
from .cube import CubeError
from .indicators import (
    audience,
    cube_for,
    data_key,
    metadata_pairs,
    region_names,
    rendered,
    source_credit,
    source_version,
    sources,
    to_csv,
    to_jsonstat,
    to_sdmx_csv,
    to_xlsx,
)
from .models import Boundary, Indicator

KINDS = ("tren", "peringkat", "peta")
EXPORTS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "json-stat": ("application/json; charset=utf-8", "json"),
    "sdmx-csv": ("application/vnd.sdmx.data+csv; version=1.0.0; charset=utf-8", "sdmx.csv"),
}
MAX_COMPARE = 5


def _indicator(request, slug):
    indicator = get_object_or_404(
        Indicator.objects.select_related("organization", "resource__dataset__organization"),
        slug=slug,
    )
    authorize(request.user, "indicator.view", indicator)
    return indicator


def _cube_or_none(indicator):
    """(cube or None, problems); the data_key is kept on the indicator for the caches."""
    try:
        indicator.data_key = data_key(indicator)
        return cube_for(indicator, key=indicator.data_key), []
    except CubeError as error:
        return None, error.problems


def _cube(indicator):
    cube, _problems = _cube_or_none(indicator)
    if cube is None:
        raise Http404
    return cube


def _cache_key(request, indicator, *parts):
    """The key of a rendering: call only after authorize(…, "indicator.view", indicator)."""
    return (indicator.data_key, get_language(), audience(request.user), *parts)


def _boundaries_version():
    from django.db.models import Count, Max

    found = Boundary.objects.aggregate(n=Count("pk"), last=Max("loaded_at"))
    return (found["n"], found["last"].isoformat() if found["last"] else "")


def _summary(indicator, cube):
    latest = cube.latest() if cube else None
    if latest is None:
        return None
    period, value, before_period, before = latest
    change = None if before is None else value - before
    return {
        "period": period,
        "value": charts.number(value, indicator.decimals),
        "before_period": before_period,
        "change": None if change is None else charts.number(abs(change), indicator.decimals),
        "direction": None
        if change is None
        else ("naik" if change > 0 else "turun" if change < 0 else "tetap"),
    }


@route("portal.browse")
def dashboard(request):
    """Indikator Utama first (in the Walidata's order), then every other indicator."""
    visible = Indicator.objects.visible_to(request.user)
    cards = []
    for indicator in visible:
        cube, _problems = _cube_or_none(indicator)
        cards.append({"indicator": indicator, "summary": _summary(indicator, cube)})
    key = [c for c in cards if c["indicator"].is_key]
    rest = sorted(
        (c for c in cards if not c["indicator"].is_key), key=lambda c: c["indicator"].name
    )
    return render(
        request,
        "stats/dashboard.html",
        {
            "key_cards": key,
            "other_cards": rest,
            "can_curate": can(request.user, "indicator.curate"),
            "show_access": can(request.user, "catalog.see_access_facet"),
        },
    )


def _chosen_regions(request, cube):
    allowed = [cube.province, *cube.regions]
    chosen = [c for c in dict.fromkeys(request.GET.getlist("wilayah")) if c in allowed]
    return chosen[:MAX_COMPARE]


def _chosen_period(request, cube):
    period = request.GET.get("periode", "")
    return period if period in cube.periods else (cube.periods[-1] if cube.periods else "")


def _description_trend(indicator, series, names):
    parts = []
    for code, points in series.items():
        if not points:
            continue
        (p0, v0), (p1, v1) = points[0], points[-1]
        parts.append(
            _("%(name)s: %(v0)s (%(p0)s) menjadi %(v1)s (%(p1)s)")
            % {
                "name": names.get(code, code),
                "v0": charts.number(v0, indicator.decimals),
                "p0": p0,
                "v1": charts.number(v1, indicator.decimals),
                "p1": p1,
            }
        )
    return "; ".join(parts) + "."


def _trend(indicator, cube, regions):
    """(spec, title, description, rows) of the trend chart for the chosen or default regions."""
    names = region_names([cube.province, *cube.regions])
    codes = regions or ([cube.province] if cube.series(cube.province) else cube.regions[:1])
    series = {code: cube.series(code) for code in codes}
    spec = charts.trend_spec(
        {names.get(c, c): pts for c, pts in series.items()},
        unit=indicator.unit,
        decimals=indicator.decimals,
    )
    title = _("%(name)s menurut periode") % {"name": indicator.name}
    rows = [
        (
            names.get(c, c),
            [charts.number(dict(pts).get(p), indicator.decimals) for p in cube.periods],
        )
        for c, pts in series.items()
    ]
    return spec, title, _description_trend(indicator, series, names), rows


def _ranked(indicator, cube, period, highlight=()):
    names = region_names(cube.regions)
    ranked = cube.ranked(period)
    pairs = [(maps.short_name(names.get(c, c)), v) for c, v in ranked]
    spec = charts.ranked_spec(
        pairs,
        unit=indicator.unit,
        decimals=indicator.decimals,
        highlight={maps.short_name(names.get(c, c)) for c in highlight},
    )
    title = _("%(name)s menurut kabupaten/kota, %(period)s") % {
        "name": indicator.name,
        "period": period,
    }
    if ranked:
        description = _(
            "Tertinggi %(top)s (%(tv)s), terendah %(bottom)s (%(bv)s), dari %(n)d kabupaten/kota."
        ) % {
            "top": names.get(ranked[0][0]),
            "tv": charts.number(ranked[0][1], indicator.decimals),
            "bottom": names.get(ranked[-1][0]),
            "bv": charts.number(ranked[-1][1], indicator.decimals),
            "n": len(ranked),
        }
    else:
        description = _("Tidak ada nilai kabupaten/kota untuk periode ini.")
    rows = [(names.get(c, c), charts.number(v, indicator.decimals)) for c, v in ranked]
    return spec, title, description, rows


def _map_text(indicator, period):
    title = _("Peta %(name)s, %(period)s") % {"name": indicator.name, "period": period}
    description = _("Peta kabupaten/kota; warna lebih gelap berarti nilai lebih tinggi.")
    return title, description


def _map(indicator, cube, period):
    names = region_names(cube.regions)
    values = {c: cube.headline.get((c, period)) for c in cube.regions}
    values = {c: v for c, v in values.items() if v is not None}
    title, description = _map_text(indicator, period)
    boundaries = dict(
        Boundary.objects.filter(region_code__in=cube.regions).values_list("region_code", "geometry")
    )
    svg = None
    if boundaries:
        svg = maps.choropleth(
            boundaries,
            values,
            names,
            title=title,
            description=description,
            unit=indicator.unit,
            decimals=indicator.decimals,
        )
    if svg is None:
        svg = maps.tile_map(
            values,
            names,
            title=title,
            description=description,
            unit=indicator.unit,
            decimals=indicator.decimals,
        )
    return svg, title, description


def _pivot(request, indicator, cube):
    """A table with the chosen dimensions in rows and columns; the others fixed by the form."""
    names = region_names([cube.province, *cube.regions])
    dims = {
        "wilayah": (
            _("Wilayah"),
            [cube.province, *cube.regions]
            if any(k[0] == cube.province for k in cube.headline)
            else cube.regions,
        ),
        "periode": (_("Periode"), cube.periods),
    }
    for column, title, values in cube.breakdowns:
        dims[column] = (title, ["Total", *values])
    rows_dim = request.GET.get("baris") if request.GET.get("baris") in dims else "wilayah"
    cols_dim = request.GET.get("kolom") if request.GET.get("kolom") in dims else "periode"
    if cols_dim == rows_dim:
        cols_dim = next(d for d in dims if d != rows_dim)
    fixed = {}
    for dim, (_title, values) in dims.items():
        if dim in (rows_dim, cols_dim):
            continue
        chosen = request.GET.get(f"pilih_{dim}")
        default = values[-1] if dim == "periode" else values[0]
        fixed[dim] = chosen if chosen in values else default

    def label(dim, value):
        return names.get(value, value) if dim == "wilayah" else value

    def value_at(coords):
        region, period = coords["wilayah"], coords["periode"]
        rest = [coords.get(c, "Total") for c, _t, _v in cube.breakdowns]
        if all(x == "Total" for x in rest):
            return cube.headline.get((region, period))
        return cube.cells.get((region, period, *rest))

    table = []
    for r in dims[rows_dim][1]:
        cells = []
        for c in dims[cols_dim][1]:
            value = value_at({**fixed, rows_dim: r, cols_dim: c})
            cells.append(charts.number(value, indicator.decimals))
        table.append((label(rows_dim, r), cells))
    return {
        "dims": [(d, t) for d, (t, _v) in dims.items()],
        "rows_dim": rows_dim,
        "cols_dim": cols_dim,
        "header": [label(cols_dim, c) for c in dims[cols_dim][1]],
        "table": table,
        "fixed": [(d, dims[d][0], [(v, label(d, v)) for v in dims[d][1]], fixed[d]) for d in fixed],
        "row_title": dims[rows_dim][0],
    }


# Request parameters of the pivot table (its rows, columns and fixed values); a request with
# more, or longer values, is answered without the cache (no valid choice is that long).
MAX_PIVOT_PARAMS = 20
MAX_PARAM_LENGTH = 200


def _pivot_params(request):
    """The pivot's parameters as a sorted tuple, or None when they are too many or too long."""
    items = [
        (name, value)
        for name in sorted(request.GET)
        if name in ("baris", "kolom") or name.startswith("pilih_")
        for value in request.GET.getlist(name)[:1]
    ]
    if len(items) > MAX_PIVOT_PARAMS or any(
        len(n) > MAX_PARAM_LENGTH or len(v) > MAX_PARAM_LENGTH for n, v in items
    ):
        return None
    return tuple(items)


def _data_section(request, indicator, cube, period, chosen, compare_error, explicit_period):
    """The HTML of the parts of the page made from the cube (the same for every reader)."""
    names = region_names([cube.province, *cube.regions])
    _spec, trend_title, trend_text, trend_rows = _trend(indicator, cube, chosen)
    _spec, rank_title, rank_text, rank_rows = _ranked(indicator, cube, period, chosen)
    map_title, map_text = _map_text(indicator, period)
    params = [("periode", period)] if explicit_period else []
    params += [("wilayah", c) for c in chosen]
    context = {
        "indicator": indicator,
        "cube": cube,
        "summary": _summary(indicator, cube),
        "period": period,
        "chosen": chosen,
        "compare_error": compare_error,
        "regions": [(c, names.get(c, c)) for c in [cube.province, *cube.regions] if cube.series(c)],
        "trend": {"title": trend_title, "text": trend_text, "rows": trend_rows},
        "rank": {"title": rank_title, "text": rank_text, "rows": rank_rows},
        "map": {"title": map_title, "text": map_text},
        "query": f"?{urlencode(params)}" if params else "",
        "pivot": _pivot(request, indicator, cube),
    }
    return mark_safe(render_to_string("stats/_indicator_data.html", context))  # noqa: S308  # nosec B308, B703  # output of an autoescaped template


@route("indicator.view")
def indicator(request, slug):
    indicator = _indicator(request, slug)  # the permission check, before any cache is read
    cube, problems = _cube_or_none(indicator)
    context = {
        "indicator": indicator,
        "problems": problems
        if can(request.user, "indicator.curate") or not indicator.is_published
        else [],
        "metadata": metadata_pairs(indicator),
        "sources": sources(indicator),
        "credit": source_credit(indicator),
        "show_access": can(request.user, "catalog.see_access_facet"),
        "exports": list(EXPORTS),
        "cube": cube,
    }
    if cube is not None:
        period = _chosen_period(request, cube)
        explicit_period = request.GET.get("periode") == period
        chosen = _chosen_regions(request, cube)
        compare_error = ""
        if request.GET.getlist("wilayah") and not 2 <= len(chosen) <= MAX_COMPARE:
            compare_error = _("Pilih 2 sampai 5 wilayah untuk dibandingkan.")
            chosen = []

        def make():
            return _data_section(
                request, indicator, cube, period, chosen, compare_error, explicit_period
            )

        pivot = _pivot_params(request)
        if pivot is None:
            context["data_html"] = make()
        else:
            key = _cache_key(
                request,
                indicator,
                "page",
                period,
                explicit_period,
                tuple(chosen),
                bool(compare_error),
                pivot,
            )
            context["data_html"] = rendered(key, make)
    return render(request, "stats/indicator.html", context)


def _draw(indicator, cube, kind, period, chosen):
    """(SVG bytes, title, description) of one picture of an indicator."""
    if kind == "tren":
        spec, title, text, _rows = _trend(indicator, cube, chosen)
        return charts.svg(spec), title, text
    if kind == "peringkat":
        spec, title, text, _rows = _ranked(indicator, cube, period, chosen)
        return charts.svg(spec), title, text
    return _map(indicator, cube, period)


def _picture(request, indicator, cube, kind):
    """(SVG bytes, title, description) of one picture, cached by data version and choices."""
    if kind not in KINDS:
        raise Http404
    period = _chosen_period(request, cube)
    chosen = tuple(_chosen_regions(request, cube))
    drawn_from = _boundaries_version() if kind == "peta" else ()
    key = _cache_key(request, indicator, "picture", kind, period, chosen, drawn_from)
    return rendered(key, lambda: _draw(indicator, cube, kind, period, list(chosen)))


def _picture_response(indicator, body, content_type):
    response = HttpResponse(body, content_type=content_type)
    # Terbuka pictures may sit in shared caches; anything else stays in the reader's browser.
    public = indicator.access == Access.OPEN and indicator.is_published
    response["Cache-Control"] = "public, max-age=3600" if public else "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@route("indicator.view")
def chart(request, slug, kind, fmt):
    indicator = _indicator(request, slug)
    cube = _cube(indicator)
    if kind not in KINDS or fmt not in ("svg", "png"):
        raise Http404
    svg, title, text = _picture(request, indicator, cube, kind)
    if fmt == "svg":
        return _picture_response(indicator, svg, "image/svg+xml")
    latest = cube.latest()
    lines = [
        title if kind != "tren" else f"{indicator.name} ({cube.periods[0]}–{cube.periods[-1]})"
    ]
    if latest:
        lines = [
            _("Provinsi %(period)s: %(value)s %(unit)s")
            % {
                "period": latest[0],
                "value": charts.number(latest[1], indicator.decimals),
                "unit": indicator.unit,
            }
        ]
    card = charts.share_card(
        title=indicator.name,
        lines=[
            title
            if kind != "tren"
            else _("Periode %(a)s–%(b)s") % {"a": cube.periods[0], "b": cube.periods[-1]},
            *lines,
        ],
        chart_svg=svg,
        credit=_("Sumber: %(source)s") % {"source": source_credit(indicator)},
        site=settings.SITE_URL.split("://", 1)[-1].rstrip("/"),
    )
    response = _picture_response(indicator, charts.png_from_svg(card), "image/png")
    response["Content-Disposition"] = f'inline; filename="{indicator.slug}-{kind}.png"'
    return response


@route("indicator.view")
def download(request, slug, fmt):
    indicator = _indicator(request, slug)
    cube = _cube(indicator)
    if fmt not in EXPORTS:
        raise Http404
    url = request.build_absolute_uri(indicator.get_absolute_url())
    body = {
        "csv": lambda: to_csv(indicator, cube),
        "xlsx": lambda: to_xlsx(indicator, cube),
        "json-stat": lambda: to_jsonstat(indicator, cube, url),
        "sdmx-csv": lambda: to_sdmx_csv(indicator, cube),
    }[fmt]()
    content_type, extension = EXPORTS[fmt]
    if indicator.access != Access.OPEN:
        version = source_version(indicator)
        if version is not None:
            from satudata.ingest.views import audit_restricted_download

            audit_restricted_download(request, version, f"indikator:{fmt}")
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{indicator.slug}.{extension}"'
    return response


@route("indicator.view")
def embed(request, slug):
    """The snippets to put a chart on another site: an <iframe> and a plain image link."""
    indicator = _indicator(request, slug)
    cube = _cube(indicator)
    base = settings.SITE_URL.rstrip("/")
    items = []
    for kind, label in (
        ("tren", _("Grafik tren")),
        ("peringkat", _("Peringkat kabupaten/kota")),
        ("peta", _("Peta")),
    ):
        frame = base + reverse("stats:frame", args=[indicator.slug, kind])
        image = base + reverse("stats:chart", args=[indicator.slug, kind, "png"])
        items.append(
            {
                "kind": kind,
                "label": label,
                "svg": reverse("stats:chart", args=[indicator.slug, kind, "svg"]),
                "frame_url": frame,
                "image_url": image,
                # Code for other sites: the name is data, escaped for its attribute.
                "iframe": f'<iframe src="{frame}" width="640" height="480" style="border:0" '
                f'title="{escape(indicator.name)} — {label}" loading="lazy"></iframe>',
                "img": f'<a href="{base}{indicator.get_absolute_url()}"><img src="{image}" '
                f'alt="{escape(indicator.name)} — {label}" width="600"></a>',
            }
        )
    return render(
        request,
        "stats/embed.html",
        {"indicator": indicator, "items": items, "credit": source_credit(indicator), "cube": cube},
    )


@embeddable
@route("indicator.view")
def frame(request, slug, kind):
    """A bare page for an <iframe>: one chart, its description and the credit."""
    indicator = _indicator(request, slug)
    cube = _cube(indicator)
    if kind not in KINDS:
        raise Http404
    _svg, title, text = _picture(request, indicator, cube, kind)
    return render(
        request,
        "stats/frame.html",
        {
            "indicator": indicator,
            "kind": kind,
            "title": title,
            "text": text,
            "credit": source_credit(indicator),
            "site": settings.SITE_URL.rstrip("/"),
        },
    )


@route("indicator.curate")
@require_http_methods(["GET", "POST"])
def curate(request):
    """The Walidata's list: which indicators are published and which are Indikator Utama, in what order."""
    authorize(request.user, "indicator.curate")
    items = list(Indicator.objects.select_related("organization").order_by("position", "name"))
    if request.method == "POST":
        changed = 0
        with transaction.atomic():
            for item in items:
                before = {
                    "is_key": item.is_key,
                    "is_published": item.is_published,
                    "position": item.position,
                }
                try:
                    position = max(
                        0, min(9999, int(request.POST.get(f"urutan-{item.pk}", item.position)))
                    )
                except ValueError:
                    position = item.position
                after = {
                    "is_key": f"utama-{item.pk}" in request.POST,
                    "is_published": f"terbit-{item.pk}" in request.POST,
                    "position": position,
                }
                if after != before:
                    for field, value in after.items():
                        setattr(item, field, value)
                    item.save(update_fields=[*after, "modified_at"])
                    record(
                        AuditAction.INDICATOR_CURATE,
                        item,
                        actor=request.user,
                        request=request,
                        before=before,
                        after=after,
                    )
                    changed += 1
        messages.success(request, _("%(n)d indikator diperbarui.") % {"n": changed})
        return redirect("stats:curate")
    return render(request, "stats/curate.html", {"items": items})


@route("version.query")
def dataset_chart(request, version_id, kind):
    """The chart a dataset page suggests for a table version (see templatetags/stats_charts)."""
    from .suggest import suggestion_picture

    version = get_object_or_404(
        ResourceVersion.objects.select_related("resource__dataset"),
        pk=version_id,
        published_at__isnull=False,
    )
    authorize(request.user, "version.query", version)
    body = suggestion_picture(version, kind)
    if body is None:
        raise Http404
    response = HttpResponse(body, content_type="image/svg+xml")
    dataset = version.resource.dataset
    response["Cache-Control"] = (
        "public, max-age=3600" if dataset.access == Access.OPEN else "private, max-age=300"
    )
    return response


MAX_PREVIEW_ROWS = 30


def _preview_table(indicator, cube):
    """(periods, [(region name, [values])]) of the headline, province first, for the preview."""
    regions, periods = [cube.province, *cube.regions], cube.periods
    names = region_names(regions)
    rows = [
        (
            names.get(r, r),
            [charts.number(cube.headline.get((r, p)), indicator.decimals) for p in periods],
        )
        for r in regions
        if any((r, p) in cube.headline for p in periods)
    ]
    return periods, rows[:MAX_PREVIEW_ROWS], len(rows)


@route("indicator.manage")
@require_http_methods(["GET", "POST"])
def manage(request, slug=None):
    """Create or edit an indicator: choose a table and its columns (or a formula), the MS-Ind
    metadata, preview the checked cube, save (audited). Works as plain form posts."""
    from .forms import IndicatorForm, preview, snapshot

    existing = None
    if slug is not None:
        existing = get_object_or_404(
            Indicator.objects.select_related("organization", "resource__dataset"), slug=slug
        )
        authorize(request.user, "indicator.manage", existing)
    else:
        authorize(request.user, "indicator.manage")
    instance = existing or Indicator()
    action = request.POST.get("aksi", "") if request.method == "POST" else ""
    result = {"cube": None, "problems": [], "done": False}
    if action == "pilih":
        # Fill the column lists from the chosen table; no errors for what is not filled in yet.
        multi = ("breakdown_columns", "components")
        initial = {
            k: (request.POST.getlist(k) if k in multi else request.POST.get(k))
            for k in request.POST
            if k not in ("csrfmiddlewaretoken", "aksi")
        }
        form = IndicatorForm(instance=instance, initial=initial)
        if form.version is not None:
            dataset = form.version.resource.dataset
            if not initial.get("organization"):
                form.initial["organization"] = dataset.organization_id
            if not existing:
                form.initial["access"] = dataset.access
    elif request.method == "POST":
        form = IndicatorForm(request.POST, instance=instance)
        if form.is_valid():
            candidate = form.save(commit=False)
            components = list(form.cleaned_data.get("components") or [])
            cube, problems = preview(candidate, form.version, components)
            result.update({"cube": cube, "problems": problems})
            if cube is not None and action == "simpan":
                before = None
                if existing is not None:
                    old = Indicator.objects.get(pk=existing.pk)
                    before = snapshot(old, list(old.components.all()))
                with transaction.atomic():
                    candidate.save()
                    candidate.components.set(components)
                    record(
                        AuditAction.INDICATOR_CHANGE if existing else AuditAction.INDICATOR_CREATE,
                        candidate,
                        actor=request.user,
                        request=request,
                        before=before,
                        after=snapshot(candidate, components),
                    )
                messages.success(
                    request,
                    _("Indikator %(name)s disimpan.") % {"name": candidate.name}
                    + (
                        ""
                        if candidate.is_published
                        else " " + _("Terbitkan di halaman Atur indikator.")
                    ),
                )
                return redirect(candidate.get_absolute_url())
            if cube is not None:
                periods, rows, total = _preview_table(candidate, cube)
                result.update(
                    {
                        "periods": periods,
                        "rows": rows,
                        "total_rows": total,
                        "summary": _summary(candidate, cube),
                        "cells": len(cube.cells),
                    }
                )
    else:
        form = IndicatorForm(instance=instance)
    return render(
        request,
        "stats/manage.html",
        {"form": form, "indicator": existing, "preview": result, "action": action},
    )
