"""Properties of the query-parameter parser and engine (satudata/stats/query.py).

* Every parser (filters as strings or as a JSON mapping, sort, metric, limit, cursor, a
  value for a column type) answers a value or QueryError (a stable code and an Indonesian
  message) for any input: never another exception.
* Values are bound, never SQL text: rows() with filter values full of quotes, `;`, `--`
  and any Unicode returns exactly the rows a pure-Python filter of the same data returns.
* Paging with the cursor visits every row once, in order.
"""

import base64
import datetime as dt
import json
import math
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from satudata.lib import filestore
from satudata.stats import query
from satudata.stats.query import QueryError, RowQuery, Table

from ._bounded import time_bound
from ._profiles import fuzz_settings

HOSTILE = ["'", '"', "';--", "1 OR 1=1", "'; DROP TABLE x; --", "$1", "?", "\\", "%", "_",
           "NULL", "\x00", "O'Brien", "", " ", "日本", "ß", "💥"]  # fmt: skip
FIELDS = [
    {"name": "nama", "type": "string"},
    {"name": "tahun", "type": "integer"},
    {"name": "nilai", "type": "number"},
    {"name": "tanggal", "type": "date"},
    {"name": "aktif", "type": "boolean"},
]
ARROW = [pa.string(), pa.int64(), pa.float64(), pa.date32(), pa.bool_()]


class FakeVersion:
    def __init__(self, key):
        self.parquet_key = key
        self.sha256 = key
        self.schema = {"fields": FIELDS}


def make_table(rows) -> Table:
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(FIELDS)
    data = pa.table(
        {f["name"]: pa.array(list(c), t) for f, c, t in zip(FIELDS, columns, ARROW, strict=True)}
    )
    with tempfile.TemporaryDirectory(prefix="fuzz-query-") as tmp:
        path = Path(tmp) / "t.parquet"
        pq.write_table(data, path)
        key = filestore.put(path.read_bytes()).key
    return Table(FakeVersion(key))


@pytest.fixture(autouse=True)
def _engine(settings):
    settings.QUERY_CACHE_ENTRIES = 0  # every example asks DuckDB, never the answer cache
    query.reset()
    yield
    query.reset()


EMPTY_TABLE_ROWS = [("a", 1, 1.0, dt.date(2024, 1, 1), True)]


@pytest.fixture
def table():
    return make_table(EMPTY_TABLE_ROWS)


def refused(error: QueryError) -> None:
    assert error.code and isinstance(error.code, str)
    assert error.message and error.status in (400, 404, 503)


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=12,
)
NAMES = st.sampled_from([f["name"] for f in FIELDS] + ["_id", "x", "", "c0", "nama "])
OPS = st.sampled_from([*query.OPERATORS, "like", "", "EQ", "in "])


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def cursor_of(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@fuzz_settings()
@given(
    specs=st.lists(
        st.one_of(
            _TEXT,
            st.builds(lambda c, o, v: f"{c}:{o}:{v}", NAMES, OPS, _TEXT),
            st.builds(lambda c, v: f"{c}:in:{json.dumps(v)}", NAMES, _JSON),
        ),
        max_size=5,
    )
)
# Found by this property: a JSON list nested deeper than Python's recursion limit raised
# RecursionError (a server error) instead of QueryError.
@example(specs=[f"tahun:in:{nested(100_000)}"])
@example(specs=["tahun:in:[1e999]", "nilai:in:[NaN]", "tanggal:eq:2024-02-30"])
def test_filter_strings_give_filters_or_a_query_error(table, specs):
    try:
        filters = query.filters_from_strings(table, specs)
    except QueryError as error:
        refused(error)
        return
    assert len(filters) == len(specs)


@fuzz_settings()
@given(mapping=_JSON)
@example(mapping={"tahun": {"gte": 1e308, "lt": float("inf")}})
@example(mapping={"tanggal": ["2024-01-01", None, 5]})
def test_filter_mappings_give_filters_or_a_query_error(table, mapping):
    try:
        query.filters_from_mapping(table, mapping)
    except QueryError as error:
        refused(error)


@fuzz_settings()
@given(spec=st.one_of(_TEXT, st.lists(_TEXT, max_size=7), st.builds(",".join, st.lists(NAMES))))
def test_sorts_give_columns_or_a_query_error(table, spec):
    try:
        order = query.parse_sort(table, spec)
    except QueryError as error:
        refused(error)
        return
    assert all(isinstance(f, query.Field) and isinstance(d, bool) for f, d in order)


@fuzz_settings()
@given(spec=st.one_of(_TEXT, st.builds(lambda f, c: f"{f}:{c}", _TEXT, NAMES)))
def test_metrics_give_a_metric_or_a_query_error(table, spec):
    try:
        metric = query.parse_metric(table, spec)
    except QueryError as error:
        refused(error)
        return
    assert metric.function in query.AGGREGATES


@fuzz_settings()
@given(limit=st.one_of(st.none(), _TEXT, st.integers(), st.floats(), st.booleans(), _JSON))
# Found by this property: an infinite limit (a JSON body may carry 1e999) raised OverflowError.
@example(limit=float("inf"))
@example(limit=float("-inf"))
@example(limit="9" * 5000)
def test_page_sizes_give_a_size_or_a_query_error(limit):
    try:
        size, cut = query.page_size(limit)
    except QueryError as error:
        refused(error)
        return
    assert isinstance(size, int) and 0 <= size <= 1000 and isinstance(cut, bool)


@fuzz_settings()
@given(
    cursor=st.one_of(
        _TEXT,
        st.builds(cursor_of, _TEXT),
        st.builds(lambda v: cursor_of(json.dumps({"s": [["_id", False]], "v": v})), _JSON),
    )
)
# Found by this property: a cursor holding deeply nested JSON raised RecursionError.
@example(cursor=cursor_of(nested(100_000)))
@example(cursor=cursor_of('{"s": [["_id", false]], "v": [1e999]}'))
def test_cursors_give_values_or_a_query_error(table, cursor):
    order = ((query.ROW_ID_FIELD, False),)
    try:
        values = query.decode_cursor(table, order, cursor)
    except QueryError as error:
        assert error.code == "invalid_cursor"
        return
    assert len(values) == 1


@fuzz_settings()
@given(field=st.sampled_from(FIELDS), value=st.one_of(_JSON, _TEXT))
@example(field=FIELDS[1], value="1" * 5000)
@example(field=FIELDS[2], value="nan")
def test_coerce_gives_a_typed_value_or_a_query_error(table, field, value):
    try:
        coerced = query.coerce(table.field(field["name"]), value)
    except QueryError as error:
        refused(error)
        return
    if coerced is not None and field["type"] == "number":
        assert math.isfinite(coerced)


# --- the engine against a pure-Python filter -----------------------------------------------------

strings = st.one_of(
    st.sampled_from(HOSTILE), st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)
)
row = st.tuples(
    st.none() | strings,
    st.none() | st.integers(-(2**62), 2**62),
    st.none() | st.floats(allow_nan=False, allow_infinity=False),
    st.none() | st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31)),
    st.none() | st.booleans(),
)
COMPARE = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}


def as_text(column: int, value) -> str:
    """How a caller writes a value in a query string."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def matches(cells, column, op, value) -> bool:
    cell = cells[column]
    if op == "in":
        return cell in value if cell is not None else None in value
    if cell is None:
        return False
    if op == "contains":
        return value.lower() in str(cell).lower()
    return COMPARE[op](cell, value)


@st.composite
def filtered_tables(draw):
    rows = draw(st.lists(row, min_size=1, max_size=10))
    filters = []
    for _ in range(draw(st.integers(1, 2))):
        column = draw(st.integers(0, len(FIELDS) - 1))
        kind = FIELDS[column]["type"]
        ops = ["eq", "ne", "in"] + ([] if kind == "boolean" else ["gt", "gte", "lt", "lte"])
        if kind == "string":
            ops.append("contains")
        op = draw(st.sampled_from(ops))
        # values from the table itself (so that some match) or new ones
        pool = [r[column] for r in rows if r[column] is not None]
        fresh = row.map(lambda r, c=column: r[c]).filter(lambda v: v is not None)
        pick = st.one_of(st.sampled_from(pool), st.sampled_from(pool), fresh) if pool else fresh
        if op == "in":
            value = tuple(draw(st.lists(pick | st.none(), min_size=1, max_size=4)))
        else:
            value = draw(pick)
        if op == "contains":
            value = draw(st.text(st.characters(max_codepoint=127), max_size=3) | pick)
        filters.append((column, op, value))
    return rows, filters


@fuzz_settings(scale=2)
@given(case=filtered_tables())
@example(
    case=(
        [("O'Brien", 1, 1.5, None, True), ("'; DROP TABLE x; --", 2, None, None, None)],
        [(0, "eq", "'; DROP TABLE x; --")],
    )
)
def test_rows_equal_a_python_filter_of_the_same_rows(case):
    rows, filters = case
    # DuckDB's lower() and Python's differ for a few letters (İ, ẞ): contains is compared on
    # text where both agree
    assume(
        all(
            op != "contains"
            or all(r[c] is None or r[c].lower().isascii() == r[c].isascii() for r in rows)
            for c, op, _v in filters
        )
    )
    table = make_table(rows)
    made = []
    for column, op, value in filters:
        name = FIELDS[column]["name"]
        if op == "in":
            raw = [None if v is None else as_text(column, v) for v in value]
        elif op == "contains":
            raw = value
        else:
            raw = as_text(column, value)
        made.append(query.make_filter(table, name, op, raw))
    with time_bound(30):
        answer = query.rows(table, RowQuery(filters=tuple(made), limit=1000))
    expected = [i + 1 for i, cells in enumerate(rows) if all(matches(cells, *f) for f in filters)]
    assert [r["_id"] for r in answer["records"]] == expected
    assert answer["total"] == len(expected)
    for record in answer["records"]:
        cells = rows[record["_id"] - 1]
        assert record["nama"] == cells[0] and record["tahun"] == cells[1]


@fuzz_settings(scale=0.5)
@given(
    rows=st.lists(row, min_size=1, max_size=15),
    column=st.sampled_from([f["name"] for f in FIELDS] + ["_id"]),
    descending=st.booleans(),
    limit=st.integers(1, 4),
)
def test_paging_with_the_cursor_visits_every_row_once_in_order(rows, column, descending, limit):
    table = make_table(rows)
    order = query.parse_sort(table, f"{'-' if descending else ''}{column}")
    everything = query.rows(table, RowQuery(sort=order, limit=1000))["records"]
    seen, after = [], ""
    for _page in range(len(rows) + 1):
        page = query.rows(table, RowQuery(sort=order, limit=limit, after=after))
        seen += page["records"]
        after = page["next_cursor"]
        if not after:
            break
    assert seen == everything
    assert sorted(r["_id"] for r in seen) == list(range(1, len(rows) + 1))
