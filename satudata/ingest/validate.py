"""Validation of a sheet against its Table Schema, vectorised in DuckDB, and the typed Parquet.

One DuckDB connection per run (2 threads, bounded memory, spilling into the run's workdir).
The work is ordered so that clean data costs little more than writing the typed file:

1. The typed Parquet is written first, in one pass: every cell cleaned (spaces, missing
   markers) and cast per the schema; a value that does not fit becomes NULL.
2. A column where the typed file has more nulls than the sheet (Parquet footer statistics,
   no scan) holds missing markers or values that did not fit; only such columns are read
   again to sort the bad cells into type errors, thousands separators and units.
3. Enum, range and pattern checks run on the typed file (numbers and dictionary-encoded
   text, so cheap); region codes and periods are checked once per distinct value; unique
   and primary-key checks group the typed values, except for a one-column key whose values
   only go up (or only down), which cannot repeat; identical rows are looked for only when
   no clean key already proves there are none.

Rows are listed only for rules that found something, up to max_problems_per_rule per rule,
with one summary problem carrying the rest of the count. SQL text holds only identifiers
made here (c0…, t0…), constants of this package, $pN placeholders and, in the one COPY that
names the typed file's columns, header names as escaped quoted identifiers (see
_write_typed): every value from the schema (enum values, patterns, bounds, formats) is bound,
never written into the SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from . import schema as contract
from .problems import Problem, Severity
from .reference import CROSSWALK, REGION_NAME_MACROS, REGIONS, SCHEMA, RegionReference
from .schema import Params, period_sql, typed_sql, value_sql
from .table import ROW_COLUMN, SheetTable, data_column, null_counts

ARROW_TYPES = {
    "BIGINT": pa.int64(),
    "DOUBLE": pa.float64(),
    "INTEGER": pa.int32(),
    "DATE": pa.date32(),
    "BOOLEAN": pa.bool_(),
    "VARCHAR": pa.string(),
}
LEVEL_NAMES = {1: "provinsi", 2: "kabupaten/kota", 3: "kecamatan", 4: "desa/kelurahan"}
TYPED_FILE = "typed.parquet"
ROW_GROUP_CELLS = 4_000_000
ENUM_SHOWN = 10


def quote_identifier(name: str) -> str:
    """A name as a DuckDB quoted identifier: inside double quotes, each double quote doubled."""
    return '"' + name.replace('"', '""') + '"'


def quotable(names: list[str]) -> bool:
    """Whether DuckDB keeps every name exactly as a quoted alias (see _write_typed)."""
    folded = {n.lower() for n in names}
    return len(folded) == len(names) and all(n and "\x00" not in n for n in names)


@dataclass
class ValidationResult:
    problems: list[Problem]
    typed_path: Path
    row_count: int
    error_count: int  # cells/rows with an error, over every rule (not only the listed ones)
    warning_count: int
    counts_by_code: dict[str, int] = field(default_factory=dict)


@dataclass
class Column:
    index: int  # position in the sheet and in the typed file
    header: str
    name: str
    field: dict
    raw: str  # c0…: column of the sheet's Parquet
    typed: str  # t0…: column of the typed Parquet
    sql_type: str = "VARCHAR"
    raw_nulls: int | None = None
    typed_nulls: int | None = None
    missing: int | None = None  # cells that are empty or a missing-value marker

    @property
    def constraints(self) -> dict:
        return self.field.get("constraints") or {}

    @property
    def kind(self) -> str:
        return self.field.get("type", "string")

    @property
    def role(self) -> str | None:
        return self.field.get("satudata:role")


def validate(
    sheet: SheetTable,
    schema: dict,
    regions: RegionReference | None,
    workdir: Path,
    *,
    max_problems_per_rule: int = 1000,
    progress: Callable[[float], None] | None = None,
) -> ValidationResult:
    """Check every row of the sheet against the schema and write its typed Parquet."""
    run = _Run(sheet, schema, regions, Path(workdir), max_problems_per_rule, progress)
    try:
        return run.execute()
    finally:
        run.con.close()


class _Run:
    def __init__(self, sheet, schema, regions, workdir, cap, progress):
        self.sheet = sheet
        self.schema = schema
        self.regions = regions
        self.workdir = workdir
        self.cap = cap
        self.progress = progress or (lambda fraction: None)
        self.missing_values = list(schema.get("missingValues", contract.MISSING_VALUES))
        self.typed_path = workdir / TYPED_FILE
        self.problems: list[Problem] = []
        self.counts: dict[str, int] = {}
        self.listed: dict[str, int] = {}
        self.errors = 0
        self.warnings = 0
        self.tables: set[str] = set()
        workdir.mkdir(parents=True, exist_ok=True)
        self.con = contract.connect(workdir)
        self.columns = self._columns()
        alias = ", ".join(c.typed for c in self.columns)
        self.raw_source = "read_parquet($raw_path)"
        self.typed_source = f"read_parquet($typed_path) AS t({alias})"
        # with the 0-based position of each row, to find the same row in the sheet's file
        self.typed_rows = f"read_parquet($typed_path, file_row_number = true) AS t({alias})"

    # --- the steps ------------------------------------------------------------------------

    def execute(self) -> ValidationResult:
        self._schema_problems()
        self._write_typed()
        self.progress(0.45)
        self._type_checks()
        self.progress(0.6)
        self._constraint_checks()
        self.progress(0.7)
        if self.regions is not None:
            self.regions.register(self.con)
        else:
            self.con.register(REGIONS, SCHEMA.empty_table())
            self.con.register(
                CROSSWALK,
                pa.table(
                    {"bps_code": pa.array([], pa.string()), "code": pa.array([], pa.string())}
                ),
            )
        for macro in REGION_NAME_MACROS:
            self.con.execute(macro)
        for column in self.columns:
            if column.role == "region_code" and column.kind == "string":
                self._region_codes(column)
            elif column.role == "region_name":
                self._region_names(column)
            if column.field.get("satudata:period") or column.kind == "year":
                self._periods(column)
        self.progress(0.85)
        proven_unique = self._keys()
        if not proven_unique:
            self._duplicate_rows()
        self.progress(1.0)
        return ValidationResult(
            problems=self.problems,
            typed_path=self.typed_path,
            row_count=self.sheet.row_count,
            error_count=self.errors,
            warning_count=self.warnings,
            counts_by_code=self.counts,
        )

    def _columns(self) -> list[Column]:
        names = contract.column_names(self.sheet.header)
        fields = {f.get("name"): f for f in self.schema.get("fields", [])}
        columns = []
        for index, (header, name) in enumerate(zip(self.sheet.header, names, strict=True)):
            known = fields.get(name)
            if known is None:
                self.add("schema.extra_field", Severity.WARNING, column_index=index, column=header)
            columns.append(
                Column(
                    index,
                    header,
                    name,
                    known or {"name": name, "type": "string"},
                    data_column(index),
                    f"t{index}",
                )
            )
        return columns

    def _schema_problems(self) -> None:
        present = {c.name for c in self.columns}
        absent = [
            {"name": f.get("name"), "required": bool((f.get("constraints") or {}).get("required"))}
            for f in self.schema.get("fields", [])
            if f.get("name") not in present
        ]
        absent += self.schema.get("satudata:absent_fields", [])
        for item in absent:
            severity = Severity.ERROR if item.get("required") else Severity.WARNING
            self.add("schema.missing_field", severity, column=item.get("name", ""))

    def _write_typed(self) -> None:
        """The typed Parquet: header names as column names, Arrow types from the schema.

        Header text is untrusted, so it reaches SQL only as a quoted identifier (every quote
        doubled) and only when DuckDB keeps it as it is: names that are empty, hold a NUL or
        differ only in case (DuckDB renames the second "nama" to "nama_1") take the slow path
        instead, where DuckDB streams the typed values as Arrow batches with made-up names and
        pyarrow writes them under the real ones. The names in the written file are checked
        either way. Rows keep the sheet's order, which the row-number joins below rely on:
        DuckDB 2.0.1 does not always keep it in a parallel COPY unless PRESERVE_ORDER is given
        (seen with sheets written in small row groups).
        """
        if not self.columns:
            pq.write_table(pa.table({}), self.typed_path)
            return
        p = Params()
        exprs = []
        for column in self.columns:
            expr, column.sql_type = typed_sql(column.field, column.raw, self.missing_values, p)
            exprs.append(expr)
        names = [c.name for c in self.columns]
        source = f"read_parquet({p(str(self.sheet.data_path))})"
        rows = self._row_group_size()
        if quotable(names):
            select = ", ".join(
                f"{e} AS {quote_identifier(n)}" for e, n in zip(exprs, names, strict=True)
            )
            self.con.execute(
                f"COPY (SELECT {select} FROM {source}) TO {p(str(self.typed_path))} "  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
                f"(FORMAT parquet, PRESERVE_ORDER true, ROW_GROUP_SIZE {rows})",
                p.values,
            ).fetchall()
        else:
            select = ", ".join(
                f"{e} AS {c.typed}" for e, c in zip(exprs, self.columns, strict=True)
            )
            schema = pa.schema([(c.name, ARROW_TYPES[c.sql_type]) for c in self.columns])
            query = self.con.sql(f"SELECT {select} FROM {source}", params=p.values)  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
            with pq.ParquetWriter(self.typed_path, schema, compression="snappy") as writer:
                for batch in query.to_arrow_reader(rows):
                    writer.write_batch(
                        pa.record_batch(batch.columns, schema=schema), row_group_size=rows
                    )
        written = pq.read_schema(self.typed_path).names
        if written != names:  # never expected: a name DuckDB changed would mislabel a column
            raise RuntimeError(f"typed file has columns {written!r}, expected {names!r}")
        raw_nulls = null_counts(self.sheet.data_path)
        typed_nulls = null_counts(self.typed_path)
        if raw_nulls is None or typed_nulls is None:
            raw_nulls, typed_nulls = self._null_counts_by_scan()
        else:
            order = pq.read_schema(self.sheet.data_path).names
            raw_nulls = [raw_nulls[order.index(c.raw)] for c in self.columns]
        for column in self.columns:
            column.raw_nulls = raw_nulls[column.index]
            column.typed_nulls = typed_nulls[column.index]
            column.missing = column.typed_nulls  # refined by the type checks where values failed

    def _row_group_size(self) -> int:
        # Row groups are buffered whole while writing: fewer rows per group for wide sheets.
        return max(2048, min(122_880, ROW_GROUP_CELLS // max(1, len(self.columns))))

    def _null_counts_by_scan(self) -> tuple[list[int], list[int]]:
        raw = ", ".join(f"count(*) - count({c.raw})" for c in self.columns) or "0"
        typed = ", ".join(f"count(*) - count({c.typed})" for c in self.columns) or "0"
        raw_row = self.query(f"SELECT {raw} FROM {self.raw_source}").fetchall()[0]  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
        typed_row = self.query(f"SELECT {typed} FROM {self.typed_source}").fetchall()[0]  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
        return list(raw_row), list(typed_row)

    # --- types, separators, units, required ---------------------------------------------

    def _type_checks(self) -> None:
        for column in self.columns:
            if column.typed_nulls > column.raw_nulls and column.kind != "string":
                self._sort_failures(column)
            if column.constraints.get("required") or column.name in self._key_names():
                self._required(column)

    def _raw_rows(self, column: Column, typed_rows: str, extra: str = "x.*") -> str:
        """The sheet's cells (row number, text as typed) for the typed rows `typed_rows` selects.

        `typed_rows` is a SELECT over self.typed_rows giving ``file_row_number AS n``; only
        those rows are joined, so listing a few bad cells never pairs up every row.
        """
        return (
            f"(SELECT r.{ROW_COLUMN} AS row, r.{column.raw} AS raw, {extra} "  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
            f"FROM read_parquet($raw_path, file_row_number = true) r "
            f"JOIN ({typed_rows}) x ON r.file_row_number = x.n)"
        )

    def _nulls(self, column: Column) -> str:
        """Temp table of the rows whose typed value is NULL: empty, a marker, or not fitting."""
        table = f"nulls_{column.index}"
        if table not in self.tables:
            p = Params()
            v = value_sql(f"r.{column.raw}", self.missing_values, p)
            rows = self._raw_rows(
                column,
                f"SELECT file_row_number AS n FROM {self.typed_rows} WHERE t.{column.typed} IS NULL",  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
                f"{v} AS v",
            )
            self.query(f"CREATE TEMP TABLE {table} AS SELECT * FROM {rows}", p).fetchall()  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
            self.tables.add(table)
        return table

    def _sort_failures(self, column: Column) -> None:
        """Count the cells that did not fit the type, sorted into separators, units and the rest."""
        numeric = column.kind in ("integer", "number")
        nulls = self._nulls(column)
        p = Params()
        failing = "v IS NOT NULL"
        evidence = ", 0, 0"
        if numeric:
            n = f"regexp_extract(v, {p(contract.NUMBER_PART_RE)})"
            indonesian = (
                f"regexp_full_match({n}, {p(contract.ID_EVIDENCE_RE)}) "
                f"OR regexp_full_match(v, {p(contract.RUPIAH_GROUPS_RE)})"
            )
            evidence = (
                f", count(*) FILTER (WHERE {failing} AND ({indonesian})), "
                f"count(*) FILTER (WHERE {failing} AND regexp_full_match({n}, {p(contract.EN_EVIDENCE_RE)}))"
            )
        missing, failed, id_evidence, en_evidence = self.query(
            f"SELECT count(*) FILTER (WHERE v IS NULL), count(*) FILTER (WHERE {failing}) {evidence} FROM {nulls}",  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
            p,
        ).fetchall()[0]
        column.missing = missing
        if not failed:
            return
        type_code = f"type.{column.kind}"
        if not numeric:
            self._list(column, type_code, Severity.ERROR, failed, nulls, failing)
            return
        decimal_comma = id_evidence >= en_evidence
        dot_groups = decimal_comma and id_evidence > 0

        def classified(p: Params) -> str:
            n = f"regexp_extract(v, {p(contract.NUMBER_PART_RE)})"
            unit = f"(regexp_full_match(v, {p(contract.UNIT_RE)}) AND regexp_matches(v, {p(contract.HAS_UNIT_RE)}))"
            cells = f"SELECT row, raw, v FROM {nulls} WHERE v IS NOT NULL"  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
            if dot_groups:
                # "1.234" is a valid number, but in a column that groups thousands with dots it
                # means 1234: those cells did get a value, so they are looked for in every row.
                cells += (
                    f" UNION ALL SELECT {ROW_COLUMN}, {column.raw}, {column.raw} FROM {self.raw_source} "  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
                    f"WHERE regexp_full_match({column.raw}, {p(contract.DOT_GROUPS_RE)}) "
                    f"AND {ROW_COLUMN} NOT IN (SELECT row FROM {nulls})"
                )
            suggestion = contract.normalised_number_sql("v", decimal_comma, dot_groups, p)
            return (
                f"(SELECT *, CASE WHEN s IS NOT NULL AND {unit} THEN 'value.unit_in_number' "  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
                f"WHEN s IS NOT NULL AND s <> {n} THEN 'value.thousands_separator' "
                f"ELSE {p(type_code)} END AS cls "
                f"FROM (SELECT *, {suggestion} AS s FROM ({cells})))"
            )

        p = Params()
        counts = dict(
            self.query(f"SELECT cls, count(*) FROM {classified(p)} GROUP BY cls", p).fetchall()  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
        )
        hint_key = "decimal_comma" if decimal_comma else "thousands_comma"
        for code in (type_code, "value.thousands_separator", "value.unit_in_number"):
            if counts.get(code):
                p = Params()
                self._list(
                    column, code, Severity.ERROR, counts[code], classified(p), f"cls = {p(code)}", p,
                    suggestion="s", hint_key=hint_key,
                )  # fmt: skip

    def _required(self, column: Column) -> None:
        if column.missing:
            self._list(
                column, "required", Severity.ERROR, column.missing, self._nulls(column), "v IS NULL"
            )

    # --- enum, minimum, maximum, pattern on the typed values --------------------------------

    def _constraint_checks(self) -> None:
        checks = []  # (column, code, condition builder taking the bound params and the value)
        for column in self.columns:
            constraints = column.constraints
            if constraints.get("enum") and column.kind != "boolean":
                values = [contract.parse_value(column.kind, v) for v in constraints["enum"]]
                values = [v for v in values if v is not None]
                checks.append(
                    (column, "enum", lambda p, x, vs=values: f"NOT {contract.in_list(x, vs, p)}")
                )
            for code, op in (("minimum", "<"), ("maximum", ">")):
                if code in constraints and column.kind not in ("string", "boolean", "yearmonth"):
                    bound = contract.parse_value(column.kind, constraints[code])
                    if bound is not None:
                        checks.append((column, code, lambda p, x, o=op, b=bound: f"{x} {o} {p(b)}"))
            pattern = constraints.get("pattern")
            if pattern and column.kind == "string" and column.role != "region_code":
                checks.append(
                    (
                        column,
                        "pattern",
                        lambda p, x, r=pattern: f"NOT regexp_full_match({x}, {p(r)})",
                    )
                )
        if not checks:
            return
        p = Params()
        select = ", ".join(
            f"count(*) FILTER (WHERE {c.typed} IS NOT NULL AND {build(p, c.typed)})"
            for c, _code, build in checks
        )
        totals = self.query(f"SELECT {select} FROM {self.typed_source}", p).fetchall()[0]  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
        for (column, code, build), total in zip(checks, totals, strict=True):
            if total:
                p = Params()
                value = f"t.{column.typed}"
                rows = self._raw_rows(
                    column,
                    f"SELECT file_row_number AS n FROM {self.typed_rows} "  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
                    f"WHERE {value} IS NOT NULL AND {build(p, value)}",
                    "x.n",
                )
                self._list(column, code, Severity.ERROR, total, rows, "true", p)

    # --- region codes and names, periods (once per distinct value) ----------------------------

    def _distinct(self, column: Column, p: Params, value: str | None = None) -> str:
        value = value or column.typed
        return (
            f"(SELECT {value} AS v, count(*) AS n FROM {self.typed_source} "  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
            f"WHERE {column.typed} IS NOT NULL GROUP BY {value})"
        )

    def _region_codes(self, column: Column) -> None:
        p = Params()
        level = column.field.get("satudata:level")
        pattern = column.constraints.get("pattern")
        fits = f"regexp_full_match(d.v, {p(pattern)})" if pattern else "true"
        has_ref = "true" if self.regions is not None else "false"
        if column.field.get("satudata:code_system") == "bps":
            cls = (
                "CASE "
                f"WHEN b.code IS NOT NULL AND {p(level or 0)} > 0 AND br.level <> {p(level or 0)} THEN 'region.level' "
                f"WHEN NOT {fits} THEN 'pattern' "
                f"WHEN b.code IS NULL AND {has_ref} AND length(d.v) <= 4 THEN 'region.unknown' END"
            )
            found_level, suggestion, name = "br.level", "NULL", "br.name"
        else:
            cls = (
                "CASE "
                f"WHEN r.code IS NOT NULL AND {p(level or 0)} > 0 AND r.level <> {p(level or 0)} THEN 'region.level' "
                f"WHEN r.code IS NOT NULL AND NOT {fits} THEN 'pattern' "
                "WHEN r.code IS NOT NULL THEN NULL "
                "WHEN b.code IS NOT NULL THEN 'region.bps_code' "
                f"WHEN regexp_full_match(d.v, {p(contract.LOST_ZERO_RE)}) AND lz.code IS NOT NULL THEN 'region.number_lost' "
                f"WHEN NOT {fits} THEN 'pattern' "
                f"WHEN {has_ref} THEN 'region.unknown' END"
            )
            found_level = "r.level"
            suggestion = (
                "CASE WHEN b.code IS NOT NULL THEN b.code WHEN lz.code IS NOT NULL THEN lz.code END"
            )
            name = "coalesce(r.name, br.name, lz.name)"
        table = f"region_{column.index}"
        self.con.execute(f"DROP TABLE IF EXISTS {table}")
        self.query(
            f"CREATE TEMP TABLE {table} AS SELECT d.v, d.n, {cls} AS cls, {suggestion} AS s, {found_level} AS level, {name} AS name "  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
            f"FROM {self._distinct(column, p)} d LEFT JOIN {REGIONS} r ON r.code = d.v "
            f"LEFT JOIN {CROSSWALK} b ON b.bps_code = d.v LEFT JOIN {REGIONS} br ON br.code = b.code "
            f"LEFT JOIN {REGIONS} lz ON lz.code = d.v || '0'",
            p,
        ).fetchall()
        totals = self.con.execute(
            f"SELECT cls, sum(n) FROM {table} WHERE cls IS NOT NULL GROUP BY cls ORDER BY cls"  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
        ).fetchall()
        for code, total in totals:
            p = Params()
            rows = self._raw_rows(
                column,
                f"SELECT file_row_number AS n, x.* FROM {self.typed_rows} "  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
                f"JOIN {table} x ON x.v = t.{column.typed} WHERE x.cls = {p(code)}",
            )
            self._list(
                column, code, Severity.ERROR, int(total), rows, "true", p,
                suggestion="s", extra_columns=("level", "name"),
            )  # fmt: skip

    def _region_names(self, column: Column) -> None:
        code_name = column.field.get("satudata:code_field")
        codes = [c for c in self.columns if c.role == "region_code" and c.kind == "string"]
        if not codes or self.regions is None:
            return
        code_column = next((c for c in codes if c.name == code_name), None) or min(
            codes, key=lambda c: (abs(c.index - column.index), c.index > column.index)
        )
        bps = code_column.field.get("satudata:code_system") == "bps"
        join = (
            f"JOIN {CROSSWALK} b ON b.bps_code = d.code JOIN {REGIONS} r ON r.code = b.code"
            if bps
            else f"JOIN {REGIONS} r ON r.code = d.code"
        )
        mismatch = "(region_norm(d.v) <> region_norm(r.name) OR coalesce(region_kind(d.v) <> region_kind(r.name), false))"
        p = Params()
        pairs = (
            f"(SELECT {column.typed} AS v, {code_column.typed} AS code, count(*) AS n FROM {self.typed_source} "  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
            f"WHERE {column.typed} IS NOT NULL AND {code_column.typed} IS NOT NULL GROUP BY ALL)"
        )
        table = f"names_{column.index}"
        self.con.execute(f"DROP TABLE IF EXISTS {table}")
        self.query(
            f"CREATE TEMP TABLE {table} AS SELECT d.v, d.code, d.n, r.code AS kemendagri, r.name AS name "  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
            f"FROM {pairs} d {join} WHERE {mismatch}",
            p,
        ).fetchall()
        total = self.con.execute(f"SELECT sum(n) FROM {table}").fetchall()[0][0]  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
        if total:
            rows = self._raw_rows(
                column,
                f"SELECT file_row_number AS n, x.* FROM {self.typed_rows} JOIN {table} x "  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
                f"ON x.v = t.{column.typed} AND x.code = t.{code_column.typed}",
            )
            self._list(
                column, "region.name_mismatch", Severity.ERROR, int(total), rows, "true",
                suggestion="name", extra_columns=("code", "kemendagri", "name"),
            )  # fmt: skip

    def _periods(self, column: Column) -> None:
        kind = column.field.get("satudata:period") or "tahun"
        if kind not in contract.PERIODS:
            return
        p = Params()
        year, number = period_sql(kind, "d.v", p)
        limit = contract.PERIOD_RANGE.get(kind)
        bad = f"{number} IS NULL OR {year} NOT BETWEEN {contract.YEAR_MIN} AND {contract.YEAR_MAX}"
        if limit:
            bad += f" OR {number} NOT BETWEEN 1 AND {limit}"
        next_year = dt.date.today().year + 1
        table = f"periods_{column.index}"
        self.con.execute(f"DROP TABLE IF EXISTS {table}")
        self.query(
            f"CREATE TEMP TABLE {table} AS SELECT v, n, CASE WHEN {bad} THEN 'error' "  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
            f"WHEN {year} > {p(next_year)} THEN 'warning' END AS cls "
            f"FROM {self._distinct(column, p, f'CAST({column.typed} AS VARCHAR)')} d",
            p,
        ).fetchall()
        for cls, total in self.con.execute(
            f"SELECT cls, sum(n) FROM {table} WHERE cls IS NOT NULL GROUP BY cls ORDER BY cls"  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
        ).fetchall():
            p = Params()
            rows = self._raw_rows(
                column,
                f"SELECT file_row_number AS n, x.* FROM {self.typed_rows} JOIN {table} x "  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
                f"ON x.v = CAST(t.{column.typed} AS VARCHAR) WHERE x.cls = {p(cls)}",
            )
            severity = Severity.ERROR if cls == "error" else Severity.WARNING
            self._list(
                column, "period.invalid", severity, int(total), rows, "true", p,
                hint_key="future" if cls == "warning" else kind,
            )  # fmt: skip

    # --- unique values, primary key, identical rows ------------------------------------------

    def _key_names(self) -> list[str]:
        key = self.schema.get("primaryKey") or []
        return [key] if isinstance(key, str) else list(key)

    def _keys(self) -> bool:
        """Unique and primary-key checks; True when a clean, complete key proves rows distinct."""
        by_name = {c.name: c for c in self.columns}
        key = [by_name[n] for n in self._key_names() if n in by_name]
        checks = [([c], "unique") for c in self.columns if c.constraints.get("unique")]
        if (
            key
            and len(key) == len(self._key_names())
            and not (len(key) == 1 and key[0].constraints.get("unique"))
        ):
            checks.append((key, "primary_key"))
        proven = False
        for columns, code in checks:
            duplicates = self._duplicates(columns, code)
            if duplicates == 0 and all(c.typed_nulls == 0 for c in columns):
                proven = True
        return proven

    def _duplicates(self, columns: list[Column], code: str) -> int:
        if len(columns) == 1 and self._strictly_ordered(columns[0]):
            return 0  # ascending or descending without a repeat: nothing to group
        keys = ", ".join(c.typed for c in columns)
        present = " AND ".join(f"{c.typed} IS NOT NULL" for c in columns)
        total = self.query(
            f"SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM {self.typed_source} "  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
            f"WHERE {present} GROUP BY {keys} HAVING count(*) > 1)"
        ).fetchall()[0][0]
        if not total:
            return 0
        k = ", ".join(f"t.{c.typed} AS k{i}" for i, c in enumerate(columns))
        ks = ", ".join(f"k{i}" for i in range(len(columns)))
        same = " AND ".join(f"t.{c.typed} = d.{c.typed}" for c in columns)
        groups = f"SELECT {keys} FROM {self.typed_source} WHERE {present} GROUP BY {keys} HAVING count(*) > 1"  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
        rows = self._raw_rows(
            columns[0],
            f"SELECT file_row_number AS n, {k} FROM {self.typed_rows} SEMI JOIN ({groups}) d ON {same}",  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
        )
        source = f"(SELECT *, min(row) OVER (PARTITION BY {ks}) AS first, concat_ws(', ', {ks}) AS v FROM {rows})"  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
        self._list(
            columns[0], code, Severity.ERROR, int(total), source, "row <> first",
            value="v", extra_columns=("first",), fmt={"columns": ", ".join(c.name for c in columns)},
        )  # fmt: skip
        return int(total)

    def _strictly_ordered(self, column: Column) -> bool:
        """Whether the column's values, in row order and without the empty ones, only go up or
        only go down: then no value repeats (the usual numbered id column). One streamed read
        of one column, much cheaper than grouping every value."""
        if column.sql_type == "BOOLEAN":
            return False
        query = self.con.sql(
            f"SELECT t.{column.typed} FROM {self.typed_source} WHERE t.{column.typed} IS NOT NULL",  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
            params={"typed_path": str(self.typed_path)},
        )
        up = down = True
        last = None
        for batch in query.to_arrow_reader(self._row_group_size()):
            values = batch.column(0)
            if last is not None:
                values = pa.concat_arrays([last, values])
            if len(values) > 1:
                before, after = values.slice(0, len(values) - 1), values.slice(1)
                up = up and bool(pc.all(pc.less(before, after)).as_py())
                down = down and bool(pc.all(pc.greater(before, after)).as_py())
                if not (up or down):
                    return False
            if len(values):
                last = values.slice(len(values) - 1)
        return True

    def _duplicate_rows(self) -> None:
        if not self.columns:
            return
        raws = ", ".join(c.raw for c in self.columns)
        candidates = f"(SELECT h FROM (SELECT hash({raws}) AS h FROM {self.raw_source}) GROUP BY h HAVING count(*) > 1)"  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
        if not self.query(f"SELECT count(*) FROM {candidates}").fetchall()[0][0]:  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
            return
        source = (
            f"(SELECT {ROW_COLUMN} AS row, NULL AS raw, '' AS v, min({ROW_COLUMN}) OVER (PARTITION BY {raws}) AS first "  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
            f"FROM {self.raw_source} WHERE hash({raws}) IN {candidates})"
        )
        total = self.query(f"SELECT count(*) FROM {source} WHERE row <> first").fetchall()[0][0]  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
        if total:
            self._list(
                None, "row.duplicate", Severity.WARNING, total, source, "row <> first",
                value="v", extra_columns=("first",),
            )  # fmt: skip

    # --- problems --------------------------------------------------------------------------

    def query(self, sql: str, p: Params | None = None):
        values = dict(p.values) if p is not None else {}
        if "$raw_path" in sql:
            values["raw_path"] = str(self.sheet.data_path)
        if "$typed_path" in sql:
            values["typed_path"] = str(self.typed_path)
        return self.con.execute(sql, values)

    def _list(
        self, column, code, severity, total, source, condition, p=None, *, suggestion=None,
        value="raw", hint_key=None, extra_columns=(), fmt=None,
    ):  # fmt: skip
        """Record `total` cells for a rule and list the first ones, up to the rule's budget."""
        total = int(total)
        self.counts[code] = self.counts.get(code, 0) + total
        if severity == Severity.ERROR:
            self.errors += total
        else:
            self.warnings += total
        budget = max(0, self.cap - self.listed.get(code, 0))
        rows = []
        if budget:
            picked = ", ".join(["row", value, suggestion or "NULL", *extra_columns])
            rows = self.query(
                f"SELECT {picked} FROM {source} WHERE {condition} ORDER BY row LIMIT {int(budget)}",  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
                p,
            ).fetchall()
        self.listed[code] = self.listed.get(code, 0) + len(rows)
        for row, cell, suggested, *extra in rows:
            extras = dict(zip(extra_columns, extra, strict=True))
            if suggested is not None:
                extras["suggestion"] = str(suggested)
            self.add(
                code, severity, row=row, column=column.header if column else "",
                column_index=column.index if column else None, value="" if cell is None else str(cell),
                extra=extras, hint_key=hint_key, fmt=fmt, field=column.field if column else None,
            )  # fmt: skip
        if total > len(rows):
            self.problems.append(
                Problem(
                    code=code,
                    severity=severity,
                    message=(
                        _(
                            "Masih ada %(count)s sel lain dengan masalah yang sama (%(code)s) di kolom “%(column)s”."
                        )
                        if column
                        else _(
                            "Masih ada %(count)s baris lain dengan masalah yang sama (%(code)s)."
                        )
                    )
                    % {
                        "count": f"{total - len(rows):,}".replace(",", "."),
                        "code": code,
                        "column": column.header if column else "",
                    },
                    hint=_(
                        "Laporan hanya menampilkan %(listed)s sel pertama; perbaiki semua sel sejenis sekaligus."
                    )
                    % {"listed": len(rows)},
                    sheet=self.sheet.name,
                    column=column.header if column else "",
                    column_index=column.index if column else None,
                    count=total - len(rows),
                    extra={"total": total, "listed": len(rows)},
                )
            )

    def add(
        self,
        code,
        severity,
        *,
        row=None,
        column="",
        column_index=None,
        value="",
        extra=None,
        hint_key=None,
        fmt=None,
        field=None,
    ):
        extra = extra or {}
        message, hint = messages(code, hint_key)
        data = {"column": column, "value": value[:100], **extra, **(fmt or {})}
        data.update(_field_facts(field or {}, extra))
        self.problems.append(
            Problem(
                code=code,
                severity=severity,
                message=_format(message, data),
                hint=_format(hint, data),
                sheet=self.sheet.name,
                row=row,
                column=column,
                column_index=column_index,
                value=value[:100],
                extra=extra,
            )
        )
        if code.startswith("schema."):
            self.counts[code] = self.counts.get(code, 0) + 1
            if severity == Severity.ERROR:
                self.errors += 1
            else:
                self.warnings += 1


def _field_facts(field: dict, extra: dict) -> dict:
    constraints = field.get("constraints") or {}
    enum = [str(v) for v in constraints.get("enum") or []]
    shown = ", ".join(enum[:ENUM_SHOWN]) + (", …" if len(enum) > ENUM_SHOWN else "")
    trues, falses = contract.boolean_values(field)
    level = field.get("satudata:level")
    return {
        "values": shown,
        "minimum": constraints.get("minimum", ""),
        "maximum": constraints.get("maximum", ""),
        "pattern": constraints.get("pattern", ""),
        "format": field.get("format", "TTTT-BB-HH"),
        "booleans": ", ".join(trues[:1] + falses[:1]),
        "expected": LEVEL_NAMES.get(level, ""),
        "found": LEVEL_NAMES.get(extra.get("level"), ""),
    }


def _format(template: str, data: dict) -> str:
    try:
        return template % data
    except (KeyError, ValueError, TypeError):
        return template


MESSAGES = {
    "type.integer": (
        N_("Nilai “%(value)s” di kolom “%(column)s” bukan bilangan bulat."),
        N_("Tulis angka bulat tanpa titik, koma, satuan atau huruf, misalnya 1250."),
    ),
    "type.number": (
        N_("Nilai “%(value)s” di kolom “%(column)s” bukan angka."),
        N_(
            "Tulis angka dengan titik sebagai pemisah desimal dan tanpa pemisah ribuan, misalnya 1250.5."
        ),
    ),
    "type.date": (
        N_("Nilai “%(value)s” di kolom “%(column)s” bukan tanggal yang sah."),
        N_(
            "Tulis tanggal dengan format %(format)s, misalnya 2024-03-31, dan pastikan tanggalnya ada di kalender."
        ),
    ),
    "type.year": (
        N_("Nilai “%(value)s” di kolom “%(column)s” bukan tahun."),
        N_("Tulis tahun dengan 4 angka, misalnya 2024."),
    ),
    "type.yearmonth": (
        N_("Nilai “%(value)s” di kolom “%(column)s” bukan bulan dalam bentuk TTTT-BB."),
        N_("Tulis bulan sebagai tahun-bulan, misalnya 2024-03."),
    ),
    "type.boolean": (
        N_("Nilai “%(value)s” di kolom “%(column)s” bukan nilai ya/tidak yang dikenal."),
        N_("Gunakan salah satu nilai: %(booleans)s."),
    ),
    "value.thousands_separator": (
        N_("Angka “%(value)s” di kolom “%(column)s” memakai pemisah ribuan atau koma desimal."),
        N_("Tulis angka tanpa pemisah ribuan, dengan titik sebagai desimal: %(suggestion)s."),
    ),
    "value.unit_in_number": (
        N_("Nilai “%(value)s” di kolom “%(column)s” memuat satuan atau simbol."),
        N_(
            "Tulis angkanya saja (%(suggestion)s) dan sebutkan satuannya di judul kolom atau di metadata (Satuan)."
        ),
    ),
    "required": (
        N_("Kolom “%(column)s” wajib diisi, tetapi sel ini kosong."),
        N_(
            "Isi nilainya. Jika datanya memang tidak ada, minta Walidata agar kolom ini tidak diwajibkan."
        ),
    ),
    "enum": (
        N_("Nilai “%(value)s” di kolom “%(column)s” tidak ada dalam daftar pilihan."),
        N_("Pilih salah satu nilai yang diperbolehkan: %(values)s."),
    ),
    "minimum": (
        N_("Nilai %(value)s di kolom “%(column)s” lebih kecil dari batas bawah %(minimum)s."),
        N_("Periksa angkanya; nilai di kolom ini paling kecil %(minimum)s."),
    ),
    "maximum": (
        N_("Nilai %(value)s di kolom “%(column)s” lebih besar dari batas atas %(maximum)s."),
        N_("Periksa angkanya; nilai di kolom ini paling besar %(maximum)s."),
    ),
    "pattern": (
        N_("Nilai “%(value)s” di kolom “%(column)s” tidak sesuai pola yang ditetapkan."),
        N_(
            "Nilai harus sesuai pola %(pattern)s (kode wilayah ditulis dengan titik, misalnya 53.10)."
        ),
    ),
    "unique": (
        N_("Nilai “%(value)s” di kolom “%(column)s” sudah dipakai di baris %(first)s."),
        N_("Setiap nilai di kolom ini harus berbeda. Hapus baris ganda atau perbaiki nilainya."),
    ),
    "primary_key": (
        N_("Kombinasi %(columns)s (%(value)s) sudah ada di baris %(first)s."),
        N_(
            "Setiap kombinasi kolom kunci harus muncul sekali saja, misalnya satu baris per wilayah dan tahun."
        ),
    ),
    "row.duplicate": (
        N_("Baris ini sama persis dengan baris %(first)s."),
        N_("Hapus baris ganda bila tidak disengaja."),
    ),
    "region.unknown": (
        N_("Kode wilayah “%(value)s” di kolom “%(column)s” tidak ada di daftar kode wilayah."),
        N_(
            "Periksa kodenya pada daftar kode wilayah Kemendagri terbaru; kode yang berubah karena pemekaran harus diganti."
        ),
    ),
    "region.level": (
        N_(
            "Kode “%(value)s” di kolom “%(column)s” adalah kode %(found)s, padahal kolom ini berisi kode %(expected)s."
        ),
        N_("Gunakan kode tingkat %(expected)s, atau pindahkan kode %(found)s ke kolom tersendiri."),
    ),
    "region.name_mismatch": (
        N_("Nama wilayah “%(value)s” tidak cocok dengan kode %(code)s (%(name)s)."),
        N_(
            "Periksa mana yang salah, kode atau namanya. Menurut daftar Kemendagri, kode %(kemendagri)s adalah %(name)s."
        ),
    ),
    "region.bps_code": (
        N_(
            "“%(value)s” adalah kode BPS untuk %(name)s, padahal kolom “%(column)s” memakai kode Kemendagri."
        ),
        N_(
            "Ganti dengan kode Kemendagri %(suggestion)s, atau ubah sistem kode kolom ini menjadi BPS di skema. "
            "Jika maksudnya kode Kemendagri tanpa titik, tulis dengan titik (misalnya 53.10)."
        ),
    ),
    "region.number_lost": (
        N_(
            "Kode wilayah “%(value)s” kehilangan angka nol di belakang; mungkin maksudnya %(suggestion)s."
        ),
        N_(
            "Spreadsheet mengubah kode menjadi angka (53.10 menjadi 53.1). Format kolom ini sebagai Teks, "
            "lalu ketik ulang kodenya: %(suggestion)s."
        ),
    ),
    "period.invalid": (
        N_("Periode “%(value)s” di kolom “%(column)s” tidak sah."),
        N_("Periksa periodenya."),
    ),
    "schema.missing_field": (
        N_("Kolom “%(column)s” ada di skema tabel ini tetapi tidak ada di berkas."),
        N_("Tambahkan kolom ini dengan judul yang sama persis, atau ubah skemanya."),
    ),
    "schema.extra_field": (
        N_("Kolom “%(column)s” tidak ada di skema tabel ini; isinya disimpan sebagai teks."),
        N_("Periksa judul kolomnya, atau tambahkan kolom ini ke skema."),
    ),
}
HINTS = {
    "decimal_comma": N_(
        "Kolom ini tampaknya memakai koma sebagai pemisah desimal (gaya Indonesia). Tulis angka tanpa "
        "pemisah ribuan dan dengan titik sebagai desimal: %(suggestion)s."
    ),
    "thousands_comma": N_(
        "Kolom ini tampaknya memakai koma sebagai pemisah ribuan. Tulis angka tanpa pemisah ribuan: %(suggestion)s."
    ),
    "tahun": N_("Tahun ditulis dengan 4 angka antara 1900 dan 2100, misalnya 2024."),
    "future": N_(
        "Tahun ini lebih dari setahun ke depan. Jika ini target atau proyeksi, abaikan peringatan ini."
    ),
    "semester": N_("Tulis semester sebagai 2024-S1 atau Semester I 2024; semester hanya 1 atau 2."),
    "triwulan": N_(
        "Tulis triwulan sebagai 2024-Q1 atau Triwulan I 2024; triwulan hanya 1 sampai 4."
    ),
    "bulan": N_("Tulis bulan sebagai 2024-03 atau Maret 2024; bulan hanya 1 sampai 12."),
}
FUTURE_PERIOD = N_("Periode “%(value)s” di kolom “%(column)s” berada lebih dari setahun ke depan.")


def messages(code: str, hint_key: str | None = None) -> tuple[str, str]:
    """(message, hint) templates of a rule, translated."""
    message, hint = MESSAGES.get(code, (code, ""))
    if code in ("value.thousands_separator", "period.invalid"):
        hint = HINTS.get(hint_key or "", hint)
    if code == "period.invalid" and hint_key == "future":
        message = FUTURE_PERIOD
    return _(message), _(hint) if hint else ""
