"""What changed between two versions of one resource: columns, rows, cells and metadata.

The rows are compared in DuckDB on the versions' validated Parquet files. When both Table
Schemas declare the same primary key (and its values are unique and present in both files), rows
are matched by key: added, removed, and changed with the cells that changed. Otherwise the
tables are compared as multisets of whole rows (over the columns both versions have): rows added
and removed, no "changed". Counts are exact; listed rows are capped.

SQL text never holds a column name: each file is read by the relational API (the path is a
Python argument, not SQL) and its columns are renamed by position (``AS t(c0, c1, …)``), so
only identifiers made here (``c0``, ``k1``) reach the SQL; column names stay in Python.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.core.cache import cache
from django.utils.translation import get_language

from satudata.lib import filestore

from .versions import MetadataChange, metadata_changes

ROW_LIMIT = 500
THREADS = 2
MEMORY_LIMIT = "400MB"
CACHE_SECONDS = 3600


@dataclass
class Column:
    name: str
    type: str  # the Table Schema type when the schema has the column, else DuckDB's


@dataclass
class TypeChange:
    name: str
    old: str
    new: str


@dataclass
class ChangedRow:
    key: list  # the key values
    cells: list  # [(column name, old value, new value)] of the cells that differ
    changed: set = field(default_factory=set)  # names of the changed columns
    # The new version's value of every compared non-key column.
    values: list = field(default_factory=list)


@dataclass
class RowDiff:
    keyed: bool
    key: list[str]  # key column names (keyed mode)
    columns: list[str]  # the columns compared: whole rows (multiset), non-key columns (keyed)
    added_columns: list[str]  # columns shown for added rows (the new version's)
    removed_columns: list[str]  # columns shown for removed rows (the old version's)
    added: list[tuple]
    added_total: int
    removed: list[tuple]
    removed_total: int
    changed: list[ChangedRow]
    changed_total: int
    limit: int
    # Why rows were not matched by key (None when they were, or no key was declared).
    fallback_reason: str | None = None

    @property
    def total(self):
        return self.added_total + self.removed_total + self.changed_total


@dataclass
class VersionDiff:
    old: object
    new: object
    columns_added: list[Column]
    columns_removed: list[Column]
    columns_type_changed: list[TypeChange]
    rows: RowDiff | None  # None when a version has no validated table
    metadata: list[MetadataChange]

    @property
    def has_column_changes(self):
        return bool(self.columns_added or self.columns_removed or self.columns_type_changed)


def _key_of(schema):
    key = (schema or {}).get("primaryKey") or []
    return [key] if isinstance(key, str) else list(key)


def _schema_types(schema):
    return {f.get("name"): f.get("type") for f in (schema or {}).get("fields", []) if f.get("name")}


class _Table:
    """One Parquet file as view `name` with positional columns c0…cN."""

    def __init__(self, con, name, path, schema):
        relation = con.read_parquet(str(path))
        self.names = list(relation.columns)
        self.duck_types = [str(t) for t in relation.types]
        relation.create_view(f"{name}_src")
        aliases = ", ".join(f"c{i}" for i in range(len(self.names)))
        renamed = f"AS t({aliases})" if aliases else ""
        con.execute(f"CREATE TEMP VIEW {name} AS SELECT * FROM {name}_src {renamed}")  # nosec B608  # identifiers are made by code (view names, c0…); values are bound parameters
        self.name = name
        types = _schema_types(schema)
        self.types = [types.get(n) or d for n, d in zip(self.names, self.duck_types, strict=True)]
        self.index = {n: i for i, n in enumerate(self.names)}  # a duplicate name: the first

    def col(self, column):
        return f"c{self.index[column]}"


def _pair_exprs(a, b, column):
    """SQL expressions of a column in both tables, comparable even when their types differ."""
    x, y = f"a.{a.col(column)}", f"b.{b.col(column)}"
    if a.duck_types[a.index[column]] != b.duck_types[b.index[column]]:
        return f"CAST({x} AS VARCHAR)", f"CAST({y} AS VARCHAR)"
    return x, y


def connect(workdir):
    """A DuckDB connection bounded like ingestion's (ingest.schema.connect), spilling into workdir.

    Defined here because catalog sits below ingest in the import order (docs/architecture.md).
    """
    import duckdb

    config = {
        "threads": THREADS,
        "memory_limit": MEMORY_LIMIT,
        "temp_directory": str(Path(workdir) / "duckdb-tmp"),
    }
    con = duckdb.connect(":memory:", config=config)
    con.execute("SET enable_progress_bar = false")
    return con


def compare_files(old_path, old_schema, new_path, new_schema, *, limit=ROW_LIMIT):
    """(columns added, removed, type-changed, RowDiff) of two Parquet files."""
    workdir = tempfile.TemporaryDirectory(prefix="satudata-diff-")
    con = connect(workdir.name)
    try:
        a = _Table(con, "a", old_path, old_schema)
        b = _Table(con, "b", new_path, new_schema)
        added = [Column(n, b.types[i]) for i, n in enumerate(b.names) if n not in a.index]
        removed = [Column(n, a.types[i]) for i, n in enumerate(a.names) if n not in b.index]
        common = [n for n in b.names if n in a.index]
        retyped = [
            TypeChange(n, a.types[a.index[n]], b.types[b.index[n]])
            for n in common
            if a.types[a.index[n]] != b.types[b.index[n]]
        ]
        key, reason = _usable_key(con, a, b, old_schema, new_schema)
        if key:
            rows = _keyed(con, a, b, key, common, limit)
        else:
            rows = _multiset(con, a, b, common, limit)
            rows.fallback_reason = reason
        return added, removed, retyped, rows
    finally:
        con.close()
        workdir.cleanup()


def _usable_key(con, a, b, old_schema, new_schema):
    """(key columns, None) when rows can be matched by key, else ([], the reason or None)."""
    from django.utils.translation import gettext as _

    old_key, new_key = _key_of(old_schema), _key_of(new_schema)
    if not old_key and not new_key:
        return [], None
    if old_key != new_key:
        return [], _("Kunci utama kedua versi berbeda; baris dibandingkan utuh.")
    if any(k not in a.index or k not in b.index for k in new_key):
        return [], _("Kolom kunci utama tidak ada di kedua berkas; baris dibandingkan utuh.")
    for t in (a, b):
        cols = ", ".join(t.col(k) for k in new_key)
        not_null = " AND ".join(f"{t.col(k)} IS NOT NULL" for k in new_key)
        total, distinct, complete = con.execute(
            f"SELECT count(*), (SELECT count(*) FROM (SELECT DISTINCT {cols} FROM {t.name})), "  # nosec B608  # identifiers are made by code (view names, c0…); values are bound parameters
            f"count(*) FILTER (WHERE {not_null}) FROM {t.name}"
        ).fetchone()
        if total != distinct or total != complete:
            return [], _("Nilai kunci utama tidak unik atau kosong; baris dibandingkan utuh.")
    return new_key, None


def _keyed(con, a, b, key, common, limit):
    join = " AND ".join("{} = {}".format(*_pair_exprs(a, b, k)) for k in key)
    a_keys = ", ".join(f"a.{a.col(k)}" for k in key)
    b_keys = ", ".join(f"b.{b.col(k)}" for k in key)
    b_all = ", ".join(f"b.c{i}" for i in range(len(b.names)))
    a_all = ", ".join(f"a.c{i}" for i in range(len(a.names)))

    def count(sql):
        return con.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0]  # nosec B608  # identifiers are made by code (view names, c0…); values are bound parameters

    added_sql = f"SELECT {b_all} FROM b WHERE NOT EXISTS (SELECT 1 FROM a WHERE {join})"  # nosec B608  # identifiers are made by code (view names, c0…); values are bound parameters
    removed_sql = f"SELECT {a_all} FROM a WHERE NOT EXISTS (SELECT 1 FROM b WHERE {join})"  # nosec B608  # identifiers are made by code (view names, c0…); values are bound parameters
    added_total, removed_total = count(added_sql), count(removed_sql)
    added = con.execute(f"{added_sql} ORDER BY {b_keys} LIMIT ?", [limit]).fetchall()
    removed = con.execute(f"{removed_sql} ORDER BY {a_keys} LIMIT ?", [limit]).fetchall()

    values = [c for c in common if c not in key]
    changed, changed_total = [], 0
    if values:
        pairs = [_pair_exprs(a, b, c) for c in values]
        flags = [f"({x} IS DISTINCT FROM {y})" for x, y in pairs]
        any_flag = " OR ".join(flags)
        base = f"FROM a JOIN b ON {join} WHERE {any_flag}"
        changed_total = con.execute(f"SELECT count(*) {base}").fetchone()[0]
        select = ", ".join(
            [f"a.{a.col(k)}" for k in key]
            + flags
            + [f"a.{a.col(c)}" for c in values]
            + [f"b.{b.col(c)}" for c in values]
        )
        n, m = len(key), len(values)
        for row in con.execute(
            f"SELECT {select} {base} ORDER BY {a_keys} LIMIT ?", [limit]
        ).fetchall():
            keys, diff = list(row[:n]), row[n : n + m]
            olds, news = row[n + m : n + 2 * m], row[n + 2 * m :]
            cells = [(values[i], olds[i], news[i]) for i in range(m) if diff[i]]
            changed.append(ChangedRow(keys, cells, {c for c, _o, _n in cells}, list(news)))
    return RowDiff(
        keyed=True,
        key=key,
        columns=values,
        added_columns=b.names,
        removed_columns=a.names,
        added=added,
        added_total=added_total,
        removed=removed,
        removed_total=removed_total,
        changed=changed,
        changed_total=changed_total,
        limit=limit,
    )


def _multiset(con, a, b, common, limit):
    if not common:  # nothing in common: every row of one is missing from the other
        return _disjoint(con, a, b, limit)
    pairs = [_pair_exprs(a, b, c) for c in common]
    a_cols = ", ".join(x for x, _y in pairs)
    b_cols = ", ".join(y for _x, y in pairs)
    # EXCEPT ALL keeps multiplicity: a row twice in the old file and once in the new is one removal.
    added_sql = f"SELECT {b_cols} FROM b EXCEPT ALL SELECT {a_cols} FROM a"  # nosec B608  # identifiers are made by code (view names, c0…); values are bound parameters
    removed_sql = f"SELECT {a_cols} FROM a EXCEPT ALL SELECT {b_cols} FROM b"  # nosec B608  # identifiers are made by code (view names, c0…); values are bound parameters
    counted = [
        con.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0]  # nosec B608  # identifiers are made by code (view names, c0…); values are bound parameters
        for sql in (added_sql, removed_sql)
    ]
    listed = [
        con.execute(f"SELECT * FROM ({sql}) AS d ORDER BY ALL LIMIT ?", [limit]).fetchall()  # nosec B608  # identifiers are made by code (view names, c0…); values are bound parameters
        for sql in (added_sql, removed_sql)
    ]
    return RowDiff(
        keyed=False,
        key=[],
        columns=common,
        added_columns=common,
        removed_columns=common,
        added=listed[0],
        added_total=counted[0],
        removed=listed[1],
        removed_total=counted[1],
        changed=[],
        changed_total=0,
        limit=limit,
    )


def _disjoint(con, a, b, limit):
    def rows(t):
        total = con.execute(f"SELECT count(*) FROM {t.name}").fetchone()[0]  # nosec B608  # identifiers are made by code (view names, c0…); values are bound parameters
        listed = (
            con.execute(f"SELECT * FROM {t.name} ORDER BY ALL LIMIT ?", [limit]).fetchall()  # nosec B608  # identifiers are made by code (view names, c0…); values are bound parameters
            if t.names
            else []
        )
        return total, listed

    (added_total, added), (removed_total, removed) = rows(b), rows(a)
    return RowDiff(
        keyed=False,
        key=[],
        columns=[],
        added_columns=b.names,
        removed_columns=a.names,
        added=added,
        added_total=added_total,
        removed=removed,
        removed_total=removed_total,
        changed=[],
        changed_total=0,
        limit=limit,
    )


def diff_versions(old, new, *, limit=ROW_LIMIT) -> VersionDiff:
    """Compare two versions of the same resource (old first)."""
    if old.resource_id != new.resource_id:
        raise ValueError("versions of different resources")
    rows = None
    added = removed = retyped = []
    if old.parquet_key and new.parquet_key:
        # Versions never change, so neither does their comparison: keep it for an hour.
        key = (
            "satudata:diff:"
            + hashlib.sha256(
                json.dumps(
                    [
                        old.parquet_key,
                        new.parquet_key,
                        old.schema,
                        new.schema,
                        limit,
                        get_language(),
                    ],
                    sort_keys=True,
                    default=str,
                ).encode()
            ).hexdigest()
        )
        found = cache.get(key)
        if found is None:
            # decrypted private copies when encrypted at rest (the caller checked access)
            with (
                filestore.readable_path(old.parquet_key) as old_path,
                filestore.readable_path(new.parquet_key) as new_path,
            ):
                found = compare_files(old_path, old.schema, new_path, new.schema, limit=limit)
            cache.set(key, found, CACHE_SECONDS)
        added, removed, retyped, rows = found
    else:
        old_types, new_types = _schema_types(old.schema), _schema_types(new.schema)
        added = [Column(n, t) for n, t in new_types.items() if n not in old_types]
        removed = [Column(n, t) for n, t in old_types.items() if n not in new_types]
        retyped = [
            TypeChange(n, old_types[n], t)
            for n, t in new_types.items()
            if n in old_types and old_types[n] != t
        ]
    return VersionDiff(
        old=old,
        new=new,
        columns_added=added,
        columns_removed=removed,
        columns_type_changed=retyped,
        rows=rows,
        metadata=metadata_changes(old.metadata, new.metadata),
    )
