"""Charts a dataset page suggests for a table: a line over time and a bar and map by kab/kota.

Read from the column roles ingestion put in the version's schema (`satudata:role`): a
kab/kota code column (level 2), a period column and a numeric measure. Counts (integers or
the measure "jumlah") are summed over the other columns; anything else is averaged, and
the axis says so.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from satudata.ingest.schema import connect
from satudata.lib import filestore

from . import charts, maps
from .indicators import region_names

MAX_GROUPS = 400


def plan(version):
    """{'region', 'period', 'measure', 'how'} (field dicts with their alias) or None."""
    if not version.parquet_key:
        return None
    fields = [dict(f, alias=f"c{i}") for i, f in enumerate(version.schema.get("fields", []))]
    regions = [f for f in fields if f.get("satudata:role") == "region_code"]
    region = next((f for f in regions if f.get("satudata:level") == 2), None)
    period = next((f for f in fields if f.get("satudata:role") == "period"), None)
    measure = next(
        (
            f
            for f in fields
            if f.get("satudata:role") == "measure" and f.get("type") in ("integer", "number")
        ),
        None,
    )
    if measure is None or (region is None and period is None):
        return None
    counted = (
        measure.get("type") == "integer" or str(measure.get("measure", "")).lower() == "jumlah"
    )
    return {
        "fields": fields,
        "region": region,
        "period": period,
        "measure": measure,
        "how": "sum" if counted else "avg",
        "kinds": [k for k, ok in (("tren", period), ("peringkat", region), ("peta", region)) if ok],
    }


def _query(version, p, group, where=None):
    # a hash key, or a private temporary file: no quote can be in it
    with filestore.readable_path(version.parquet_key) as path:
        literal = "'" + str(path).replace("'", "''") + "'"
        return _run(literal, p, group, where)


def _run(literal, p, group, where):
    aliases = ", ".join(f["alias"] for f in p["fields"])
    how = "sum" if p["how"] == "sum" else "avg"
    sql = (
        f"SELECT CAST({group} AS VARCHAR) AS g, {how}(CAST({p['measure']['alias']} AS DOUBLE)) "  # nosec B608  # aliases are made by code (c0…), the path is an escaped literal
        f"FROM read_parquet({literal}) AS t({aliases})"
    )
    params = []
    if where is not None:
        sql += f" WHERE CAST({where[0]} AS VARCHAR) = $1"
        params.append(where[1])
    sql += f" GROUP BY 1 HAVING g IS NOT NULL ORDER BY 1 LIMIT {MAX_GROUPS}"
    con = connect(threads=1, memory_limit="256MB")
    try:
        return [(g, v) for g, v in con.execute(sql, params).fetchall() if v is not None]
    finally:
        con.close()


def _label(p):
    title = p["measure"].get("title") or p["measure"]["name"]
    if p["how"] == "sum":
        return _("Jumlah %(t)s") % {"t": title}
    return _("Rata-rata %(t)s") % {"t": title}


def suggestion_picture(version, kind):
    """The SVG bytes of a suggested chart, or None when the table does not fit that chart."""
    p = plan(version)
    if p is None or kind not in p["kinds"]:
        return None
    unit = p["measure"].get("unit", "")
    if kind == "tren":
        points = _query(version, p, p["period"]["alias"])
        if len(points) < 2:
            return None
        return charts.svg(charts.trend_spec({_label(p): points}, unit=unit))
    latest = None
    if p["period"]:
        periods = _query(version, p, p["period"]["alias"])
        latest = periods[-1][0] if periods else None
    where = (p["period"]["alias"], latest) if latest else None
    values = dict(_query(version, p, p["region"]["alias"], where))
    names = region_names(values)
    if kind == "peringkat":
        ranked = sorted(values.items(), key=lambda kv: -kv[1])
        pairs = [(maps.short_name(names.get(c, c)), v) for c, v in ranked]
        return charts.svg(charts.ranked_spec(pairs, unit=unit))
    if not set(values) & set(maps.NTT_DETAILS) or settings.HOME_REGION != "53":
        return None
    title = _label(p) + (f", {latest}" if latest else "")
    return maps.tile_map(values, names, title=title, description=title, unit=unit)
