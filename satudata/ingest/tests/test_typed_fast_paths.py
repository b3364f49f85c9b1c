"""The fast paths of typed values (schema.typed_sql) give exactly what the full rule gives.

Cells of a plain shape (ASCII digits, an ISO date) skip the regular expression; the reference
below is the rule as it was before, without any fast path. Every cell, of any shape, must come
out the same (value and NULL alike).
"""

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from satudata.ingest import schema as contract
from satudata.ingest.schema import DATE_RE, INTEGER_RE, YEAR_RE, Params, typed_sql

REFERENCE = {
    "number": "CASE WHEN NOT contains(c0, '_') AND isfinite(TRY_CAST(c0 AS DOUBLE)) THEN TRY_CAST(c0 AS DOUBLE) END",
    "integer": "CASE WHEN regexp_full_match(c0, $re) THEN TRY_CAST(c0 AS BIGINT) END",
    "year": "CASE WHEN regexp_full_match(c0, $re) THEN TRY_CAST(c0 AS INTEGER) END",
    "date": "CASE WHEN regexp_full_match(c0, $re) THEN TRY_CAST(left(trim(c0), 10) AS DATE) END",
}
PATTERNS = {"integer": INTEGER_RE, "year": YEAR_RE, "date": DATE_RE, "number": None}

TRICKY = [
    "", " ", "0", "7", "007", "123", "-5", "+5", " 12", "12 ", "\t12", "1 2", "12a", "a12",
    "0x1F", "0X1f", "1_000", "1e3", "1.0", "1,0", "١٢٣", "１２", "²", "9" * 18, "9" * 19,
    "9223372036854775807", "9223372036854775808", "-9223372036854775808", "^", "1^2", "*", "?",
    "[0-9]", "2024", "0000", "99999", " 2024", "2024 ", "2024-03-01", "2024-02-30", "2024-13-01",
    "2023-02-29", "2024-02-29", "0000-01-01", "9999-12-31", "2024-3-1", "2024/03/01",
    " 2024-03-01", "2024-03-01 ", "2024-03-01 00:00", "2024-03-01T00:00:00", "2024-03-01x",
    "2024-03-011", "20240301", "2024-03-0１", "+2024-03-01", "-2024-03-01", "2024--3-01",
    "-0", "+0", "00", "-007", "1.5", "-1.5", "1_5", "1.5_", "inf", "-inf", "nan", "1e400",
    "1e-400", " 1.5 ", ".5", "5.", "1,5", "-", "--1", "+-1",
]  # fmt: skip


def compare(kind, values):
    con = contract.connect()
    try:
        p = Params()
        fast, _type = typed_sql({"name": "x", "type": kind}, "c0", [""], p)
        con.register("cells", pa.table({"c0": pa.array(values, pa.string())}))
        ours = con.execute(f"SELECT {fast} FROM cells", p.values).fetchall()  # nosec B608  # test: SQL made here, values bound
        reference = con.execute(
            f"SELECT {REFERENCE[kind]} FROM cells",  # nosec B608  # test: SQL made here, values bound
            {"re": PATTERNS[kind]} if PATTERNS[kind] else {},
        ).fetchall()
    finally:
        con.close()
    return [(v, a[0], b[0]) for v, a, b in zip(values, ours, reference, strict=True) if a != b]


@pytest.mark.parametrize("kind", ["integer", "year", "date", "number"])
def test_it_types_tricky_cells_like_the_full_rule(kind):
    assert compare(kind, TRICKY + [None]) == []


@pytest.mark.parametrize("kind", ["integer", "year", "date"])
def test_it_takes_the_fast_path_for_plain_cells(kind):
    # the fast path must come before the regular expression, or it saves nothing
    p = Params()
    expr, _type = typed_sql({"name": "x", "type": kind}, "c0", [""], p)
    first = expr.split(" THEN ")[0]
    assert first.startswith("CASE WHEN ") and "regexp" not in first


CELL = st.text(alphabet="0123456789 -+T:._xe\t١２", max_size=22) | st.from_regex(
    r"[ ]?[0-9١]{4}-[0-9２]{1,2}-[0-9]{2}[ T0:]{0,6}", fullmatch=True
)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.lists(CELL, min_size=1, max_size=40))
def test_it_types_generated_cells_like_the_full_rule(values):
    for kind in ("integer", "year", "date", "number"):
        assert compare(kind, values) == []
