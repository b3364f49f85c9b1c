"""Reading indicators: their source version, their cube (cached per data version), exports."""

from __future__ import annotations

import csv
import io
import json
import threading
from collections import OrderedDict

from django.conf import settings
from django.utils.translation import gettext as _

from satudata.catalog.models import ResourceVersion
from satudata.lib.spreadsheet import XLSXWRITER_OPTIONS, neutralise_row, write_text_cell
from satudata.regions.models import Region

from . import cube as cubes
from .cube import CubeError

MAX_COMPONENT_DEPTH = 4
_CACHE_SIZE = 256
_cache: OrderedDict = OrderedDict()
_lock = threading.Lock()


def source_version(indicator):
    """The newest published version with validated data of the indicator's table, or None."""
    if not indicator.resource_id:
        return None
    return (
        ResourceVersion.objects.filter(
            resource_id=indicator.resource_id, published_at__isnull=False
        )
        .exclude(parquet_key="")
        .order_by("-number")
        .first()
    )


def data_key(indicator, depth=0):
    """What the cube depends on: the indicator's settings and its data versions (hashes)."""
    if depth > MAX_COMPONENT_DEPTH:
        raise CubeError([_("Indikator pembangun bertingkat terlalu dalam (atau melingkar).")])
    parts = [str(indicator.pk), indicator.modified_at.isoformat()]
    if indicator.is_composite:
        for component in indicator.components.order_by("slug"):
            parts.append(data_key(component, depth + 1))
    else:
        version = source_version(indicator)
        parts.append(version.parquet_key if version else "-")
    return "|".join(parts)


def cube_for(indicator, depth=0, key=None):
    """The cube of an indicator (cached by data_key); raises CubeError when it cannot be built.

    `key` is the indicator's data_key when the caller has computed it already.
    """
    key = key or data_key(indicator)
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    if indicator.is_composite:
        components = {c.formula_name: cube_for(c, depth + 1) for c in indicator.components.all()}
        result = cubes.composite(indicator, components)
    else:
        version = source_version(indicator)
        if version is None:
            raise CubeError(
                [_("Tabel sumber belum memiliki versi terbit dengan data tervalidasi.")]
            )
        result = cubes.build(indicator, version)
    with _lock:
        _cache[key] = result
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return result


def clear_cache():
    with _lock:
        _cache.clear()
    with _rendered_lock:
        _rendered.clear()


# --- renderings that depend only on the data version ---------------------------------------
#
# The parts of an indicator page made from its cube (tables, chart titles and descriptions,
# the map, pictures) are the same for everyone allowed to see the indicator, so they are kept
# in process, keyed by the indicator's data_key (settings + source versions), the language,
# the audience class and the normalised request parameters. Callers check `indicator.view`
# BEFORE asking this cache: it never decides who sees what, and a staff rendering is never
# looked up under a public key (the audience class is part of the key).

_RENDERED_SIZE = 512
_rendered: OrderedDict = OrderedDict()
_rendered_lock = threading.Lock()


def audience(user):
    """The visibility class a rendering is made for: the public or signed-in staff."""
    return "staff" if getattr(user, "is_authenticated", False) else "public"


def rendered(key, make):
    """The value cached under `key` (a tuple), made by `make()` on a miss (LRU, in process)."""
    with _rendered_lock:
        found = _rendered.get(key)
        if found is not None:
            _rendered.move_to_end(key)
            return found
    value = make()
    with _rendered_lock:
        _rendered[key] = value
        while len(_rendered) > _RENDERED_SIZE:
            _rendered.popitem(last=False)
    return value


def check(indicator):
    """Problems that stop the indicator from being built (empty when it builds)."""
    try:
        if indicator.is_composite:
            cubes.parse_formula(indicator.formula)
        cube_for(indicator)
    except CubeError as error:
        return error.problems
    return []


def region_names(codes):
    return dict(Region.objects.filter(code__in=list(codes)).values_list("code", "name"))


def sources(indicator, depth=0):
    """The datasets an indicator's numbers come from (through its components too)."""
    if depth > MAX_COMPONENT_DEPTH:
        return []
    if indicator.is_composite:
        found = []
        for component in indicator.components.select_related("resource__dataset"):
            for dataset in sources(component, depth + 1):
                if dataset not in found:
                    found.append(dataset)
        return found
    return [indicator.resource.dataset] if indicator.resource_id else []


def source_credit(indicator):
    names = [d.organization.name for d in sources(indicator)] or [indicator.organization.name]
    return ", ".join(dict.fromkeys(names))


# --- tables and exports ---------------------------------------------------------------------


def long_rows(indicator, cube):
    """Every cell as a dict: the headline (kab/kota and province) then breakdown cells."""
    names = region_names([*cube.regions, cube.province])
    rows = []
    for (region, period), value in sorted(
        cube.headline.items(),
        key=lambda kv: (kv[0][0] != cube.province, kv[0][0], cubes._period_key(kv[0][1])),
    ):
        row = {"kode_wilayah": region, "nama_wilayah": names.get(region, region), "periode": period}
        for column, _title, _values in cube.breakdowns:
            row[column] = "Total"
        row["nilai"] = round(value, indicator.decimals)
        rows.append(row)
    if cube.breakdowns:
        for key, value in sorted(cube.cells.items()):
            region, period, *rest = key
            if all(str(x).lower() in cubes.TOTAL_LABELS for x in rest):
                continue  # already in the headline rows
            row = {
                "kode_wilayah": region,
                "nama_wilayah": names.get(region, region),
                "periode": period,
            }
            for (column, _t, _v), x in zip(cube.breakdowns, rest, strict=True):
                row[column] = x
            row["nilai"] = round(value, indicator.decimals)
            rows.append(row)
    return rows


def series_rows(indicator, cube):
    """Every cell as a dict for the API: the headline rows (breakdowns "Total") then the
    breakdown cells, each with a status: `observed` (a row of the source table), `aggregated`
    (combined from kab/kota or breakdowns by the indicator's aggregation) or `computed` (a
    composite indicator's formula)."""
    names = region_names([*cube.regions, cube.province])
    totals = {k[:2] for k in cube.cells if all(str(x).lower() in cubes.TOTAL_LABELS for x in k[2:])}
    columns = [b[0] for b in cube.breakdowns]
    rows = []
    for (region, period), value in sorted(
        cube.headline.items(),
        key=lambda kv: (kv[0][0] != cube.province, kv[0][0], cubes._period_key(kv[0][1])),
    ):
        if indicator.is_composite:
            status = "computed"
        else:
            status = "observed" if (region, period) in totals else "aggregated"
        rows.append(
            {
                "region": {"code": region, "name": names.get(region, region)},
                "period": period,
                "breakdowns": dict.fromkeys(columns, "Total"),
                "value": round(value, indicator.decimals),
                "unit": indicator.unit,
                "status": status,
            }
        )
    if cube.breakdowns:
        for key, value in sorted(cube.cells.items()):
            region, period, *rest = key
            if all(str(x).lower() in cubes.TOTAL_LABELS for x in rest):
                continue  # already a headline row
            rows.append(
                {
                    "region": {"code": region, "name": names.get(region, region)},
                    "period": period,
                    "breakdowns": dict(zip(columns, rest, strict=True)),
                    "value": round(value, indicator.decimals),
                    "unit": indicator.unit,
                    "status": "observed",
                }
            )
    return rows


def to_csv(indicator, cube):
    rows = long_rows(indicator, cube)
    out = io.StringIO()
    header = [
        "kode_wilayah",
        "nama_wilayah",
        "periode",
        *(b[0] for b in cube.breakdowns),
        "nilai",
        "satuan",
    ]
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(neutralise_row(header))
    for row in rows:
        writer.writerow(neutralise_row([*(row[h] for h in header[:-1]), indicator.unit]))
    return out.getvalue().encode("utf-8")


def to_xlsx(indicator, cube):
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, **XLSXWRITER_OPTIONS})
    sheet = book.add_worksheet("data")
    bold = book.add_format({"bold": True})
    quoted = book.add_format({"quote_prefix": True})  # text like "=…" stays text
    rows = long_rows(indicator, cube)
    header = ["kode_wilayah", "nama_wilayah", "periode", *(b[0] for b in cube.breakdowns), "nilai"]
    for col, name in enumerate(header):
        write_text_cell(sheet, 0, col, name, quoted, bold)
    for i, row in enumerate(rows, start=1):
        for col, name in enumerate(header):
            write_text_cell(sheet, i, col, row[name], quoted)
    about = book.add_worksheet("metadata")
    for i, (label, value) in enumerate(metadata_pairs(indicator)):
        about.write_string(i, 0, str(label), bold)
        write_text_cell(about, i, 1, str(value), quoted)
    book.close()
    return buffer.getvalue()


def metadata_pairs(indicator):
    pairs = [
        (_("Nama indikator"), indicator.name),
        (_("Konsep"), indicator.concept),
        (_("Definisi"), indicator.definition),
        (_("Interpretasi"), indicator.interpretation),
        (_("Metode/rumus perhitungan"), indicator.method),
        (_("Ukuran"), indicator.measure),
        (_("Satuan"), indicator.unit),
        (_("Klasifikasi penyajian"), indicator.presentation),
        (_("Indikator komposit"), _("Ya") if indicator.is_composite else _("Tidak")),
        (_("Rumus komposit"), indicator.formula),
        (_("Level estimasi"), indicator.estimation_level),
        (_("Klasifikasi akses"), indicator.get_access_display()),
        (_("Produsen"), indicator.organization.name),
    ]
    return [(label, value) for label, value in pairs if value]


def headline_dimensions(indicator, cube):
    """(region codes, periods) of the headline table: province first, then kab/kota."""
    codes = [cube.province] if any(k[0] == cube.province for k in cube.headline) else []
    return codes + cube.regions, cube.periods


def to_jsonstat(indicator, cube, url=""):
    """A JSON-stat 2.0 dataset of the headline table (wilayah × periode), row-major."""
    regions, periods = headline_dimensions(indicator, cube)
    names = region_names(regions)
    values = [
        None if (r, p) not in cube.headline else round(cube.headline[(r, p)], indicator.decimals)
        for r in regions
        for p in periods
    ]
    document = {
        "version": "2.0",
        "class": "dataset",
        "label": indicator.name,
        "source": source_credit(indicator),
        "href": url,
        "id": ["wilayah", "periode"],
        "size": [len(regions), len(periods)],
        "role": {"geo": ["wilayah"], "time": ["periode"]},
        "dimension": {
            "wilayah": {
                "label": _("Wilayah"),
                "category": {
                    "index": {code: i for i, code in enumerate(regions)},
                    "label": {code: names.get(code, code) for code in regions},
                },
            },
            "periode": {
                "label": _("Periode"),
                "category": {"index": {p: i for i, p in enumerate(periods)}},
            },
        },
        "value": values,
        "extension": {"unit": indicator.unit, "decimals": indicator.decimals},
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def to_sdmx_csv(indicator, cube):
    """SDMX-CSV 1.0 (the flavour Power BI and sdmx1 read): one observation per line."""
    regions, periods = headline_dimensions(indicator, cube)
    agency = getattr(settings, "SDMX_AGENCY", "SATUDATA")
    flow = f"{agency}:{indicator.slug.upper().replace('-', '_')}(1.0)"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["DATAFLOW", "REF_AREA", "TIME_PERIOD", "OBS_VALUE", "UNIT_MEASURE"])
    for r in regions:
        for p in periods:
            if (r, p) in cube.headline:
                writer.writerow(
                    neutralise_row(
                        [
                            flow,
                            r,
                            p,
                            round(cube.headline[(r, p)], indicator.decimals),
                            indicator.unit,
                        ]
                    )
                )
    return out.getvalue().encode("utf-8")
