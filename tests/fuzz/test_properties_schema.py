"""Properties of schema inference (satudata/ingest/schema.py) together with validation.

* The contract inferred from a table accepts that table: validating the same data gives no
  type, enum, pattern, range, key or required errors.
* A column of integers is inferred as integer (never text) unless it looks like codes
  (leading zeros, more than 15 characters), which the inference keeps as text on purpose.
* Numbers written the Indonesian way (1.234.567,89) are recognised, and validation's
  suggestion for each is the right value.
* Neither inference nor validation raises on arbitrary text cells and headers.
"""

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from satudata.ingest.schema import infer_schema
from satudata.ingest.synthetic import sheet_from_rows
from satudata.ingest.validate import validate

from ._bounded import time_bound
from ._profiles import fuzz_settings

# Errors that mean "the inferred contract does not fit its own data".
CONTRACT_CODES = ("enum", "pattern", "minimum", "maximum", "unique", "primary_key", "required")
NEUTRAL_HEADERS = ["nilai", "angka", "skor", "hasil", "ukuran", "x"]


def infer_and_validate(header, rows):
    with tempfile.TemporaryDirectory(prefix="fuzz-schema-") as tmp:
        sheet = sheet_from_rows(Path(tmp), header, rows, name="Data")
        with time_bound(30):
            schema = infer_schema(sheet, None)
            work = Path(tmp) / "work"
            work.mkdir()
            result = validate(sheet, schema, None, work)
        return schema, result


def contract_errors(result):
    return [
        (p.code, p.column, p.value)
        for p in result.problems
        if p.code.startswith("type.") or p.code in CONTRACT_CODES
    ]


# Column kinds a Produsen fills a column with; each makes a homogeneous column.
KINDS = {
    "integer": st.integers(-(10**14) + 1, 10**15 - 1).map(str),
    "decimal": st.decimals(-(10**9), 10**9, places=3, allow_nan=False).map(str),
    "indonesian": st.builds(
        lambda whole, cents: f"{whole:,}".replace(",", ".") + f",{cents:02d}",
        st.integers(1000, 10**12),
        st.integers(0, 99),
    ),
    "date": st.dates(dt.date(1950, 1, 1), dt.date(2099, 12, 31)).map(dt.date.isoformat),
    "date_dmy": st.dates(dt.date(1950, 1, 1), dt.date(2099, 12, 31)).map(
        lambda d: d.strftime("%d/%m/%Y")
    ),
    "boolean": st.sampled_from(["ya", "tidak", "Ya", "TIDAK"]),
    "text": st.text(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
        min_size=1,
        max_size=15,
    ),
    "words": st.sampled_from(
        ["Laki-laki", "Perempuan", "Kupang", "O'Brien", '"; DROP TABLE x; --']
    ),
    "percent": st.integers(0, 1000).map(lambda n: f"{n / 10:.1f}".replace(".", ",") + "%"),
    "rupiah": st.integers(1000, 10**9).map(lambda n: "Rp " + f"{n:,}".replace(",", ".")),
}


@st.composite
def homogeneous_tables(draw):
    kinds = draw(st.lists(st.sampled_from(sorted(KINDS)), min_size=1, max_size=4))
    n = draw(st.integers(1, 25))
    columns = [draw(st.lists(KINDS[kind], min_size=n, max_size=n)) for kind in kinds]
    # some cells left empty or written as a missing-value marker
    holes = draw(st.sets(st.tuples(st.integers(0, len(kinds) - 1), st.integers(0, n - 1))))
    for c, r in holes:
        columns[c][r] = draw(st.sampled_from([None, "-", "NA"]))
    header = [f"{NEUTRAL_HEADERS[i % len(NEUTRAL_HEADERS)]}_{i}" for i in range(len(kinds))]
    rows = [list(row) for row in zip(*columns, strict=True)]
    return header, rows


@fuzz_settings(scale=0.3)
@given(table=homogeneous_tables())
@example(table=(["nilai_0", "tahun"], [["1.234,50", "2023"], ["12,5", "2024"], ["-", "2024"]]))
def test_the_inferred_contract_accepts_its_own_data(table):
    header, rows = table
    schema, result = infer_and_validate(header, rows)
    assert contract_errors(result) == [], schema


@fuzz_settings(scale=0.3)
@given(
    # more than 15 characters is a code or an identifier by design (the "long" profile key)
    values=st.lists(st.integers(-(10**14) + 1, 10**15 - 1), min_size=1, max_size=30),
    header=st.sampled_from(NEUTRAL_HEADERS + ["jumlah_penduduk", "banyaknya", "total"]),
)
@example(values=[0, 1, 2], header="nilai")
@example(values=[-1, 10**15 - 1, -(10**14) + 1], header="jumlah_penduduk")
def test_a_column_of_integers_is_never_text(values, header):
    schema, result = infer_and_validate([header], [[str(v)] for v in values])
    [field] = schema["fields"]
    assert field["type"] == "integer", field
    assert contract_errors(result) == []


@fuzz_settings(scale=0.3)
@given(
    amounts=st.lists(
        st.decimals(0, 10**12, places=2, allow_nan=False).filter(lambda d: d >= 1000),
        min_size=2,
        max_size=20,
    )
)
@example(amounts=[Decimal("1234.50"), Decimal("1234567.89")])
def test_indonesian_numbers_are_read_with_the_right_value(amounts):
    texts = [indonesian(amount) for amount in amounts]
    schema, result = infer_and_validate(["anggaran"], [[t] for t in texts])
    [field] = schema["fields"]
    assert field["type"] == "number", (field, texts)
    suggestions = {
        p.value: p.extra.get("suggestion")
        for p in result.problems
        if p.code == "value.thousands_separator"
    }
    for amount, text in zip(amounts, texts, strict=True):
        assert Decimal(suggestions[text]) == amount, (text, suggestions[text])


def indonesian(amount: Decimal) -> str:
    whole, _dot, cents = f"{amount:.2f}".partition(".")
    return f"{int(whole):,}".replace(",", ".") + "," + cents


_ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)


@fuzz_settings(scale=0.3)
@given(
    header=st.lists(_ANY_TEXT, min_size=1, max_size=4),
    cells=st.lists(st.lists(st.none() | _ANY_TEXT, min_size=4, max_size=4), max_size=10),
)
@example(header=["a'; DROP TABLE x; --", '"b"'], cells=[["$1", "\x00", None, "?"]])
def test_inference_and_validation_take_any_text(header, cells):
    schema, result = infer_and_validate(header, [row[: len(header)] for row in cells])
    assert len(schema["fields"]) == len(header)
    assert result.row_count == len(cells)
