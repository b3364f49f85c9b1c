"""The indicator cube: region × period × breakdowns → one value, built with DuckDB and checked.

Safety: the SQL holds only positional aliases (``c0`` …) made here and a path from the
content-addressed store (a SHA-256 key); column names from the indicator are looked up in the
version's stored schema and replaced by their alias. Composite formulas are parsed with
``ast`` into a tiny grammar (numbers, names, + - * /, parentheses) and evaluated by walking
the tree; nothing is ever passed to ``eval``.
"""

from __future__ import annotations

import ast
import math
import operator
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from satudata.ingest.schema import connect
from satudata.lib import filestore

from .models import Aggregation, RegionCodes

TOTAL_LABELS = ("total", "jumlah", "semua")
MAX_EXAMPLES = 5
# Cells fetched at most; an indicator is a summary table, never a microdata file.
MAX_CELLS = 100_000


class CubeError(Exception):
    """The cube cannot be built; `problems` are sentences for the Walidata (Indonesian)."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


@dataclass
class Cube:
    """Cells keyed by (region code, period, *breakdown values), with the headline table.

    `headline[(region, period)]` is the value without breakdowns: the "Total" row of the
    breakdowns if there is one, else the breakdown values combined by `aggregation`; the
    province row is taken from the data, else combined from the kab/kota the same way.
    """

    province: str
    regions: list  # kab/kota codes present (Kemendagri), sorted
    periods: list  # period labels, in time order
    breakdowns: list  # [(column name, title, [values])]
    cells: dict
    aggregation: str = Aggregation.NONE
    headline: dict = field(default_factory=dict)

    def __post_init__(self):
        if not self.headline:
            self.headline = self._headline()

    def _combine(self, values):
        values = [v for v in values if v is not None]
        if not values:
            return None
        if self.aggregation == Aggregation.SUM:
            return math.fsum(values)
        if self.aggregation == Aggregation.MEAN:
            return math.fsum(values) / len(values)
        return None

    def _headline(self):
        out = {}
        codes = [*self.regions, self.province]
        groups: dict = {}
        for (region, period, *rest), value in self.cells.items():
            groups.setdefault((region, period), []).append((tuple(rest), value))
        for code in codes:
            for period in self.periods:
                items = groups.get((code, period))
                if not items:
                    continue
                if not self.breakdowns:
                    out[(code, period)] = items[0][1]
                    continue
                totals = [
                    v for rest, v in items if all(str(x).lower() in TOTAL_LABELS for x in rest)
                ]
                if totals:
                    out[(code, period)] = totals[0]
                else:
                    parts = [
                        v
                        for rest, v in items
                        if not any(str(x).lower() in TOTAL_LABELS for x in rest)
                    ]
                    out[(code, period)] = self._combine(parts)
        for period in self.periods:
            if (self.province, period) not in out:
                value = self._combine([out.get((r, period)) for r in self.regions])
                if value is not None:
                    out[(self.province, period)] = value
        return {k: v for k, v in out.items() if v is not None}

    def series(self, region):
        return [
            (p, self.headline[(region, p)]) for p in self.periods if (region, p) in self.headline
        ]

    def latest(self, region=None):
        """(period, value, previous period, previous value) of the newest value, or None."""
        points = self.series(region or self.province)
        if not points:
            return None
        period, value = points[-1]
        before = points[-2] if len(points) > 1 else (None, None)
        return period, value, before[0], before[1]

    def ranked(self, period):
        """[(region, value)] of the kab/kota in `period`, highest first."""
        pairs = [
            (r, self.headline[(r, period)]) for r in self.regions if (r, period) in self.headline
        ]
        return sorted(pairs, key=lambda p: -p[1])


# --- building from a table version --------------------------------------------------------


def _fields(version):
    return [f for f in version.schema.get("fields", []) if isinstance(f, dict)]


def _alias(fields, name, what):
    for i, f in enumerate(fields):
        if f.get("name") == name:
            return f"c{i}", f
    raise CubeError(
        [_("Kolom %(what)s '%(name)s' tidak ada di tabel.") % {"what": what, "name": name}]
    )


def _period_key(label):
    try:
        return (0, int(label), label)
    except ValueError:
        return (1, 0, label)


def _region_lookup(system):
    """code as written in the data → Kemendagri code, for the known regions."""
    from satudata.regions.models import Region

    rows = Region.objects.filter(level__lte=2).values_list("code", "bps_code")
    if system == RegionCodes.BPS:
        return {bps: code for code, bps in rows if bps}
    return {code: code for code, _bps in rows}


def read_rows(version, indicator):
    """Distinct (region, period, *breakdowns) groups with their row count and value."""
    if not version.parquet_key:
        raise CubeError([_("Versi tabel sumber belum memiliki data tervalidasi (Parquet).")])
    fields = _fields(version)
    region, _f = _alias(fields, indicator.region_column, _("kode wilayah"))
    period, _f = _alias(fields, indicator.period_column, _("periode"))
    value, value_field = _alias(fields, indicator.value_column, _("nilai"))
    if value_field.get("type") not in ("number", "integer"):
        raise CubeError(
            [_("Kolom nilai '%(name)s' bukan kolom angka.") % {"name": indicator.value_column}]
        )
    breakdowns = [_alias(fields, b, _("rincian"))[0] for b in indicator.breakdown_columns]
    if not filestore.exists(version.parquet_key):
        raise CubeError([_("Berkas Parquet versi sumber tidak ditemukan.")])
    # a hash key, or a private temporary file: no quote can be in it
    with filestore.readable_path(version.parquet_key) as path:
        literal = "'" + str(path).replace("'", "''") + "'"
        return _read(literal, fields, region, period, value, breakdowns)


def _read(literal, fields, region, period, value, breakdowns):
    aliases = ", ".join(f"c{i}" for i in range(len(fields)))
    keys = [f"CAST({region} AS VARCHAR)", f"CAST({period} AS VARCHAR)"] + [
        f"CAST({b} AS VARCHAR)" for b in breakdowns
    ]
    sql = (
        f"SELECT {', '.join(keys)}, count(*), count({value}), any_value(CAST({value} AS DOUBLE)) "  # nosec B608  # aliases are made by code (c0…), the path is an escaped literal; values are bound
        f"FROM read_parquet({literal}) AS t({aliases}) GROUP BY ALL LIMIT $1"
    )
    limit = MAX_CELLS
    con = connect(threads=1, memory_limit="256MB")
    try:
        rows = con.execute(sql, [limit + 1]).fetchall()
    finally:
        con.close()
    if len(rows) > limit:
        raise CubeError([_("Kubus terlalu besar: lebih dari %(n)d sel.") % {"n": limit}])
    return rows


def build(indicator, version):
    """The checked cube of a table-fed indicator; raises CubeError listing every problem."""
    rows = read_rows(version, indicator)
    province = settings.HOME_REGION
    lookup = _region_lookup(indicator.region_codes)
    problems = []
    nb = len(indicator.breakdown_columns)
    cells = {}
    duplicates, unknown, empty_keys, empty_values = [], set(), 0, []
    for row in rows:
        keys, n, n_values, value = row[: 2 + nb], row[2 + nb], row[3 + nb], row[4 + nb]
        if any(k is None or not str(k).strip() for k in keys[:2]):
            empty_keys += n
            continue
        written = str(keys[0]).strip()
        code = lookup.get(written)
        if code is None:
            unknown.add(written)
            continue
        key = (code, str(keys[1]).strip(), *("" if k is None else str(k).strip() for k in keys[2:]))
        if n > 1 or key in cells:
            duplicates.append(key)
            continue
        if n_values == 0 or value is None or not math.isfinite(value):
            empty_values.append(key)
            continue
        cells[key] = value
    if empty_keys:
        problems.append(_("%(n)d baris tanpa kode wilayah atau periode.") % {"n": empty_keys})
    if unknown:
        problems.append(
            _("Kode wilayah tidak dikenal: %(codes)s.")
            % {"codes": ", ".join(sorted(unknown)[:MAX_EXAMPLES])}
        )
    if duplicates:
        problems.append(
            _("Lebih dari satu nilai untuk sel yang sama (%(n)d sel), misalnya %(examples)s.")
            % {"n": len(duplicates), "examples": _examples(duplicates)}
        )
    if empty_values:
        problems.append(
            _("Nilai kosong pada %(n)d sel, misalnya %(examples)s.")
            % {"n": len(empty_values), "examples": _examples(empty_values)}
        )
    present = cells.keys() | set(empty_values) | set(duplicates)
    periods = sorted({k[1] for k in present}, key=_period_key)
    if periods and all(_period_key(p)[0] == 0 for p in periods):
        years = [int(p) for p in periods]
        missing = sorted(set(range(years[0], years[-1] + 1)) - set(years))
        if missing:
            problems.append(
                _("Periode terputus: tidak ada data untuk %(periods)s.")
                % {"periods": ", ".join(str(y) for y in missing[:MAX_EXAMPLES])}
            )
    groups = {(k[0], *k[2:]) for k in present}
    gaps = [
        (g[0], p, *g[1:])
        for g in sorted(groups)
        for p in periods
        if (g[0], p, *g[1:]) not in present
    ]
    if gaps:
        problems.append(
            _("Sel tanpa baris (%(n)d), misalnya %(examples)s.")
            % {"n": len(gaps), "examples": _examples(gaps)}
        )
    if problems:
        raise CubeError(problems)
    if not cells:
        raise CubeError([_("Tabel sumber tidak berisi nilai.")])
    fields = {f.get("name"): f for f in _fields(version)}
    breakdowns = [
        (
            name,
            fields.get(name, {}).get("title") or name,
            sorted({k[2 + i] for k in cells}),
        )
        for i, name in enumerate(indicator.breakdown_columns)
    ]
    regions = sorted({k[0] for k in cells} - {province})
    return Cube(province, regions, periods, breakdowns, cells, indicator.aggregation)


def _examples(keys):
    return "; ".join(" / ".join(str(x) for x in k if x != "") for k in keys[:MAX_EXAMPLES])


# --- composite indicators -------------------------------------------------------------------

_OPERATORS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
MAX_FORMULA_NODES = 60


def parse_formula(text):
    """The formula's syntax tree and the names it uses; refuses anything beyond the grammar."""
    bad = CubeError(
        [_("Rumus hanya boleh memuat angka, nama indikator, + - * / dan tanda kurung.")]
    )
    if not isinstance(text, str) or not text.strip() or len(text) > 500:
        raise bad
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        raise bad from None
    names = []
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_FORMULA_NODES:
        raise bad
    for node in nodes:
        if isinstance(node, ast.Expression | ast.Load):
            continue
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            continue
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            continue
        if isinstance(node, ast.Add | ast.Sub | ast.Mult | ast.Div | ast.USub | ast.UAdd):
            continue
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            continue
        if isinstance(node, ast.Name):
            names.append(node.id)
            continue
        raise bad
    return tree, sorted(set(names))


def evaluate(tree, values):
    """The formula's value for {name: number}; None when a value is missing or a divisor is 0."""

    def walk(node):
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return values.get(node.id)
        if isinstance(node, ast.UnaryOp):
            operand = walk(node.operand)
            if operand is None:
                return None
            return -operand if isinstance(node.op, ast.USub) else operand
        left, right = walk(node.left), walk(node.right)
        if left is None or right is None:
            return None
        if isinstance(node.op, ast.Div) and right == 0:
            return None
        return _OPERATORS[type(node.op)](left, right)

    return walk(tree)


def composite(indicator, component_cubes):
    """The cube of a composite: the formula over the components' headline values per cell.

    The province value is the formula over the components' province values, so a ratio of
    two sums comes out right (not a mean of kab/kota ratios).
    """
    tree, names = parse_formula(indicator.formula)
    missing = [n for n in names if n not in component_cubes]
    if missing:
        raise CubeError(
            [_("Indikator pembangun tidak dikenal: %(names)s.") % {"names": ", ".join(missing)}]
        )
    cubes = [component_cubes[n] for n in names]
    province = settings.HOME_REGION
    keys = set.intersection(*(set(c.headline) for c in cubes)) if cubes else set()
    headline = {}
    for key in keys:
        value = evaluate(tree, {n: component_cubes[n].headline[key] for n in names})
        if value is not None and math.isfinite(value):
            headline[key] = value
    if not headline:
        raise CubeError([_("Rumus tidak menghasilkan nilai: indikator pembangun tidak bertemu.")])
    periods = sorted({k[1] for k in headline}, key=_period_key)
    regions = sorted({k[0] for k in headline} - {province})
    cells = {(r, p): v for (r, p), v in headline.items()}
    return Cube(province, regions, periods, [], cells, Aggregation.NONE, headline=headline)
