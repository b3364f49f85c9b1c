"""The column contract of a table: a Frictionless Table Schema, inferred, merged and edited.

A field is Table Schema (name, type, format, constraints) plus MS-Var keys the Produsen
fills in later (definition, unit, measure, classification) and our extensions:

* ``satudata:role``: region_code | region_name | period | measure | attribute
* ``satudata:code_system``: kemendagri | bps (region codes); ``satudata:level``: 1-4
* ``satudata:code_field``: the code column a region_name column belongs to
* ``satudata:period``: tahun | semester | triwulan | bulan

Region codes are always type string with a pattern (``53.10`` must never become ``53.1``).

This module also holds the SQL building blocks that inference and validation share: cell
values are cleaned and typed in DuckDB by expressions built here. SQL text only ever holds
column identifiers made by code (``c0``, ``t3``), constants written in this file, and
``$pN`` placeholders; every value that comes from a schema or a file is a bound parameter.
"""

from __future__ import annotations

import atexit
import datetime as dt
import os
import re
import shutil
import tempfile
import threading
from pathlib import Path

import duckdb
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from satudata.lib.text import normalise

from .problems import column_letter
from .reference import CROSSWALK, REGION_NAME_MACROS, REGIONS, RegionReference
from .table import ROW_COLUMN, SheetTable, data_column

TYPES = ("string", "integer", "number", "boolean", "date", "year", "yearmonth")
ROLES = ("region_code", "region_name", "period", "measure", "attribute")
CODE_SYSTEMS = ("kemendagri", "bps")
PERIODS = ("tahun", "semester", "triwulan", "bulan")
MISSING_VALUES = ["", "-", "NA", "n/a", "null"]
MS_VAR_KEYS = ("definition", "unit", "measure", "classification")
CONSTRAINTS = ("required", "unique", "enum", "minimum", "maximum", "pattern")
DATE_FORMATS = (
    "default",
    "any",
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%m/%d/%Y",
    "%Y/%m/%d",
)

THREADS = 2
MEMORY_LIMIT = "400MB"
SAMPLE_ROWS = 20_000
KEY_HEAD_ROWS = 20_000  # rows tried first when looking for a key
CHUNK_COLUMNS = 200  # columns profiled per query
TYPE_SHARE = 0.95  # share of non-missing sample values a type must fit
REGION_SHARE = 0.9  # share of known codes that makes a column a region-code column
NAME_SHARE = 0.8  # share of known names that makes a column a region-name column
ENUM_MAX = 30
ENUM_MIN_ROWS = 50
YEAR_MIN, YEAR_MAX = 1900, 2100

# --- patterns (RE2 and Python agree on all of them) ------------------------------------------

INTEGER_RE = r"\s*[+-]?\d+\s*"
YEAR_RE = r"\s*\d{4}\s*"
DATE_RE = r"\s*\d{4}-\d{2}-\d{2}([ T]00:00(:00)?)?\s*"
YEARMONTH_RE = r"\s*\d{4}-(0[1-9]|1[0-2])\s*"
# Indonesian (1.234.567 / 1.234,5 / 12,5) and English (1,234,567 / 1,234.5) digit grouping.
ID_NUMBER_RE = r"[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?"
EN_NUMBER_RE = r"[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?"
ID_EVIDENCE_RE = r"[+-]?(\d{1,3}(\.\d{3}){2,}(,\d+)?|\d{1,3}(\.\d{3})+,\d+|\d+,(\d{1,2}|\d{4,}))"
EN_EVIDENCE_RE = r"[+-]?(\d{1,3}(,\d{3}){2,}(\.\d+)?|\d{1,3}(,\d{3})+\.\d+)"
DOT_GROUPS_RE = r"\s*[+-]?\d{1,3}(\.\d{3})+\s*"
NUMBER_PART_RE = r"[+-]?(\d[\d.,]*\d|\d)"
UNIT_RE = r"(?i)\s*(rp\.?|idr)?\s*[+-]?\d[\d.,]*(,-)?\s*(%|[a-z²³][a-z²³0-9/.]*(\s+[a-z²³][a-z²³0-9/.]*)?)?\s*"
HAS_UNIT_RE = r"(?i)[a-z%²³]"
KEMENDAGRI_RE = r"\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?"
LEVEL_RE = {
    1: r"\d{2}",
    2: r"\d{2}\.\d{2}",
    3: r"\d{2}\.\d{2}\.\d{2}",
    4: r"\d{2}\.\d{2}\.\d{2}\.\d{4}",
}
BPS_LEVEL_RE = {1: r"\d{2}", 2: r"\d{4}", 3: r"\d{7}", 4: r"\d{10}"}
LOST_ZERO_RE = r"\d{2}\.\d"
LEADING_ZERO_RE = r"[+-]?0\d+"
RUPIAH_RE = r"(?i)^\s*(rp|idr)"
# "Rp 1.000" and "Rp 12.500,-": rupiah amounts group thousands with dots
RUPIAH_GROUPS_RE = r"(?i)\s*(rp\.?|idr)\s*\d{1,3}(\.\d{3})+(,\d+|,-)?\s*"

_ROMAN = ["i", "ii", "iii", "iv"]
_SEMESTER_WORD = r"(?:s|sem|smt|semester)"
_QUARTER_WORD = r"(?:q|tw|trw|triwulan|kuartal|kwartal|kw)"
_MONTHS = {
    1: "januari jan january",
    2: "februari feb pebruari february",
    3: "maret mar march",
    4: "april apr",
    5: "mei may",
    6: "juni jun june",
    7: "juli jul july",
    8: "agustus agu agt ags agust aug august",
    9: "september sep sept",
    10: "oktober okt oct october",
    11: "november nov nop nopember",
    12: "desember des dec december",
}
MONTH_NAMES = [n for names in _MONTHS.values() for n in names.split()]
MONTH_NUMBERS = [m for m, names in _MONTHS.items() for _n in names.split()]
PERIOD_RANGE = {"semester": 2, "triwulan": 4, "bulan": 12}


class SchemaError(ValueError):
    """An edited schema that cannot be used; ``errors`` are Indonesian messages.

    ``details`` are the same messages as ``(field index or None, key, message)``, so a form can
    show each one next to its input (see ``schema_problems``).
    """

    def __init__(self, errors: list[str], details: list[tuple[int | None, str, str]] | None = None):
        super().__init__("; ".join(errors))
        self.errors = errors
        self.details = details if details is not None else [(None, "", e) for e in errors]


# --- SQL building blocks -----------------------------------------------------------------------


class Params:
    """The values bound to one DuckDB statement; the SQL text gets only ``$pN`` names."""

    def __init__(self, values: dict | None = None):
        self.values: dict[str, object] = dict(values or {})

    def __call__(self, value) -> str:
        name = f"p{len(self.values) + 1}"
        self.values[name] = value
        return f"${name}"

    def each(self, values) -> str:
        """A comma-separated placeholder per value, for ``x IN (…)``."""
        return ", ".join(self(v) for v in values)


_database_lock = threading.Lock()
_database: tuple[int, duckdb.DuckDBPyConnection] | None = None  # (process id, database)


def _shared_database() -> duckdb.DuckDBPyConnection:
    """The process's DuckDB database for ingestion, made at its first use.

    Opening a DuckDB database costs ~30 ms of CPU; a cursor on an open one almost nothing. So
    every run of a process (a worker's uploads one after another, or the web's checks side by
    side) takes a cursor of this one: its own connection, with its own temporary tables,
    macros and registered Arrow tables, which go when it is closed. The threads and the memory
    limit are the database's, shared by the runs of the process, which bounds the memory of
    runs side by side together. A child made by fork() opens its own.
    """
    global _database
    with _database_lock:
        if _database is None or _database[0] != os.getpid():
            from django.conf import settings

            root = Path(settings.VAR_DIR) / "tmp"
            root.mkdir(parents=True, exist_ok=True)
            spill = Path(tempfile.mkdtemp(prefix=f"duckdb-{os.getpid()}-", dir=root))
            atexit.register(shutil.rmtree, spill, ignore_errors=True)
            database = duckdb.connect(
                ":memory:",
                config={
                    "threads": THREADS,
                    "memory_limit": MEMORY_LIMIT,
                    "preserve_insertion_order": True,
                    "temp_directory": str(spill),
                },
            )
            _database = (os.getpid(), database)
        return _database[1]


def connect(
    workdir: Path | None = None, *, threads: int = THREADS, memory_limit: str = MEMORY_LIMIT
):
    """A DuckDB connection for one run: bounded threads and memory, spilling to disk; close it.

    With the default bounds, a cursor of the process's database (``_shared_database``), which
    spills into its own temporary directory; with others, a database of its own that spills
    into workdir.
    """
    if threads == THREADS and memory_limit == MEMORY_LIMIT:
        cursor = _shared_database().cursor()
        cursor.execute("SET enable_progress_bar = false")  # a setting of each connection
        return cursor
    config = {"threads": threads, "memory_limit": memory_limit, "preserve_insertion_order": True}
    if workdir is not None:
        config["temp_directory"] = str(Path(workdir) / "duckdb-tmp")
    con = duckdb.connect(":memory:", config=config)
    con.execute("SET enable_progress_bar = false")
    return con


def in_list(expr: str, values, p: Params) -> str:
    values = list(values)
    return f"({expr} IN ({p.each(values)}))" if values else "false"


def value_sql(col: str, missing, p: Params) -> str:
    """A cell as clean text: surrounding spaces trimmed, missing-value markers as NULL."""
    missing = list(missing)
    return (
        f"CASE WHEN {in_list(col, missing, p)} THEN NULL "
        f"WHEN prefix({col}, ' ') OR suffix({col}, ' ') THEN "
        f"(CASE WHEN {in_list(f'trim({col})', missing + [''], p)} THEN NULL ELSE trim({col}) END) "
        f"ELSE {col} END"
    )


# Fast paths of typed_sql, tried before the regular expression (which costs more than the
# cast itself): a cell they accept is one the expression accepts too, cast the same way, so
# the result is the same whichever branch takes the cell. An integer written the way DuckDB
# writes it back (digits, an optional minus, no leading zero) and an ISO date of ASCII digits.
_CANONICAL_INTEGER_SQL = "(CAST(TRY_CAST({col} AS BIGINT) AS VARCHAR) = {col})"
_ISO_DATE_GLOB = "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'"


def typed_sql(field: dict, col: str, missing, p: Params) -> tuple[str, str]:
    """(SQL expression, DuckDB type) of a field's typed value; NULL when missing or invalid."""
    kind = field.get("type", "string")
    if kind == "integer":
        expr, sql_type = (
            f"CASE WHEN {_CANONICAL_INTEGER_SQL.format(col=col)} THEN TRY_CAST({col} AS BIGINT) "
            f"WHEN regexp_full_match({col}, {p(INTEGER_RE)}) THEN TRY_CAST({col} AS BIGINT) END",
            "BIGINT",
        )
    elif kind == "number":
        expr = (
            # strpos finds the one character faster than contains (same answer)
            f"CASE WHEN isfinite(TRY_CAST({col} AS DOUBLE)) AND strpos({col}, '_') = 0 "
            f"THEN TRY_CAST({col} AS DOUBLE) END"
        )
        sql_type = "DOUBLE"
    elif kind == "year":
        expr, sql_type = (
            f"CASE WHEN {col} GLOB '[0-9][0-9][0-9][0-9]' THEN TRY_CAST({col} AS INTEGER) "
            f"WHEN regexp_full_match({col}, {p(YEAR_RE)}) THEN TRY_CAST({col} AS INTEGER) END",
            "INTEGER",
        )
    elif kind == "date":
        fmt = field.get("format") or "default"
        if fmt in ("default", "%Y-%m-%d"):
            expr = (
                f"CASE WHEN {col} GLOB {_ISO_DATE_GLOB} THEN TRY_CAST({col} AS DATE) "
                f"WHEN regexp_full_match({col}, {p(DATE_RE)}) THEN TRY_CAST(left(trim({col}), 10) AS DATE) END"
            )
        elif fmt == "any":
            expr = f"TRY_CAST(trim({col}) AS DATE)"
        else:
            expr = f"CAST(try_strptime(trim({col}), {p(fmt)}) AS DATE)"
        sql_type = "DATE"
    elif kind == "boolean":
        trues, falses = boolean_values(field)
        expr = (
            f"CASE WHEN {in_list(f'trim({col})', trues, p)} THEN true "
            f"WHEN {in_list(f'trim({col})', falses, p)} THEN false END"
        )
        sql_type = "BOOLEAN"
    elif kind == "yearmonth":
        expr, sql_type = (
            f"CASE WHEN regexp_full_match({col}, {p(YEARMONTH_RE)}) THEN trim({col}) END",
            "VARCHAR",
        )
    else:
        return value_sql(col, missing, p), "VARCHAR"
    if any(_castable(field, m) for m in missing):
        # A marker such as "0" or "-99" would otherwise come through as a value.
        expr = f"CASE WHEN {in_list(f'trim({col})', missing, p)} THEN NULL ELSE {expr} END"
    return expr, sql_type


def _castable(field: dict, marker: str) -> bool:
    kind = field.get("type")
    if kind in ("integer", "year"):
        return re.fullmatch(INTEGER_RE, marker) is not None
    if kind == "number":
        try:
            float(marker)
        except ValueError:
            return False
        return True
    if kind == "boolean":
        trues, falses = boolean_values(field)
        return marker in trues or marker in falses
    return kind in ("date", "yearmonth") and bool(marker.strip())


def boolean_values(field: dict) -> tuple[list[str], list[str]]:
    return (
        list(field.get("trueValues") or ["true", "True", "TRUE", "1"]),
        list(field.get("falseValues") or ["false", "False", "FALSE", "0"]),
    )


def normalised_number_sql(v: str, decimal_comma: bool, dot_groups: bool, p: Params) -> str:
    """The number a value means once a unit and digit grouping are taken out, as text."""
    n = f"regexp_extract({v}, {p(NUMBER_PART_RE)})"
    plain = (
        f"(isfinite(TRY_CAST({n} AS DOUBLE)) AND NOT contains({n}, ',') AND NOT contains({n}, '_'))"
    )
    if dot_groups:
        plain = f"({plain} AND NOT regexp_full_match({n}, {p(DOT_GROUPS_RE)}))"
    if decimal_comma:
        grouped = f"WHEN regexp_full_match({n}, {p(ID_NUMBER_RE)}) THEN replace(replace({n}, '.', ''), ',', '.')"
    else:
        grouped = f"WHEN regexp_full_match({n}, {p(EN_NUMBER_RE)}) THEN replace({n}, ',', '')"
    return f"CASE WHEN {plain} THEN {n} {grouped} END"


def period_sql(kind: str, v: str, p: Params) -> tuple[str, str]:
    """SQL for (year, number within the year) of a period value; number NULL when unparseable.

    For tahun the number is the year itself. Forms: 2024-S1, Semester I 2024, S2 2024,
    2024-Q1, Triwulan IV 2024, TW 2 2024, 2024-03, 03/2024, Maret 2024, 2024 Mar; a bare
    semester/triwulan/month ("II", "3", "Agustus") when the column holds no year.
    """
    if kind == "tahun":
        year = f"CASE WHEN regexp_full_match({v}, {p(YEAR_RE)}) THEN TRY_CAST({v} AS INTEGER) END"
        return year, year

    def number(x):
        return f"coalesce(TRY_CAST({x} AS INTEGER), list_position({p(_ROMAN)}, lower({x})))"

    def month(x):
        return f"coalesce(TRY_CAST({x} AS INTEGER), list_extract({p(MONTH_NUMBERS)}, list_position({p(MONTH_NAMES)}, lower({x}))))"

    if kind in ("semester", "triwulan"):
        word = _SEMESTER_WORD if kind == "semester" else _QUARTER_WORD
        forms = [  # (regex, year group, number group)
            (rf"(?i)\s*(\d{{4}})\s*[-/ ]?\s*{word}\.?\s*(\d+|[ivx]+)\s*", 1, 2),
            (rf"(?i)\s*{word}\.?\s*(\d+|[ivx]+)\s*[-/ ,]?\s*(\d{{4}})\s*", 2, 1),
            (rf"(?i)\s*(?:{word}\.?\s*)?(\d+|[ivx]+)\s*", None, 1),
        ]
        convert = number
    else:
        forms = [
            (r"\s*(\d{4})\s*[-/.]\s*(\d{1,2})\s*", 1, 2),
            (r"\s*(\d{1,2})\s*[-/.]\s*(\d{4})\s*", 2, 1),
            (r"(?i)\s*([a-z]+)\.?\s*[-/ ]?\s*(\d{4})\s*", 2, 1),
            (r"(?i)\s*(\d{4})\s*[-/ ]?\s*([a-z]+)\.?\s*", 1, 2),
            (r"(?i)\s*(\d{1,2}|[a-z]+)\.?\s*", None, 1),
        ]
        convert = month
    years, numbers = [], []
    for regex, year_group, number_group in forms:
        bound = p(regex)
        match = f"regexp_full_match({v}, {bound})"
        if year_group:
            years.append(
                f"WHEN {match} THEN TRY_CAST(regexp_extract({v}, {bound}, {year_group}) AS INTEGER)"
            )
        numbers.append(
            f"WHEN {match} THEN {convert(f'regexp_extract({v}, {bound}, {number_group})')}"
        )
    return f"CASE {' '.join(years)} END", f"CASE {' '.join(numbers)} END"


def column_names(header: list[str]) -> list[str]:
    """Field names for a header: the header text, made unique and never empty."""
    names, seen = [], set()
    for index, text in enumerate(header):
        name = (text or "").strip()[:1000] or f"Kolom {column_letter(index)}"
        if name in seen:
            name = f"{name} ({column_letter(index)})"
        while name in seen:
            name += "_"
        seen.add(name)
        names.append(name)
    return names


# --- header words ----------------------------------------------------------------------------

_REGION_WORDS = {
    "wilayah": None, "wil": None, "daerah": None, "prov": 1, "provinsi": 1, "kab": 2,
    "kabupaten": 2, "kota": 2, "kabkota": 2, "kabkot": 2, "kec": 3, "kecamatan": 3,
    "desa": 4, "kel": 4, "kelurahan": 4, "desakel": 4,
}  # fmt: skip
_CODE_WORDS = {
    "kode",
    "kd",
    "code",
    "kdwil",
    "kodewilayah",
    "bps",
    "dagri",
    "kemendagri",
    "idwilayah",
}
_UNIT_WORDS = [
    (("persen",), "persen"), (("persentase",), "persen"), (("%",), "persen"),
    (("juta", "rupiah"), "juta rupiah"), (("miliar", "rupiah"), "miliar rupiah"),
    (("ribu", "rupiah"), "ribu rupiah"), (("rupiah",), "rupiah"), (("rp",), "rupiah"),
    (("jiwa",), "jiwa"), (("orang",), "orang"), (("km2",), "km²"), (("km²",), "km²"), (("km",), "km"),
    (("hektar",), "hektar"), (("ha",), "hektar"), (("ton",), "ton"), (("kg",), "kg"),
    (("unit",), "unit"), (("ekor",), "ekor"), (("liter",), "liter"), (("rumah", "tangga"), "rumah tangga"),
    (("ruta",), "rumah tangga"), (("kk",), "kepala keluarga"), (("buah",), "buah"),
]  # fmt: skip
_PERCENT_SIGNED = {
    "pertumbuhan",
    "laju",
    "perubahan",
    "growth",
    "selisih",
    "kenaikan",
    "penurunan",
    "inflasi",
}
_COUNT_WORDS = {"jumlah", "banyaknya", "banyak", "total"}
_ID_WORDS = {"id", "no", "nomor", "nourut", "urut"}


def header_tokens(header: str) -> list[str]:
    text = normalise(header).replace("%", " % ").replace("²", "2")
    return re.findall(r"[a-z0-9]+|%", text)


def unit_from_header(header: str) -> str:
    tokens = header_tokens(header)
    for words, unit in _UNIT_WORDS:
        for i in range(len(tokens) - len(words) + 1):
            if tuple(tokens[i : i + len(words)]) == words:
                return unit
    return ""


def _region_header(tokens: list[str]) -> tuple[bool, int | None, str | None]:
    """(is a code column by its header, level, code system) from header words."""
    words = set(tokens)
    level = next((_REGION_WORDS[t] for t in tokens if _REGION_WORDS.get(t)), None)
    joined = "".join(tokens)
    is_code = bool(words & _CODE_WORDS) and (
        bool(words & set(_REGION_WORDS)) or "bps" in words or joined in _CODE_WORDS
    )
    system = "bps" if "bps" in words else ("kemendagri" if is_code else None)
    return is_code, level, system


def _region_name_header(tokens: list[str]) -> bool:
    words = set(tokens)
    if words & _CODE_WORDS:
        return False
    return bool(words & set(_REGION_WORDS)) and (
        len(words - set(_REGION_WORDS) - {"nama", "dan"}) == 0
    )


# --- inference ---------------------------------------------------------------------------------


def infer_schema(
    sheet: SheetTable, regions: RegionReference | None = None, *, sample_rows: int = SAMPLE_ROWS
) -> dict:
    """A Table Schema for a sheet, from a sample of its rows (types) and all rows (keys, enums)."""
    names = column_names(sheet.header)
    con = connect()
    try:
        if regions is not None:
            regions.register(con)
        for macro in REGION_NAME_MACROS:
            con.execute(macro)
        _load_cells(con, sheet, sample_rows)
        profiles = _profiles(con, len(names), regions)
        fields = [
            _field(name, header, profile)
            for name, header, profile in zip(names, sheet.header, profiles, strict=True)
        ]
        _link_region_names(fields)
        _add_enums(con, sheet, fields, profiles)
        schema = {"fields": fields, "missingValues": list(MISSING_VALUES)}
        key = _primary_key(con, sheet, fields, profiles)
        if key:
            schema["primaryKey"] = key
            for field in fields:
                if field["name"] in key:
                    field["constraints"]["required"] = True
        return schema
    finally:
        con.close()


def _load_cells(con, sheet: SheetTable, sample_rows: int) -> None:
    """The sample as (col, v, n): each column's distinct clean values with their counts.

    Columns are read in chunks, so a wide sheet never puts all its columns in memory at once.
    """
    columns = len(sheet.header)
    sample_rows = max(1000, min(sample_rows, 5_000_000 // max(columns, 1)))
    p = Params()
    source = f"read_parquet({p(str(sheet.data_path))})"
    if sheet.row_count > sample_rows:
        con.execute(
            f"CREATE TEMP TABLE sample_rows AS SELECT {ROW_COLUMN} FROM {source} "  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
            f"USING SAMPLE reservoir({int(sample_rows)} ROWS) REPEATABLE (42)",
            p.values,
        ).fetchall()
        source += f" WHERE {ROW_COLUMN} IN (SELECT {ROW_COLUMN} FROM sample_rows)"  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
    con.execute("CREATE TEMP TABLE cells (col INTEGER, v VARCHAR, n BIGINT)").fetchall()
    for start in range(0, columns, CHUNK_COLUMNS):
        chunk = ", ".join(data_column(i) for i in range(start, min(columns, start + CHUNK_COLUMNS)))
        q = Params(p.values)  # keeps the path placeholder of `source`
        con.execute(
            f"INSERT INTO cells SELECT CAST(substr(col, 2) AS INTEGER), {value_sql('raw', MISSING_VALUES, q)} AS v, "  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
            f"count(*) FROM (UNPIVOT (SELECT {chunk} FROM {source}) ON {chunk} INTO NAME col VALUE raw) GROUP BY ALL",
            q.values,
        ).fetchall()


def _profiles(con, columns: int, regions: RegionReference | None) -> list[dict]:
    """Per column: how many sample values fit each type and shape (weighted by their counts)."""
    p = Params()
    counts = {
        "values": "v IS NOT NULL",
        "integer": f"regexp_full_match(v, {p(INTEGER_RE)})",
        "leading_zero": f"regexp_full_match(v, {p(LEADING_ZERO_RE)})",
        "long": "length(v) > 15",
        "id_evidence": f"regexp_full_match(regexp_extract(v, {p(NUMBER_PART_RE)}), {p(ID_EVIDENCE_RE)}) "
        f"OR regexp_full_match(v, {p(RUPIAH_GROUPS_RE)})",
        "en_evidence": f"regexp_full_match(regexp_extract(v, {p(NUMBER_PART_RE)}), {p(EN_EVIDENCE_RE)})",
        "date": f"regexp_full_match(v, {p(DATE_RE)}) AND TRY_CAST(left(v, 10) AS DATE) IS NOT NULL",
        "date_dmy": f"try_strptime(v, {p('%d/%m/%Y')}) IS NOT NULL",
        "date_dmy_dash": f"try_strptime(v, {p('%d-%m-%Y')}) IS NOT NULL",
        "year": f"regexp_full_match(v, {p(YEAR_RE)}) AND TRY_CAST(v AS INTEGER) BETWEEN {YEAR_MIN} AND {YEAR_MAX}",
        "yearmonth": f"regexp_full_match(v, {p(YEARMONTH_RE)})",
        "true": in_list("lower(v)", ["ya", "true", "yes"], p),
        "false": in_list("lower(v)", ["tidak", "false", "no"], p),
        "rupiah": f"regexp_matches(v, {p(RUPIAH_RE)})",
        "percent": "suffix(v, '%')",
    }
    for kind in ("semester", "triwulan", "bulan"):
        year, number = period_sql(kind, "v", p)
        counts[f"{kind}_dated"] = (
            f"{year} IS NOT NULL AND {number} BETWEEN 1 AND {PERIOD_RANGE[kind]}"
        )
        counts[kind] = f"{number} BETWEEN 1 AND {PERIOD_RANGE[kind]}"
    joins = ""
    if regions is not None:
        con.register("ref_names", regions.normalised_names())
        counts["known"] = "r.code IS NOT NULL"
        counts["bps"] = "b.code IS NOT NULL"
        counts["name"] = "m.norm IS NOT NULL"
        joins = (
            f"LEFT JOIN {REGIONS} r ON r.code = c.v LEFT JOIN {CROSSWALK} b ON b.bps_code = c.v "
            "LEFT JOIN ref_names m ON m.norm = region_norm(c.v)"
        )
    select = ", ".join(f"sum(c.n) FILTER (WHERE {expr}) AS {key}" for key, expr in counts.items())
    rows = con.execute(
        f"SELECT col, {select}, count(v) AS distinct_values, max(length(v)) AS longest "  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
        f"FROM cells c {joins} GROUP BY col",
        p.values,
    ).fetchall()
    keys = ["index", *counts, "distinct_values", "longest"]
    profiles = [{key: 0 for key in keys} | {"index": i} for i in range(columns)]
    for row in rows:
        profiles[row[0]] = {key: value or 0 for key, value in zip(keys, row, strict=True)}
    _profile_numbers(con, profiles)
    _profile_units(con, profiles)
    if regions is not None:
        _profile_regions(con, profiles)
    return profiles


def _profile_numbers(con, profiles: list[dict]) -> None:
    """How many values read as numbers once units and digit grouping are allowed for.

    Three readings are counted at once: decimal comma with dots as thousands (when the
    column shows Indonesian grouping), decimal comma alone, and English grouping.
    """
    p = Params()
    unit_ok = f"regexp_full_match(v, {p(UNIT_RE)})"
    fits = (
        f"(NOT contains(v, '_') AND isfinite(TRY_CAST(v AS DOUBLE)) OR {unit_ok} "
        f"OR regexp_full_match(v, {p(ID_NUMBER_RE)}) OR regexp_full_match(v, {p(EN_NUMBER_RE)}))"
    )
    integral = p(INTEGER_RE)
    parts = []
    for reading, (comma, groups) in {
        "id": (True, True),
        "dc": (True, False),
        "en": (False, False),
    }.items():
        n = normalised_number_sql("v", comma, groups, p)
        parts.append(
            f"sum(n) FILTER (WHERE {n} IS NOT NULL AND {fits}) AS numeric_{reading}, "
            f"sum(n) FILTER (WHERE {fits} AND regexp_full_match({n}, {integral})) AS integral_{reading}, "
            f"min(TRY_CAST({n} AS DOUBLE)) FILTER (WHERE {fits}) AS min_{reading}, "
            f"max(TRY_CAST({n} AS DOUBLE)) FILTER (WHERE {fits}) AS max_{reading}"
        )
    result = con.execute(
        f"SELECT col, {', '.join(parts)} FROM cells WHERE v IS NOT NULL GROUP BY col",  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
        p.values,
    )
    keys = [d[0] for d in result.description]
    for row in result.fetchall():
        data = dict(zip(keys, row, strict=True))
        profile = profiles[data["col"]]
        if profile["id_evidence"] >= profile["en_evidence"]:
            reading = "id" if profile["id_evidence"] else "dc"
        else:
            reading = "en"
        for key in ("numeric", "integral", "min", "max"):
            profile[key] = data[f"{key}_{reading}"]


def _profile_units(con, profiles: list[dict]) -> None:
    """A unit written in the cells themselves ("Rp 1.000", "12 %", "300 jiwa")."""
    p = Params()
    rows = con.execute(
        f"SELECT col, lower(regexp_extract(v, {p(UNIT_RE)}, 3)) AS unit, sum(n) AS total FROM cells "  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
        f"WHERE v IS NOT NULL AND regexp_full_match(v, {p(UNIT_RE)}) GROUP BY ALL ORDER BY col, total DESC, unit",
        p.values,
    ).fetchall()
    for col, unit, total in rows:
        profile = profiles[col]
        values = profile["values"]
        if "value_unit" in profile or not values:
            continue
        if profile["rupiah"] >= values / 2:
            profile["value_unit"] = "rupiah"
        elif profile["percent"] >= values / 2:
            profile["value_unit"] = "persen"
        elif unit and total >= values / 2 and re.fullmatch(r"[a-z²³]+", unit):
            profile["value_unit"] = unit


def _profile_regions(con, profiles: list[dict]) -> None:
    for col, level, province, total in con.execute(
        f"SELECT col, r.level, left(r.code, 2), sum(n) FROM cells JOIN {REGIONS} r ON r.code = cells.v GROUP BY ALL"  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
    ).fetchall():
        profile = profiles[col]
        levels = profile.setdefault("levels", {})
        levels[level] = levels.get(level, 0) + total
        profile.setdefault("provinces", set()).add(province)
    for col, length, total in con.execute(
        f"SELECT col, length(v), sum(n) FROM cells JOIN {CROSSWALK} b ON b.bps_code = cells.v GROUP BY ALL"  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
    ).fetchall():
        profiles[col].setdefault("bps_lengths", {})[length] = total


def _share(profile: dict, key: str) -> float:
    return (profile.get(key) or 0) / profile["values"] if profile["values"] else 0.0


def _field(name: str, header: str, profile: dict) -> dict:
    tokens = header_tokens(header)
    words = set(tokens)
    field: dict = {"name": name, "type": "string", "constraints": {"required": False}}
    is_code, level, system = _region_header(tokens)
    known, bps = _share(profile, "known"), _share(profile, "bps")
    looks_bps = bps >= REGION_SHARE and known < 1 - REGION_SHARE and (is_code or "kode" in words)
    if is_code or known >= REGION_SHARE or looks_bps:
        return _region_field(
            field, profile, level, "bps" if (system == "bps" or looks_bps) else "kemendagri"
        )
    if profile["values"] == 0:
        field["satudata:role"] = "attribute"
        return field

    period = _period_of(words, profile)
    if period:
        field["satudata:role"] = "period"
        field["satudata:period"] = period
        field["constraints"]["required"] = True
        if period == "tahun":
            field["type"] = "year"
        elif period == "bulan" and _share(profile, "yearmonth") >= TYPE_SHARE:
            field["type"] = "yearmonth"
        elif _share(profile, "integer") >= TYPE_SHARE:
            field["type"] = "integer"
        return field

    if (
        _share(profile, "true") + _share(profile, "false") == 1.0
        and profile["true"]
        and profile["false"]
    ):
        field["type"] = "boolean"
        field["trueValues"] = [
            v for word in ("ya", "true", "yes") for v in (word, word.title(), word.upper())
        ]
        field["falseValues"] = [
            v for word in ("tidak", "false", "no") for v in (word, word.title(), word.upper())
        ]
        field["satudata:role"] = "attribute"
        return field
    for key, fmt in (("date", None), ("date_dmy", "%d/%m/%Y"), ("date_dmy_dash", "%d-%m-%Y")):
        if _share(profile, key) >= TYPE_SHARE:
            field["type"] = "date"
            if fmt:
                field["format"] = fmt
            field["satudata:role"] = "attribute"
            return field

    codes_like = profile["leading_zero"] or (profile["long"] and _share(profile, "integer") > 0)
    if not codes_like and _share(profile, "numeric") >= TYPE_SHARE:
        return _measure_field(field, header, words, profile)

    if _region_name_header(tokens) or _share(profile, "name") >= NAME_SHARE:
        field["satudata:role"] = "region_name"
        return field
    field["satudata:role"] = "attribute"
    return field


def _region_field(field: dict, profile: dict, level: int | None, system: str) -> dict:
    field["satudata:role"] = "region_code"
    field["satudata:code_system"] = system
    field["constraints"]["required"] = True
    levels = profile.get("levels") or {}
    total = sum(levels.values())
    if system == "bps":
        lengths = profile.get("bps_lengths") or {}
        by_length = {2: 1, 4: 2, 7: 3, 10: 4}
        if lengths:
            level = level or by_length.get(max(lengths, key=lengths.get))
        pattern = BPS_LEVEL_RE.get(level, r"\d{2}(\d{2}(\d{3}(\d{3})?)?)?")
    else:
        if total:
            top = max(levels, key=levels.get)
            if levels[top] >= REGION_SHARE * total:
                level = level or top
        pattern = LEVEL_RE.get(level, KEMENDAGRI_RE)
        provinces = profile.get("provinces") or set()
        if level and level > 1 and len(provinces) == 1:
            province = next(iter(provinces))
            pattern = re.escape(province) + pattern[len(r"\d{2}") :]
    if level:
        field["satudata:level"] = level
    field["constraints"]["pattern"] = f"^{pattern}$"
    return field


def _period_of(words: set[str], profile: dict) -> str | None:
    if words & {"tahun", "year", "thn", "th"} and _share(profile, "year") >= TYPE_SHARE:
        return "tahun"
    for kind in ("semester", "triwulan", "bulan"):
        if _share(profile, f"{kind}_dated") >= TYPE_SHARE and not (
            kind == "bulan" and _share(profile, "date") > 0
        ):
            return kind
    header_words = {
        "semester": {"semester", "smt"},
        "triwulan": {"triwulan", "tw", "kuartal", "quarter"},
        "bulan": {"bulan", "month"},
    }
    for kind, kind_words in header_words.items():
        if words & kind_words and _share(profile, kind) >= TYPE_SHARE:
            return kind
    return None


def _measure_field(field: dict, header: str, words: set[str], profile: dict) -> dict:
    field["type"] = "integer" if _share(profile, "integral") >= TYPE_SHARE else "number"
    field["satudata:role"] = "attribute" if words & _ID_WORDS else "measure"
    unit = unit_from_header(header) or profile.get("value_unit", "")
    if unit:
        field["unit"] = unit
    low, high = profile.get("min"), profile.get("max")
    if (
        unit == "persen"
        and not words & _PERCENT_SIGNED
        and low is not None
        and 0 <= low
        and high <= 100
    ):
        field["constraints"].update(minimum=0, maximum=100)
    elif field["type"] == "integer" and words & _COUNT_WORDS and low is not None and low >= 0:
        field["constraints"]["minimum"] = 0
    return field


def _link_region_names(fields: list[dict]) -> None:
    """Each region-name column is checked against the nearest region-code column."""
    codes = [i for i, f in enumerate(fields) if f.get("satudata:role") == "region_code"]
    for i, field in enumerate(fields):
        if field.get("satudata:role") == "region_name" and codes:
            nearest = min(codes, key=lambda c: (abs(c - i), c > i))
            field["satudata:code_field"] = fields[nearest]["name"]


def _add_enums(con, sheet: SheetTable, fields: list[dict], profiles: list[dict]) -> None:
    """Low-cardinality text columns get their values as an enum, counted over every row."""
    p_path = str(sheet.data_path)
    for field, profile in zip(fields, profiles, strict=True):
        if field["type"] != "string" or field.get("satudata:role") != "attribute":
            continue
        if (
            not (0 < (profile["distinct_values"] or 0) <= ENUM_MAX)
            or (profile["longest"] or 0) > 100
        ):
            continue
        p = Params()
        v = value_sql(data_column(profile["index"]), MISSING_VALUES, p)
        rows = con.execute(
            f"SELECT v, count(*) FROM (SELECT {v} AS v FROM read_parquet({p(p_path)})) "  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
            f"WHERE v IS NOT NULL GROUP BY v ORDER BY v LIMIT {ENUM_MAX + 1}",
            p.values,
        ).fetchall()
        total = sum(n for _v, n in rows)
        if 2 <= len(rows) <= ENUM_MAX and total >= ENUM_MIN_ROWS and len(rows) * 2 <= total:
            field["constraints"]["enum"] = [value for value, _n in rows]


def _primary_key(con, sheet: SheetTable, fields: list[dict], profiles: list[dict]) -> list[str]:
    """Region code + period (+ one or two category columns), or an id column, when unique."""
    by_role: dict[str | None, list[int]] = {}
    for index, field in enumerate(fields):
        by_role.setdefault(field.get("satudata:role"), []).append(index)
    code = by_role.get("region_code", [])[:1]
    periods = by_role.get("period", [])
    extras = [
        i for i in by_role.get("attribute", [])
        if fields[i]["type"] == "string" and 0 < profiles[i]["distinct_values"] <= ENUM_MAX
    ]  # fmt: skip
    extras.sort(key=lambda i: profiles[i]["distinct_values"])
    cores = [core for core in (code, code + periods[:1], code + periods) if core]
    candidates = []
    for core in cores:
        candidates.append(core)
    for core in cores[-1:]:
        candidates += [core + [e] for e in extras]
        candidates += [core + [a, b] for n, a in enumerate(extras) for b in extras[n + 1 :]]
    ids = [
        i for i in by_role.get("attribute", [])
        if fields[i]["type"] in ("integer", "string") and set(header_tokens(fields[i]["name"])) & _ID_WORDS
    ]  # fmt: skip
    candidates += [[i] for i in ids]
    unique_candidates: list[list[int]] = []
    for candidate in candidates:
        if candidate not in unique_candidates:
            unique_candidates.append(candidate)
    candidates = unique_candidates
    for key in candidates[:12]:
        if _unique(con, sheet, key):
            names = [fields[i]["name"] for i in key]
            if len(key) == 1:
                fields[key[0]]["constraints"]["unique"] = True
            return names
    return []


def _unique(con, sheet: SheetTable, columns: list[int]) -> bool:
    """True when the columns hold a value in every row and no combination twice.

    The head of the sheet is tried first: a duplicate there rules the key out cheaply.
    """
    if sheet.row_count < 2:
        return False
    for head in ((KEY_HEAD_ROWS,) if sheet.row_count > KEY_HEAD_ROWS else ()) + (None,):
        p = Params()
        values = ", ".join(
            f"{value_sql(data_column(i), MISSING_VALUES, p)} AS k{n}" for n, i in enumerate(columns)
        )
        keys = ", ".join(f"k{n}" for n in range(len(columns)))
        missing = " OR ".join(f"k{n} IS NULL" for n in range(len(columns)))
        limit = f" LIMIT {int(head)}" if head else ""
        row = con.execute(
            f"SELECT count(*) FILTER (WHERE {missing}), count(*) - count(DISTINCT ({keys})) "  # nosec B608  # SQL holds only code-made identifiers (c0, t3) and constants; values are bound $n parameters
            f"FROM (SELECT {values} FROM read_parquet({p(str(sheet.data_path))}){limit})",
            p.values,
        ).fetchall()[0]
        if row[0] or row[1]:
            return False
    return True


# --- merging with the contract and editing -----------------------------------------------------

# Keys a new upload may add to a contract field that lacks them (descriptions, not rules).
_FILL_KEYS = (
    "unit",
    "satudata:role",
    "satudata:code_system",
    "satudata:level",
    "satudata:code_field",
    "satudata:period",
)
# Keys that only make sense with a type; taken from the upload when the contract has the same type.
_TYPE_KEYS = ("format", "trueValues", "falseValues")


def merge_schema(previous: dict, inferred: dict) -> dict:
    """The contract (previous) applied to a new upload's inferred schema.

    For a column of the same name the contract's field wins: its type, format, constraints,
    title and MS-Var metadata are what the Produsen agreed to (or edited). Columns new in the
    upload come in as inferred; contract columns the upload lacks are listed under
    ``satudata:absent_fields`` so validation can report them.
    """
    before = {f.get("name"): f for f in previous.get("fields", [])}
    fields = []
    for field in inferred.get("fields", []):
        agreed = before.get(field["name"])
        if agreed is None:
            fields.append(field)
            continue
        merged = {**agreed, "constraints": dict(agreed.get("constraints", {}))}
        for key in _FILL_KEYS:
            if key not in merged and key in field:
                merged[key] = field[key]
        if merged.get("type") == field.get("type"):
            for key in _TYPE_KEYS:
                if key not in merged and key in field:
                    merged[key] = field[key]
        if merged.get("satudata:role") == "region_code":
            merged["type"] = "string"  # region codes always stay text
        fields.append(merged)
    names = {f["name"] for f in fields}
    schema = {
        k: v
        for k, v in previous.items()
        if k not in ("fields", "primaryKey", "satudata:absent_fields")
    }
    schema["fields"] = fields
    schema.setdefault("missingValues", inferred.get("missingValues", list(MISSING_VALUES)))
    key = previous.get("primaryKey")
    if isinstance(key, str):
        key = [key]
    if key and all(k in names for k in key):
        schema["primaryKey"] = list(key)
    elif key == []:
        schema["primaryKey"] = []  # the Produsen removed the key in the editor: none is inferred
    elif inferred.get("primaryKey"):
        schema["primaryKey"] = list(inferred["primaryKey"])
    absent = [
        {"name": name, "required": bool((field.get("constraints") or {}).get("required"))}
        for name, field in before.items()
        if name not in names
    ]
    if absent:
        schema["satudata:absent_fields"] = absent
    return schema


TYPE_LABELS = {
    "string": _lazy("teks"),
    "integer": _lazy("bilangan bulat"),
    "number": _lazy("bilangan desimal"),
    "boolean": _lazy("ya/tidak"),
    "date": _lazy("tanggal"),
    "year": _lazy("tahun"),
    "yearmonth": _lazy("tahun-bulan"),
}
RANGE_TYPES = ("integer", "number", "date", "year")  # the types validation checks bounds on


def check_schema(schema: dict) -> list[str]:
    """What is wrong with a schema, in Indonesian; an empty list when it can be used."""
    return [message for _index, _key, message in schema_problems(schema)]


def schema_problems(schema: dict) -> list[tuple[int | None, str, str]]:
    """What is wrong with a schema as (field index or None, key, Indonesian message).

    The key names what the message is about: a field key (``type``, ``format``, ``name``,
    ``satudata:role`` …), a constraint (``enum``, ``pattern``, ``minimum`` …) or, with index
    None, ``fields``, ``primaryKey`` or ``missingValues``.
    """
    errors: list[tuple[int | None, str, str]] = []
    fields = schema.get("fields")
    if not isinstance(fields, list) or not fields:
        return [(None, "fields", _("Skema harus memuat paling sedikit satu kolom."))]
    seen = set()
    for index, field in enumerate(fields):
        number = index + 1
        if not isinstance(field, dict):
            errors.append((index, "", _("Kolom ke-%(n)s tidak terbaca.") % {"n": number}))
            continue
        name = field.get("name")
        if not isinstance(name, str) or not name.strip():
            errors.append((index, "name", _("Kolom ke-%(n)s belum diberi nama.") % {"n": number}))
            continue
        if name in seen:
            errors.append(
                (
                    index,
                    "name",
                    _("Nama kolom “%(name)s” dipakai lebih dari sekali.") % {"name": name},
                )
            )
        seen.add(name)
        errors += [(index, key, message) for key, message in _check_field(field)]
    key = schema.get("primaryKey") or []
    for name in [key] if isinstance(key, str) else key:
        if name not in seen:
            errors.append(
                (
                    None,
                    "primaryKey",
                    _("Kunci utama memakai kolom “%(name)s” yang tidak ada.") % {"name": name},
                )
            )
    missing = schema.get("missingValues", MISSING_VALUES)
    if not isinstance(missing, list) or not all(isinstance(m, str) for m in missing):
        errors.append(
            (None, "missingValues", _("Daftar penanda nilai kosong harus berupa daftar teks."))
        )
    elif any(len(m) > 100 for m in missing) or len(missing) > 100:
        errors.append(
            (
                None,
                "missingValues",
                _(
                    "Penanda nilai kosong paling banyak 100, masing-masing paling panjang 100 karakter."
                ),
            )
        )
    return errors


def _check_field(field: dict) -> list[tuple[str, str]]:
    """What is wrong with one field, as (key, Indonesian message)."""
    name, kind = field["name"], field.get("type", "string")
    errors = []
    if kind not in TYPES:
        return [
            (
                "type",
                _(
                    "Tipe “%(type)s” untuk kolom “%(name)s” tidak dikenal. Pilih salah satu: %(types)s."
                )
                % {"type": kind, "name": name, "types": ", ".join(TYPES)},
            )
        ]
    role = field.get("satudata:role")
    if role is not None and role not in ROLES:
        errors.append(
            (
                "satudata:role",
                _("Peran “%(role)s” untuk kolom “%(name)s” tidak dikenal.")
                % {"role": role, "name": name},
            )
        )
    if role == "region_code" and kind != "string":
        errors.append(
            (
                "type",
                _(
                    "Kolom kode wilayah “%(name)s” harus bertipe teks, agar 53.10 tidak berubah menjadi 53.1."
                )
                % {"name": name},
            )
        )
    if field.get("satudata:code_system", "kemendagri") not in CODE_SYSTEMS:
        errors.append(
            (
                "satudata:code_system",
                _("Sistem kode untuk kolom “%(name)s” harus kemendagri atau bps.") % {"name": name},
            )
        )
    if field.get("satudata:period", "tahun") not in PERIODS:
        errors.append(
            (
                "satudata:period",
                _(
                    "Jenis periode untuk kolom “%(name)s” harus tahun, semester, triwulan atau bulan."
                )
                % {"name": name},
            )
        )
    if kind == "date" and field.get("format", "default") not in DATE_FORMATS:
        errors.append(
            (
                "format",
                _(
                    "Format tanggal “%(format)s” untuk kolom “%(name)s” tidak didukung. Pilih salah satu: %(formats)s."
                )
                % {"format": field.get("format"), "name": name, "formats": ", ".join(DATE_FORMATS)},
            )
        )
    constraints = field.get("constraints") or {}
    if not isinstance(constraints, dict):
        return errors + [
            ("constraints", _("Batasan kolom “%(name)s” tidak terbaca.") % {"name": name})
        ]
    for key in constraints:
        if key not in CONSTRAINTS:
            errors.append(
                (
                    key,
                    _("Batasan “%(key)s” pada kolom “%(name)s” tidak didukung.")
                    % {"key": key, "name": name},
                )
            )
    pattern = constraints.get("pattern")
    if pattern is not None:
        if not _valid_pattern(pattern):
            errors.append(
                (
                    "pattern",
                    _(
                        "Pola (regex) untuk kolom “%(name)s” tidak sah: %(pattern)s. Periksa tanda "
                        "kurung dan garis miring terbalik; lookahead/lookbehind dan rujukan balik "
                        "(\\1) tidak didukung."
                    )
                    % {"name": name, "pattern": pattern},
                )
            )
        elif kind != "string":
            errors.append(
                (
                    "pattern",
                    _(
                        "Pola (regex) hanya berlaku untuk kolom teks; kolom “%(name)s” bertipe %(type)s."
                    )
                    % {"name": name, "type": TYPE_LABELS[kind]},
                )
            )
    enum = constraints.get("enum")
    if enum is not None:
        if not isinstance(enum, list) or not enum:
            errors.append(
                (
                    "enum",
                    _("Daftar nilai yang diperbolehkan untuk kolom “%(name)s” kosong.")
                    % {"name": name},
                )
            )
        elif kind == "boolean":
            errors.append(
                (
                    "enum",
                    _(
                        "Daftar pilihan tidak berlaku untuk kolom ya/tidak “%(name)s”; kosongkan isiannya."
                    )
                    % {"name": name},
                )
            )
        elif wrong := [v for v in enum if parse_value(kind, v) is None]:
            errors.append(
                (
                    "enum",
                    _(
                        "Ada nilai di daftar pilihan kolom “%(name)s” yang tidak sesuai tipenya "
                        "(%(type)s): %(values)s."
                    )
                    % {
                        "name": name,
                        "type": TYPE_LABELS[kind],
                        "values": ", ".join(f"“{v}”" for v in wrong[:5]),
                    },
                )
            )
        elif len({str(parse_value(kind, v)) for v in enum}) != len(enum):
            errors.append(
                (
                    "enum",
                    _("Daftar pilihan kolom “%(name)s” memuat nilai ganda.") % {"name": name},
                )
            )
    bounds = {}
    for key in ("minimum", "maximum"):
        if key not in constraints:
            continue
        if kind not in RANGE_TYPES:
            errors.append(
                (
                    key,
                    _(
                        "Batas %(key)s hanya berlaku untuk kolom angka, tahun atau tanggal; "
                        "kolom “%(name)s” bertipe %(type)s."
                    )
                    % {"key": key, "name": name, "type": TYPE_LABELS[kind]},
                )
            )
            continue
        bounds[key] = parse_value(kind, constraints[key])
        if bounds[key] is None:
            errors.append(
                (
                    key,
                    _("Batas %(key)s untuk kolom “%(name)s” tidak sesuai tipenya (%(type)s).")
                    % {"key": key, "name": name, "type": TYPE_LABELS[kind]},
                )
            )
    if (
        bounds.get("minimum") is not None
        and bounds.get("maximum") is not None
        and bounds["minimum"] > bounds["maximum"]
    ):
        errors.append(
            (
                "minimum",
                _("Batas bawah kolom “%(name)s” lebih besar dari batas atasnya.") % {"name": name},
            )
        )
    for key in ("required", "unique"):
        if key in constraints and not isinstance(constraints[key], bool):
            errors.append(
                (
                    key,
                    _("Isian “%(key)s” pada kolom “%(name)s” harus ya atau tidak.")
                    % {"key": key, "name": name},
                )
            )
    return errors


def _valid_pattern(pattern) -> bool:
    """A pattern both Python and DuckDB (RE2) accept; RE2 has no look-arounds or backreferences."""
    if not isinstance(pattern, str) or len(pattern) > 1000:
        return False
    try:
        re.compile(pattern)
        con = connect()
        try:
            con.execute("SELECT regexp_full_match('', $p)", {"p": pattern}).fetchall()[0]
        finally:
            con.close()
    except (re.error, duckdb.Error):
        return False
    return True


def parse_value(kind: str, value):
    """A schema value (bound, enum entry) read as the field's type; None when it does not fit."""
    if isinstance(value, bool) and kind != "boolean":
        return None
    try:
        if kind in ("integer", "year"):
            return (
                int(value)
                if isinstance(value, int) or re.fullmatch(INTEGER_RE, str(value))
                else None
            )
        if kind == "number":
            number = float(value)
            return number if number == number and abs(number) != float("inf") else None
        if kind == "date":
            return dt.date.fromisoformat(str(value))
        if kind == "yearmonth":
            return str(value) if re.fullmatch(YEARMONTH_RE, str(value)) else None
    except (TypeError, ValueError):
        return None
    return str(value) if not isinstance(value, (dict, list)) else None


def split_values(text: str) -> list[str]:
    """Values typed in a form: one per line, or separated by commas when all are on one line."""
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    if len(lines) == 1 and "," in lines[0]:
        lines = [part.strip() for part in lines[0].split(",") if part.strip()]
    return lines


def schema_from_form(data: dict) -> dict:
    """A schema from edited form data; raises SchemaError with Indonesian messages.

    ``data`` is ``{"fields": [...], "primaryKey": [...] or "a, b", "missingValues": ...}``;
    a field may give ``required``/``unique`` as checkbox values (only true ones are kept),
    ``enum`` as text (``split_values``: one value per line, or comma-separated on one line),
    bounds as text (a decimal comma is read as a point for numbers), and MS-Var keys as text
    (empty ones are dropped). ``missingValues`` may be text as well; the empty cell is always
    one of them. ``SchemaError.details`` tie each message to a field index and key.
    """
    fields = []
    for raw in data.get("fields") or []:
        field = {
            k: v
            for k, v in raw.items()
            if k.startswith("satudata:") or k in ("trueValues", "falseValues")
        }
        field["name"] = str(raw.get("name") or "").strip()
        field["type"] = str(raw.get("type") or "string").strip()
        for key in ("title", "format", *MS_VAR_KEYS):
            value = str(raw.get(key) or "").strip()
            if value:
                field[key] = value
        constraints = dict(raw.get("constraints") or {})
        for key in ("required", "unique"):
            if key in raw:
                if raw[key] in (True, "on", "true", "1", 1, "ya"):
                    constraints[key] = True
                else:
                    constraints.pop(key, None)
        enum = raw.get("enum", constraints.get("enum"))
        if isinstance(enum, str):
            enum = split_values(enum)
        if enum:
            constraints["enum"] = [_form_value(field["type"], v) for v in enum]
        else:
            constraints.pop("enum", None)
        for key in ("minimum", "maximum", "pattern"):
            value = raw.get(key, constraints.get(key))
            if isinstance(value, str):
                value = value.strip()
            if value in (None, ""):
                constraints.pop(key, None)
            else:
                constraints[key] = value if key == "pattern" else _form_value(field["type"], value)
        field["constraints"] = constraints
        fields.append(field)
    missing = data.get("missingValues", list(MISSING_VALUES))
    if isinstance(missing, str):
        missing = [""] + [m for m in split_values(missing) if m]
    schema = {"fields": fields, "missingValues": missing}
    key = data.get("primaryKey")
    if isinstance(key, str):
        key = [k.strip() for k in key.split(",") if k.strip()]
    if key:
        schema["primaryKey"] = list(key)
    details = schema_problems(schema)
    if details:
        raise SchemaError([message for _i, _k, message in details], details)
    return schema


def _form_value(kind: str, value):
    """A typed value from form text (numbers as numbers, dates as ISO text); as given if unreadable."""
    if kind == "number" and isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+,\d+\s*", value):
        value = value.replace(",", ".")  # 12,5: the Indonesian decimal comma
    parsed = parse_value(kind, value)
    if parsed is None:
        return value
    if isinstance(parsed, dt.date):
        return parsed.isoformat()
    return parsed if kind in ("integer", "year", "number") else value
