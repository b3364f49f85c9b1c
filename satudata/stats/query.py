"""The query engine: DuckDB over the Parquet of one published table version.

Safety: the SQL text only ever holds positional aliases made here (``c0``, ``c1`` …, ``_id``),
function names from the fixed lists below and ``$pN`` placeholders. A column name a caller
gives is looked up in the version's stored Table Schema and replaced by its alias; every
value is a bound parameter. The Parquet path comes from the content-addressed store (a
SHA-256 key), never from a caller.

Guard rails (settings): a time limit per statement (DuckDB has no statement timeout, so a
timer interrupts the cursor), a maximum page size and group count (answers cut by them carry
``truncated: true``), and bounded threads and memory.

Speed: one DuckDB database per process with a cursor per thread, one view per Parquet file
(created once), and a bounded LRU cache of finished answers keyed by (Parquet key, query):
versions never change, so an answer never goes stale.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import functools
import json
import math
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field

import duckdb
from django.conf import settings
from django.utils.translation import gettext as _

from satudata.lib import filestore

OPERATORS = ("eq", "ne", "in", "gt", "gte", "lt", "lte", "contains")
AGGREGATES = ("count", "sum", "avg", "min", "max")
NUMERIC_AGGREGATES = ("sum", "avg")
NUMERIC_TYPES = ("integer", "number", "year")
ROW_ID = "_id"
MAX_FILTERS = 30
MAX_FACETS = 5
MAX_GROUP_COLUMNS = 5
MAX_METRICS = 10
MAX_IN_VALUES = 500
MAX_VALUE_LENGTH = 1000

_SQL_OPERATORS = {"eq": "=", "ne": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


class QueryError(Exception):
    """A query the engine refuses; `code` is stable, `message` is for people (Indonesian)."""

    status = 400

    def __init__(self, code: str, message: str, detail=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail


class QueryTimeout(QueryError):
    status = 503

    def __init__(self):
        super().__init__(
            "query_timeout",
            _("Kueri melebihi batas waktu. Persempit filter atau kurangi kolom pengelompokan."),
            {"time_limit_ms": settings.QUERY_TIME_LIMIT_MS},
        )


class TableUnavailable(QueryError):
    status = 404

    def __init__(self):
        super().__init__("not_queryable", _("Versi ini tidak memiliki tabel yang dapat dikueri."))


# --- the table of a version ------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    alias: str
    role: str = ""

    @property
    def numeric(self):
        return self.type in NUMERIC_TYPES


ROW_ID_FIELD = Field(ROW_ID, "integer", ROW_ID)


class Table:
    """The queryable table of a version: its fields from the stored schema, its Parquet file."""

    def __init__(self, version):
        if not version.parquet_key:
            raise TableUnavailable()
        self.key = version.parquet_key
        self.sha256 = version.sha256
        self.fields = [
            Field(
                str(f.get("name", "")),
                str(f.get("type", "string")),
                f"c{i}",
                str(f.get("satudata:role", "")),
            )
            for i, f in enumerate(version.schema.get("fields", []))
        ]
        self._by_name = {f.name: f for f in self.fields}
        self._by_name[ROW_ID] = ROW_ID_FIELD
        self.view = f"v_{self.key[:32]}"

    def field(self, name) -> Field:
        found = self._by_name.get(name) if isinstance(name, str) else None
        if found is None:
            raise QueryError(
                "unknown_column",
                _("Kolom tidak dikenal: %(name)s") % {"name": str(name)[:100]},
                {"column": str(name)[:100]},
            )
        return found

    def by_role(self, role) -> list[Field]:
        return [f for f in self.fields if f.role == role]

    def describe(self, fields=None) -> list[dict]:
        return [{"name": f.name, "type": f.type} for f in (fields or self.fields)]


# --- the parts of a query --------------------------------------------------------------------


@dataclass(frozen=True)
class Filter:
    field: Field
    op: str
    value: object  # a tuple for "in"


@dataclass(frozen=True)
class Metric:
    function: str
    field: Field | None  # None: count(*)

    @property
    def name(self):
        return self.function if self.field is None else f"{self.function}_{self.field.name}"


@dataclass(frozen=True)
class RowQuery:
    columns: tuple = ()
    filters: tuple = ()
    q: str = ""
    sort: tuple = ()  # (Field, descending)
    limit: int = 100
    offset: int = 0
    after: str = ""  # keyset cursor
    facets: tuple = ()
    include_total: bool = True
    distinct: bool = False
    truncated: bool = False  # set when the asked limit was cut to the maximum


@dataclass(frozen=True)
class AggregateQuery:
    group_by: tuple = ()
    metrics: tuple = ()
    filters: tuple = ()
    q: str = ""
    sort: tuple = ()  # (name, descending); names of group columns or metrics


def coerce(field: Field, value):
    """A caller's value as the Python value of the column's type (bound, never inlined)."""
    if value is None:
        return None
    if isinstance(value, bool | int | float) and not isinstance(value, str):
        raw = value
    else:
        raw = str(value)
        if len(raw) > MAX_VALUE_LENGTH:
            raise QueryError(
                "invalid_value", _("Nilai filter terlalu panjang."), {"column": field.name}
            )
    try:
        if field.type in ("integer", "year"):
            if isinstance(raw, float) and raw.is_integer():
                return int(raw)
            if isinstance(raw, bool) or isinstance(raw, float):
                raise ValueError
            return int(raw) if isinstance(raw, int) else int(raw.strip())
        if field.type == "number":
            number = float(raw)
            if not math.isfinite(number):
                raise ValueError
            return number
        if field.type == "boolean":
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in ("true", "1", "ya", "yes"):
                return True
            if text in ("false", "0", "tidak", "no"):
                return False
            raise ValueError
        if field.type == "date":
            return dt.date.fromisoformat(str(raw).strip())
    except (ValueError, TypeError):
        raise QueryError(
            "invalid_value",
            _("Nilai %(value)s tidak sesuai dengan tipe kolom %(column)s (%(type)s).")
            % {"value": str(raw)[:50], "column": field.name, "type": field.type},
            {"column": field.name, "type": field.type},
        ) from None
    return str(raw)


def make_filter(table: Table, column, op, value) -> Filter:
    field = table.field(column)
    if op not in OPERATORS:
        raise QueryError(
            "unknown_operator",
            _("Operator filter tidak dikenal: %(op)s") % {"op": str(op)[:20]},
            {"operators": list(OPERATORS)},
        )
    if op == "in":
        values = value if isinstance(value, list | tuple) else [value]
        if not values or len(values) > MAX_IN_VALUES:
            raise QueryError(
                "invalid_value",
                _("Filter 'in' perlu 1 sampai %(n)d nilai.") % {"n": MAX_IN_VALUES},
                {"column": field.name},
            )
        return Filter(field, op, tuple(coerce(field, v) for v in values))
    if op == "contains":
        return Filter(field, op, str(value)[:MAX_VALUE_LENGTH])
    return Filter(field, op, coerce(field, value))


def parse_sort(table: Table, spec) -> tuple:
    """'a,-b' or ['a', '-b'] or 'a, b desc' → ((Field, desc), …)."""
    if not spec:
        return ()
    parts = spec if isinstance(spec, list | tuple) else str(spec).split(",")
    out = []
    for part in parts:
        part = str(part).strip()
        if not part:
            continue
        descending = False
        words = part.split()
        if len(words) == 2 and words[1].lower() in ("asc", "desc"):
            part, descending = words[0], words[1].lower() == "desc"
        elif part.startswith("-"):
            part, descending = part[1:], True
        out.append((table.field(part), descending))
    if len(out) > MAX_GROUP_COLUMNS:
        raise QueryError("too_many_sorts", _("Terlalu banyak kolom pengurutan."))
    return tuple(out)


def page_size(limit) -> tuple[int, bool]:
    """(limit to use, whether the caller asked for more than the maximum)."""
    maximum = settings.QUERY_MAX_PAGE_SIZE
    if limit is None or limit == "":
        return min(settings.QUERY_DEFAULT_PAGE_SIZE, maximum), False
    try:
        limit = int(limit)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an infinite float
        raise QueryError("invalid_value", _("limit harus bilangan bulat.")) from None
    if limit < 0:
        raise QueryError("invalid_value", _("limit tidak boleh negatif."))
    if limit > maximum:
        return maximum, True
    return limit, False


def parse_metric(table: Table, spec: str) -> Metric:
    """'count', 'count:col', 'sum:nilai', 'avg:nilai' …"""
    function, _sep, column = str(spec).partition(":")
    function = function.strip().lower()
    if function not in AGGREGATES:
        raise QueryError(
            "unknown_aggregate",
            _("Fungsi agregat tidak dikenal: %(f)s") % {"f": function[:20]},
            {"aggregates": list(AGGREGATES)},
        )
    if not column.strip():
        if function != "count":
            raise QueryError("invalid_value", _("Fungsi %(f)s perlu nama kolom.") % {"f": function})
        return Metric("count", None)
    field = table.field(column.strip())
    if function in NUMERIC_AGGREGATES and not field.numeric:
        raise QueryError(
            "invalid_value",
            _("Fungsi %(f)s hanya untuk kolom angka; %(column)s bertipe %(type)s.")
            % {"f": function, "column": field.name, "type": field.type},
        )
    return Metric(function, field)


# --- SQL -------------------------------------------------------------------------------------


class _Params:
    def __init__(self):
        self.values = []

    def __call__(self, value) -> str:
        self.values.append(value)
        return f"${len(self.values)}"


def _where(filters, q, table: Table, p: _Params, extra=()) -> str:
    parts = list(extra)
    for f in filters:
        col = f.field.alias
        if f.op == "in":
            values = [v for v in f.value if v is not None]
            alternatives = []
            if values:
                alternatives.append(f"{col} IN ({', '.join(p(v) for v in values)})")
            if len(values) < len(f.value):
                alternatives.append(f"{col} IS NULL")
            parts.append("(" + " OR ".join(alternatives) + ")")
        elif f.op == "contains":
            parts.append(f"contains(lower(CAST({col} AS VARCHAR)), lower({p(f.value)}))")
        elif f.value is None:
            parts.append(f"{col} IS NULL" if f.op == "eq" else f"{col} IS NOT NULL")
        else:
            parts.append(f"{col} {_SQL_OPERATORS[f.op]} {p(f.value)}")
    if q:
        texts = [f.alias for f in table.fields if f.type == "string"] or [
            f.alias for f in table.fields
        ]
        needle = p(str(q)[:MAX_VALUE_LENGTH])
        parts.append(
            "("
            + " OR ".join(f"contains(lower(CAST({c} AS VARCHAR)), lower({needle}))" for c in texts)
            + ")"
        )
    return (" WHERE " + " AND ".join(parts)) if parts else ""


def _after_sql(sort, values, p: _Params) -> str:
    """Rows strictly after the cursor row, in ORDER BY <sort>, _id with NULLS LAST."""
    alternatives = []
    for i, ((column, descending), value) in enumerate(zip(sort, values, strict=True)):
        equal = [
            f"{f.alias} IS NULL" if v is None else f"{f.alias} = {p(v)}"
            for (f, _d), v in zip(sort[:i], values[:i], strict=True)
        ]
        if value is None:
            continue  # nothing sorts after NULL (NULLS LAST) within an equal prefix
        later = (
            f"({column.alias} {'<' if descending else '>'} {p(value)} OR {column.alias} IS NULL)"
        )
        alternatives.append("(" + " AND ".join([*equal, later]) + ")")
    return "(" + " OR ".join(alternatives) + ")" if alternatives else "false"


def encode_cursor(sort, row_values) -> str:
    data = {"s": [[f.name, d] for f, d in sort], "v": [_jsonable(v) for v in row_values]}
    return (
        base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode())
        .decode()
        .rstrip("=")
    )


def decode_cursor(table: Table, sort, cursor: str) -> list:
    bad = QueryError("invalid_cursor", _("Kursor halaman tidak sah untuk kueri ini."))
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        if data["s"] != [[f.name, d] for f, d in sort] or len(data["v"]) != len(sort):
            raise bad
        return [coerce(f, v) for (f, _d), v in zip(sort, data["v"], strict=True)]
    except QueryError:
        raise bad from None
    except (ValueError, KeyError, TypeError, RecursionError):  # RecursionError: deep JSON
        raise bad from None


def _jsonable(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if hasattr(value, "as_integer_ratio") and not isinstance(value, int | float):
        return float(value)  # Decimal
    return value


# --- the DuckDB side ------------------------------------------------------------------------

_lock = threading.RLock()  # re-entered: _create_view calls _base() under the lock
_database = None
_views: set[str] = set()
_local = threading.local()


def _base():
    global _database
    with _lock:
        if _database is None:
            _database = duckdb.connect(
                ":memory:",
                config={
                    "threads": settings.QUERY_THREADS,
                    "memory_limit": settings.QUERY_MEMORY_LIMIT,
                    # the engine reads only files of the store, named by their hash
                    "enable_external_access": True,
                },
            )
            _database.execute("SET enable_progress_bar = false")
            _database.execute("SET parquet_metadata_cache = true")
        return _database


def _cursor():
    base = _base()
    cursor = getattr(_local, "cursor", None)
    if cursor is None or getattr(_local, "base", None) is not base:
        cursor = base.cursor()
        _local.cursor, _local.base = cursor, base
    return cursor


def _ensure_view(table: Table):
    if table.view in _views or table.view.startswith("e_"):  # e_: made by _plaintext
        return
    path = filestore.path_for(table.key)  # a hash key: the path has no quote in it
    if not path.exists():
        raise TableUnavailable()
    with _lock:
        if table.view not in _views:
            _create_view(table.view, path, table)
            _views.add(table.view)


def _create_view(name, path, table: Table):
    literal = "'" + str(path).replace("'", "''") + "'"
    aliases = ", ".join([f.alias for f in table.fields] + ["_rn"])
    _base().execute(
        f"CREATE OR REPLACE VIEW {name} AS SELECT _rn + 1 AS {ROW_ID}, "  # nosec B608  # aliases are made by code (c0…), the path is an escaped literal; values are bound
        f"{', '.join(f.alias for f in table.fields)} "
        f"FROM read_parquet({literal}, file_row_number = true) AS t({aliases})"
    )


def _plaintext(function):
    """A Parquet file encrypted at rest (Terbatas/Tertutup), or kept in object storage, is
    read, for one call, through filestore.readable_path (a private decrypted copy, or the
    local cache's copy held for the call) and a view of its own, removed after the call: no
    decrypted copy outlives the request. Answers are cached as usual."""

    @functools.wraps(function)
    def call(table, *args, **kwargs):
        if table.view.startswith("e_") or filestore.persistent_path(table.key) is not None:
            return function(table, *args, **kwargs)
        with contextlib.ExitStack() as held:
            try:
                path = held.enter_context(filestore.readable_path(table.key))
            except FileNotFoundError:
                raise TableUnavailable() from None
            view, plain_view = f"e_{uuid.uuid4().hex}", table.view
            with _lock:
                _create_view(view, path, table)
            table.view = view
            try:
                return function(table, *args, **kwargs)
            finally:
                table.view = plain_view
                with _lock:
                    _base().execute(f"DROP VIEW IF EXISTS {view}")

    return call


def reset():
    """Forget the database, views and cached answers (tests; a changed file store)."""
    global _database
    with _lock:
        if _database is not None:
            _database.close()
        _database = None
        _views.clear()
        _local.__dict__.clear()
    _cache.clear()


def execute(sql: str, params: list, *, time_limit_ms=None) -> list[tuple]:
    """Run one statement on this thread's cursor, interrupted after the time limit."""
    cursor = _cursor()
    limit = (time_limit_ms if time_limit_ms is not None else settings.QUERY_TIME_LIMIT_MS) / 1000
    timer = threading.Timer(limit, cursor.interrupt)
    timer.daemon = True
    timer.start()
    try:
        return cursor.execute(sql, params).fetchall()
    except duckdb.InterruptException:
        raise QueryTimeout() from None
    except (duckdb.ConversionException, duckdb.InvalidInputException, duckdb.BinderException):
        raise QueryError(
            "invalid_value", _("Nilai filter tidak sesuai dengan tipe kolom.")
        ) from None
    finally:
        timer.cancel()


# --- a bounded cache of answers ----------------------------------------------------------------


class _Answers:
    def __init__(self):
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key, value):
        size = settings.QUERY_CACHE_ENTRIES
        if size <= 0:
            return
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > size:
                self._data.popitem(last=False)

    def clear(self):
        with self._lock:
            self._data.clear()


_cache = _Answers()


def _cached(key, compute):
    found = _cache.get(key)
    if found is None:
        found = compute()
        _cache.put(key, found)
    return found


# --- queries -------------------------------------------------------------------------------


def _key(table, kind, *parts):
    return (table.key, kind, repr(parts))


@_plaintext
def rows(table: Table, query: RowQuery) -> dict:
    """One page of rows, with total, facets and the next cursor."""
    _ensure_view(table)
    if query.distinct and query.after:
        raise QueryError("invalid_value", _("Kursor tidak dapat dipakai bersama distinct."))
    if query.after and query.offset:
        raise QueryError("invalid_value", _("Pakai offset atau kursor, tidak keduanya."))
    if query.columns:
        chosen = [table.field(c) for c in query.columns]
        seen = set()
        chosen = [f for f in chosen if not (f.name in seen or seen.add(f.name))]
    else:
        chosen = list(table.fields)
    if query.distinct:
        chosen = [f for f in chosen if f.name != ROW_ID] or list(table.fields)
        out_fields = chosen
    else:
        out_fields = [ROW_ID_FIELD] + [f for f in chosen if f.name != ROW_ID]
    filters_key = tuple((f.field.name, f.op, f.value) for f in query.filters)
    sort = tuple(query.sort)
    if not query.distinct and not any(f.name == ROW_ID for f, _d in sort):
        order = (*sort, (ROW_ID_FIELD, False))
    else:
        order = sort
    order_sql = ", ".join(
        f"{f.alias} {'DESC' if d else 'ASC'} NULLS LAST" for f, d in order
    ) or ", ".join(f"{f.alias} ASC NULLS LAST" for f in out_fields)

    def page():
        p = _Params()
        extra = []
        if query.after:
            values = decode_cursor(table, order, query.after)
            extra.append(_after_sql(order, values, p))
        where = _where(query.filters, query.q, table, p, extra)
        select = ", ".join(f.alias for f in out_fields)
        # the sort columns ride along so the cursor can be made from the last row
        hidden = [f for f, _d in order if f not in out_fields]
        sql = (
            f"SELECT {'DISTINCT ' if query.distinct else ''}"  # nosec B608  # aliases are made by code (c0…), the path is an escaped literal; values are bound
            f"{', '.join([select] + [f.alias for f in hidden])} FROM {table.view}{where} "
            f"ORDER BY {order_sql} LIMIT {int(query.limit) + 1}"
        )
        if query.offset:
            sql += f" OFFSET {int(query.offset)}"
        found = execute(sql, p.values)
        more = len(found) > query.limit
        found = found[: query.limit]
        positions = {f: i for i, f in enumerate(out_fields + hidden)}
        cursor = None
        if more and found and not query.distinct:
            last = found[-1]
            cursor = encode_cursor(order, [last[positions[f]] for f, _d in order])
        width = len(out_fields)
        records = [
            {out_fields[i].name: _jsonable(v) for i, v in enumerate(row[:width])} for row in found
        ]
        return {"records": records, "more": more, "cursor": cursor}

    answer = dict(
        _cached(
            _key(
                table,
                "rows",
                tuple(f.name for f in out_fields),
                filters_key,
                query.q,
                order,
                query.limit,
                query.offset,
                query.after,
                query.distinct,
            ),
            page,
        )
    )
    result = {
        "fields": table.describe(out_fields),
        "records": answer["records"],
        "limit": query.limit,
        "offset": query.offset,
        "next_cursor": answer["cursor"],
        "has_more": answer["more"],
        "truncated": query.truncated,
    }
    if query.include_total:
        result["total"] = count(
            table, query.filters, query.q, distinct_fields=out_fields if query.distinct else None
        )
    if query.facets:
        result["facets"] = facets(table, query.facets, query.filters, query.q)
    return result


@_plaintext
def count(table: Table, filters=(), q="", distinct_fields=None) -> int:
    _ensure_view(table)
    filters_key = tuple((f.field.name, f.op, f.value) for f in filters)
    names = tuple(f.name for f in distinct_fields) if distinct_fields else None

    def compute():
        p = _Params()
        where = _where(filters, q, table, p)
        if distinct_fields:
            cols = ", ".join(f.alias for f in distinct_fields)
            sql = f"SELECT count(*) FROM (SELECT DISTINCT {cols} FROM {table.view}{where})"  # nosec B608  # aliases are made by code (c0…), the path is an escaped literal; values are bound
        else:
            sql = f"SELECT count(*) FROM {table.view}{where}"  # nosec B608  # aliases are made by code (c0…), the path is an escaped literal; values are bound
        return execute(sql, p.values)[0][0]

    return _cached(_key(table, "count", filters_key, q, names), compute)


@_plaintext
def facets(table: Table, columns, filters=(), q="") -> dict:
    """{column: {"items": [{"value", "count"}], "truncated": bool}}, most frequent first."""
    _ensure_view(table)
    if len(columns) > MAX_FACETS:
        raise QueryError(
            "too_many_facets", _("Paling banyak %(n)d facet per kueri.") % {"n": MAX_FACETS}
        )
    size = settings.QUERY_FACET_SIZE
    filters_key = tuple((f.field.name, f.op, f.value) for f in filters)
    out = {}
    for name in columns:
        field = table.field(name)

        def compute(field=field):
            p = _Params()
            where = _where(filters, q, table, p)
            found = execute(
                f"SELECT {field.alias}, count(*) AS n FROM {table.view}{where} "  # nosec B608  # aliases are made by code (c0…), the path is an escaped literal; values are bound
                f"GROUP BY {field.alias} ORDER BY n DESC, {field.alias} ASC NULLS LAST "
                f"LIMIT {int(size) + 1}",
                p.values,
            )
            return {
                "items": [{"value": _jsonable(v), "count": n} for v, n in found[:size]],
                "truncated": len(found) > size,
            }

        out[field.name] = _cached(_key(table, "facet", field.name, filters_key, q, size), compute)
    return out


@_plaintext
def aggregate(table: Table, query: AggregateQuery) -> dict:
    """Group-by with aggregates; at most QUERY_MAX_GROUPS groups (else truncated)."""
    _ensure_view(table)
    groups = [table.field(c) if not isinstance(c, Field) else c for c in query.group_by]
    if len(groups) > MAX_GROUP_COLUMNS:
        raise QueryError("too_many_groups", _("Terlalu banyak kolom pengelompokan."))
    metrics = list(query.metrics) or [Metric("count", None)]
    if len(metrics) > MAX_METRICS:
        raise QueryError("too_many_metrics", _("Terlalu banyak fungsi agregat."))
    names = [g.name for g in groups] + [m.name for m in metrics]
    positions = {n: i for i, n in enumerate(names)}
    for name, _d in query.sort:
        if name not in positions:
            raise QueryError(
                "unknown_column",
                _("Urutan hanya menurut kolom pengelompokan atau agregat: %(name)s")
                % {"name": str(name)[:100]},
            )
    maximum = settings.QUERY_MAX_GROUPS
    filters_key = tuple((f.field.name, f.op, f.value) for f in query.filters)

    def compute():
        p = _Params()
        where = _where(query.filters, query.q, table, p)
        select = [g.alias for g in groups]
        for m in metrics:
            if m.field is None:
                select.append("count(*)")
            elif m.function == "count":
                select.append(f"count({m.field.alias})")
            else:
                select.append(f"{m.function}({m.field.alias})")
        order = [
            f"{positions[n] + 1} {'DESC' if d else 'ASC'} NULLS LAST" for n, d in query.sort
        ] or [f"{i + 1} ASC NULLS LAST" for i in range(len(groups))]
        sql = f"SELECT {', '.join(select)} FROM {table.view}{where}"  # nosec B608  # aliases are made by code (c0…), the path is an escaped literal; values are bound
        if groups:
            sql += f" GROUP BY {', '.join(g.alias for g in groups)}"
        if order:
            sql += f" ORDER BY {', '.join(order)}"
        sql += f" LIMIT {int(maximum) + 1}"
        found = execute(sql, p.values)
        return {
            "records": [
                {n: _jsonable(v) for n, v in zip(names, row, strict=True)}
                for row in found[:maximum]
            ],
            "truncated": len(found) > maximum,
        }

    answer = _cached(
        _key(table, "aggregate", tuple(names), filters_key, query.q, tuple(query.sort), maximum),
        compute,
    )
    fields = table.describe(groups) + [
        {
            "name": m.name,
            "type": "integer"
            if m.function == "count"
            else ("number" if m.function in NUMERIC_AGGREGATES else m.field.type),
        }
        for m in metrics
    ]
    return {"fields": fields, "records": answer["records"], "truncated": answer["truncated"]}


@dataclass
class Series:
    region: Field
    period: Field
    measures: list = field(default_factory=list)


def series_fields(table: Table) -> Series | None:
    """The indicator cube of a table: a region code, a period and at least one measure."""
    regions, periods = table.by_role("region_code"), table.by_role("period")
    measures = [f for f in table.by_role("measure") if f.numeric]
    if not regions or not periods or not measures:
        return None
    return Series(regions[0], periods[0], measures)


def filters_from_mapping(table: Table, mapping) -> tuple:
    """CKAN-style filters: {"col": value | [values] | {"gte": v, "lt": w, "contains": s}}."""
    if not isinstance(mapping, dict):
        raise QueryError("invalid_value", _("filters harus berupa objek JSON."))
    if len(mapping) > MAX_FILTERS:
        raise QueryError("too_many_filters", _("Terlalu banyak filter."))
    out = []
    for column, value in mapping.items():
        if isinstance(value, dict):
            if not value:
                raise QueryError(
                    "invalid_value", _("Filter kosong untuk %(c)s.") % {"c": str(column)[:100]}
                )
            for op, operand in value.items():
                out.append(make_filter(table, column, op, operand))
        elif isinstance(value, list | tuple):
            out.append(make_filter(table, column, "in", list(value)))
        else:
            out.append(make_filter(table, column, "eq", value))
    return tuple(out)


def filters_from_strings(table: Table, specs) -> tuple:
    """Query-string filters `column:operator:value` (`in` takes a JSON list or a,b,c)."""
    if len(specs) > MAX_FILTERS:
        raise QueryError("too_many_filters", _("Terlalu banyak filter."))
    out = []
    for spec in specs:
        column, sep, rest = str(spec).partition(":")
        op, sep2, value = rest.partition(":")
        if not sep or not sep2:
            raise QueryError(
                "invalid_filter",
                _("Filter harus berbentuk kolom:operator:nilai, misalnya tahun:gte:2020."),
                {"filter": str(spec)[:200]},
            )
        if op == "in":
            if value.startswith("["):
                try:
                    values = json.loads(value)
                except (ValueError, RecursionError):  # RecursionError: deeply nested lists
                    raise QueryError(
                        "invalid_filter", _("Daftar nilai 'in' bukan JSON yang sah.")
                    ) from None
                if not isinstance(values, list):
                    raise QueryError("invalid_filter", _("Daftar nilai 'in' bukan JSON yang sah."))
            else:
                values = value.split(",")
            out.append(make_filter(table, column, "in", values))
        else:
            out.append(make_filter(table, column, op, value))
    return tuple(out)
