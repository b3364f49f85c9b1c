"""The vectorised cell texts of workbook columns are exactly the cell-by-cell ones."""

import datetime as dt
import random
import struct

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from satudata.ingest.read_sheet import cell_text, column_texts, float_text, float_texts


def random_floats(count, seed):
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        k = rng.random()
        if k < 0.2:
            out.append(round(rng.uniform(-1e6, 1e6), rng.randint(0, 6)))  # rupiah, persen
        elif k < 0.4:
            out.append(rng.uniform(-1, 1) * 10 ** rng.randint(-8, 20))  # every magnitude
        elif k < 0.6:
            out.append(struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0])  # any bits
        elif k < 0.7:
            out.append(float(rng.randint(-(10**17), 10**17)))  # whole, around 2**53
        elif k < 0.8:
            out.append(rng.randint(1, 1000) / rng.randint(1, 1000))  # formula results
        else:
            out.append(round(rng.uniform(0, 100), 2))
    return out


EDGES = [
    0.0,
    -0.0,
    1e-4,
    9.999999999999999e-05,
    1e-05,
    0.1 + 0.2,
    1 / 3,
    2.0**53,
    2.0**53 - 1,
    -(2.0**53) + 1,
    2.0**53 + 2,
    1e16,
    1e16 + 0.5,
    123456789.12345679,
    float("inf"),
    float("-inf"),
    float("nan"),
    5e-324,
    1.7976931348623157e308,
]


def test_float_texts_match_float_text_on_a_million_floats():
    values = EDGES + random_floats(1_000_000, seed=53)
    got = float_texts(pa.array(values, pa.float64())).to_pylist()
    mismatches = [
        (v, float_text(v), g) for v, g in zip(values, got, strict=True) if float_text(v) != g
    ]
    assert mismatches == []


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats()), max_size=50))
def test_float_texts_match_float_text(values):
    got = float_texts(pa.array(values, pa.float64())).to_pylist()
    assert got == [None if v is None else float_text(v) for v in values]


cells = st.one_of(
    st.floats(), st.just(""), st.text(max_size=5), st.sampled_from(["-", "0", "53.10"])
)


@settings(max_examples=300, deadline=None)
@given(st.lists(cells, min_size=1, max_size=50))
def test_column_texts_match_cell_text(values):
    got = column_texts(tuple(values))
    assert got is not None
    assert got.to_pylist() == [cell_text(v) for v in values]


def test_columns_with_dates_or_booleans_go_cell_by_cell():
    assert column_texts((1.0, True)) is None
    assert column_texts(("a", dt.date(2024, 1, 2))) is None
    assert column_texts((2.5, dt.datetime(2024, 1, 2, 3, 4))) is None


def test_whole_numbers_keep_every_digit_and_empty_cells_are_null():
    got = column_texts((2024.0, "", 9007199254740991.0, 0.1 + 0.2, -0.0, "teks"))
    assert got.to_pylist() == ["2024", None, "9007199254740991", "0.3", "0", "teks"]
