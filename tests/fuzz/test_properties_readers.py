"""Properties of the upload readers (satudata/ingest/read.py, read_csv.py, read_sheet.py).

* Any bytes, under any name, give tables or UnreadableFile with an Indonesian message: no
  other exception and no hang. For text (the CSV reader is ours), not even the catch-all
  "file.unreadable" that stands for a parser surprise.
* A CSV written by Python's csv module (any delimiter, BOM or UTF-16, quotes, newlines,
  decimal commas) reads back to the same cells; so does an XLSX written by XlsxWriter.
"""

import csv
import io
import itertools
import math
import tempfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import xlsxwriter
from hypothesis import assume, example, given
from hypothesis import strategies as st

from satudata.ingest.problems import Severity
from satudata.ingest.read import OLE_MAGIC, Limits, UnreadableFile, read_upload
from satudata.ingest.table import ROW_COLUMN

from ._bounded import time_bound
from ._profiles import fuzz_settings

# Words one of which every refusal message of the readers starts with or contains.
INDONESIAN = ("berkas", "buku kerja", "tabel", "baris", "isi json", "lembar")
NAMES = ["data.csv", "data.tsv", "data.txt", "data.xlsx", "data.xls", "data.ods", "data.json",
         "data.xlsm", "data.pdf", "data", "tabel.CSV"]  # fmt: skip
PREFIXES = [b"", b"PK\x03\x04", b"PK\x05\x06", OLE_MAGIC, b"\xef\xbb\xbf", b"\xff\xfe",
            b"\xfe\xff", b"[", b"{", b'{"data": [', b"<?xml version='1.0'?>", b"%PDF"]  # fmt: skip
SMALL_LIMITS = Limits(max_columns=50, max_cell_chars=200, max_header_chars=50)


def read_bytes(data: bytes, name: str, limits: Limits = Limits()):  # noqa: B008 - never mutated
    with tempfile.TemporaryDirectory(prefix="fuzz-read-") as tmp:
        path = Path(tmp) / "upload.bin"
        path.write_bytes(data)
        work = Path(tmp) / "work"
        work.mkdir()
        with time_bound(30):
            sheets = read_upload(path, name, work, limits=limits)
        return [(sheet, sheet_rows(sheet)) for sheet in sheets]


def sheet_rows(sheet) -> list[list]:
    table = pq.read_table(sheet.data_path)
    width = len(sheet.header)
    assert table.num_rows == sheet.row_count
    assert table.column_names == [f"c{i}" for i in range(width)] + [ROW_COLUMN]
    return [[row[f"c{i}"] for i in range(width)] for row in table.to_pylist()]


def check_refusal(error: UnreadableFile, *, text: bool) -> None:
    problem = error.problem
    assert problem.severity == Severity.ERROR
    assert problem.message and problem.hint
    assert any(word in problem.message.lower() for word in INDONESIAN), problem.message
    if text:
        # the catch-all for a parser surprise; the CSV reader must never need it
        assert problem.code != "file.unreadable", problem.extra


def looks_textual(data: bytes, name: str) -> bool:
    return not data.startswith((b"PK\x03\x04", b"PK\x05\x06", OLE_MAGIC)) and not name.endswith(
        ("json",)
    )


@fuzz_settings()
@given(
    prefix=st.sampled_from(PREFIXES),
    body=st.binary(max_size=2048),
    name=st.sampled_from(NAMES),
)
@example(prefix=b"", body=b'a,b\n1,"2\n', name="data.csv")
@example(prefix=b"\xff\xfe", body="a,b\n1,2\n".encode("utf-16-le"), name="data.csv")
@example(prefix=b"", body=b"a;b\r\x001;2\r", name="data.csv")
def test_any_bytes_give_tables_or_an_indonesian_refusal(prefix, body, name):
    data = prefix + body
    try:
        sheets = read_bytes(data, name, SMALL_LIMITS)
    except UnreadableFile as error:
        check_refusal(error, text=looks_textual(data, name))
        return
    assert sheets
    for sheet, rows in sheets:
        assert len(sheet.header) == len({h.casefold() for h in sheet.header})
        assert all(len(h) <= SMALL_LIMITS.max_header_chars + 10 for h in sheet.header)
        assert all(v is None or len(v) <= SMALL_LIMITS.max_cell_chars for row in rows for v in row)


# Text lines people type into a CSV: words, numbers with decimal commas, quotes, delimiters.
_TEXT_ALPHABET = st.characters(
    blacklist_categories=("Cs",), blacklist_characters="\x00", max_codepoint=0x2FFFF
)


@fuzz_settings()
@given(
    lines=st.lists(
        st.lists(st.text(_TEXT_ALPHABET, max_size=12), min_size=1, max_size=6), max_size=12
    ),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_text_without_quoting_never_surprises_the_csv_reader(lines, delimiter, newline):
    """Raw text (not written by the csv module, so quotes may be unbalanced)."""
    data = newline.join(delimiter.join(cells) for cells in lines).encode("utf-8")
    try:
        read_bytes(data, "data.csv", SMALL_LIMITS)
    except UnreadableFile as error:
        check_refusal(error, text=True)


# --- CSV round trip --------------------------------------------------------------------------

_HEADER_ALPHABET = st.characters(
    blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp", "Cf"),
    blacklist_characters=',;\t|"\\',
    max_codepoint=0x2FFF,
)
header_name = st.text(_HEADER_ALPHABET, min_size=1, max_size=12)
indonesian_number = st.builds(
    lambda whole, cents: f"{whole:,}".replace(",", ".") + f",{cents:02d}",
    st.integers(0, 10**9),
    st.integers(0, 99),
)
cell = st.one_of(
    st.text(_TEXT_ALPHABET, min_size=1, max_size=20),
    indonesian_number,
    st.sampled_from(['"', '""', "a,b", "a;b", "1,5", "baris\nbaru", "\r\n", " ", "'", "=1+1"]),
    st.integers(-(10**12), 10**12).map(str),
)


@st.composite
def csv_tables(draw):
    header = draw(
        st.lists(header_name, min_size=2, max_size=6, unique_by=lambda name: name.casefold())
    )
    # a header cell that is only a BOM or starts with one is not something people write
    assume(not any(name.startswith("\ufeff") for name in header))
    rows = draw(st.lists(st.lists(cell, min_size=len(header), max_size=len(header)), max_size=15))
    return header, rows


@fuzz_settings()
@given(
    table=csv_tables(),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
    terminator=st.sampled_from(["\r\n", "\n"]),
)
@example(
    table=(["kode", "nilai"], [["53.10", "1.234,50"], ["53.71", '"; DROP TABLE x; --']]),
    delimiter=";",
    encoding="utf-8-sig",
    terminator="\r\n",
)
# Found by this property: a last cell that is only quotes ('"' written as '""""') was
# reported as a quote opened and never closed (read_csv.unclosed_quote).
@example(table=(["a", "b"], [["0", '"']]), delimiter=",", encoding="utf-8", terminator="\r\n")
@example(table=(["a", "b"], [["0", '""']]), delimiter=";", encoding="utf-16", terminator="\n")
def test_a_csv_written_by_the_csv_module_reads_back_the_same(
    table, delimiter, encoding, terminator
):
    header, rows = table
    if terminator == "\n":
        # the csv module quotes a bare \r only when it is part of the line terminator; without
        # quotes "x\r" + "\n" is a CRLF line end in any reader, so that case is no round trip
        assume(not any("\r" in value for row in rows for value in row))
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator=terminator)
    writer.writerow(header)
    writer.writerows(rows)
    [(sheet, found)] = read_bytes(out.getvalue().encode(encoding), "data.csv")
    assert sheet.header == header
    assert found == rows
    assert sheet.row_count == len(rows)
    codes = {p.code for p in sheet.problems}
    # a clean file: nothing is ragged, no quote left open, nothing cut
    assert not codes & {"row.ragged", "row.unclosed_quote", "cell.too_long", "header.duplicate"}


# --- XLSX round trip -------------------------------------------------------------------------

_XLSX_TEXT = st.characters(
    blacklist_categories=("Cs", "Cc"), max_codepoint=0x2FFFF
)  # XML 1.0 has no control characters; XlsxWriter writes them as _xHHHH_ escapes
xlsx_cell = st.one_of(
    st.text(_XLSX_TEXT, min_size=1, max_size=30).filter(lambda s: s.strip()),
    st.integers(-(2**53) + 1, 2**53 - 1),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300),
    st.sampled_from(["007", "53.10", "1.234,5", "=SUM(A1)", "TRUE", "_x0041_"]),
)


@st.composite
def sheet_tables(draw):
    header = draw(
        st.lists(header_name, min_size=2, max_size=5, unique_by=lambda name: name.casefold())
    )
    rows = draw(
        st.lists(st.lists(xlsx_cell, min_size=len(header), max_size=len(header)), max_size=12)
    )
    return header, rows


def xlsx_bytes(header, rows) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet("Data")
    for r, values in enumerate(itertools.chain([header], rows)):
        for c, value in enumerate(values):
            if isinstance(value, str):
                sheet.write_string(r, c, value)
            else:
                sheet.write_number(r, c, value)
    book.close()
    return out.getvalue()


def same_cell(written, read) -> bool:
    if isinstance(written, str):
        return read == written
    if isinstance(written, int):
        return read == str(written)
    # a float comes back as the text Excel shows: the shortest repr, or 15 significant digits
    value = float(read)
    return value == written or math.isclose(value, written, rel_tol=1e-14)


@fuzz_settings(scale=0.5)
@given(table=sheet_tables())
@example(table=(["kode", "nilai"], [["53.10", 0.1 + 0.2], ["007", 2024]]))
def test_an_xlsx_written_by_xlsxwriter_reads_back_the_same(table):
    header, rows = table
    [(sheet, found)] = read_bytes(xlsx_bytes(header, rows), "data.xlsx")
    assert sheet.name == "Data" and sheet.header == header
    assert len(found) == len(rows)
    for written, read in zip(rows, found, strict=True):
        assert all(same_cell(w, r) for w, r in zip(written, read, strict=True)), (written, read)


@pytest.mark.parametrize("cut", [10, 100, 1000, 3000])
def test_a_truncated_xlsx_is_refused_with_a_message(cut):
    data = xlsx_bytes(["a", "b"], [["x", 1]] * 20)
    try:
        read_bytes(data[:cut], "data.xlsx")
    except UnreadableFile as error:
        check_refusal(error, text=False)
    else:
        pytest.fail("a truncated workbook was read")
