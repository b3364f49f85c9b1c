"""Downloads from the typed Parquet: safe CSV, formula-free XLSX, JSON and Parquet."""

import csv
import datetime as dt
import io
import json

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from satudata.ingest import convert

SCHEMA = {
    "fields": [
        {"name": "kode_wilayah", "type": "string", "satudata:role": "region_code"},
        {"name": "uraian", "type": "string"},
        {"name": "jumlah", "type": "integer"},
        {"name": "nilai", "type": "number"},
        {"name": "tanggal", "type": "date"},
        {"name": "aktif", "type": "boolean"},
    ]
}
DANGEROUS = [
    '=HYPERLINK("http://x","klik")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\tTAB",
    "\rCR",
    'aman, dengan "kutip"\nbaris',
]


def typed_table():
    n = len(DANGEROUS)
    return pa.table(
        {
            "kode_wilayah": pa.array(
                ["53.10", "53.01", "53.71", None, "53.20", "53.10", "53.10"][:n], pa.string()
            ),
            "uraian": pa.array(DANGEROUS, pa.string()),
            "jumlah": pa.array([-5, 0, 2**60, None, 7, 8, 9], pa.int64()),
            "nilai": pa.array([-1.5, 0.1, None, 1e20, 2.0, 3.25, 4.0], pa.float64()),
            "tanggal": pa.array(
                [dt.date(2024, 3, 1), None] + [dt.date(2023, 12, 31)] * (n - 2), pa.date32()
            ),
            "aktif": pa.array([True, False, None, True, True, False, True], pa.bool_()),
        }
    )


@pytest.fixture
def typed(tmp_path):
    path = tmp_path / "typed.parquet"
    pq.write_table(typed_table(), path)
    return path


def test_it_writes_every_format(typed, tmp_path):
    paths = convert.write_downloads(typed, SCHEMA, tmp_path)
    assert set(paths) == {"csv", "xlsx", "json", "parquet"}
    assert all(p.exists() and p.stat().st_size for p in paths.values())


def test_csv_is_utf8_with_bom_rfc4180_and_safe_against_formulas(typed, tmp_path):
    path = convert.write_downloads(typed, SCHEMA, tmp_path, formats=("csv",))["csv"]
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfkode_wilayah,uraian,jumlah,nilai,tanggal,aktif\r\n")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["kode_wilayah", "uraian", "jumlah", "nilai", "tanggal", "aktif"]
    texts = [r[1] for r in rows[1:]]
    assert texts == ["'" + v for v in DANGEROUS[:6]] + [DANGEROUS[6]]
    assert not any(t[:1] in "=+-@\t\r" for t in texts)
    assert [r[0] for r in rows[1:4]] == ["53.10", "53.01", "53.71"]  # codes stay as written
    assert rows[1][2:] == ["-5", "-1.5", "2024-03-01", "true"]  # numbers are left alone
    assert rows[3][2] == str(2**60) and rows[4][3] == "1e+20" and rows[4][2] == ""


def test_csv_header_cells_are_safe_too(tmp_path):
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"=cmd|' /C calc'!A0": ["x"]}), path)
    data = convert.write_downloads(path, {"fields": []}, tmp_path, formats=("csv",))[
        "csv"
    ].read_bytes()
    assert data.decode("utf-8-sig").splitlines()[0] == "'=cmd|' /C calc'!A0"


def test_xlsx_has_values_never_formulas(typed, tmp_path):
    path = convert.write_downloads(typed, SCHEMA, tmp_path, formats=("xlsx",))["xlsx"]
    book = openpyxl.load_workbook(path)
    sheet = book["Data"]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("kode_wilayah", "uraian", "jumlah", "nilai", "tanggal", "aktif")
    # as text, exactly (Excel stores a carriage return as _x000D_, which openpyxl leaves as is)
    assert [r[1] for r in rows[1:]] == [v.replace("\r", "_x000D_") for v in DANGEROUS]
    assert rows[1][0] == "53.10" and isinstance(rows[1][0], str)
    assert (
        rows[1][2] == -5
        and rows[1][3] == -1.5
        and rows[1][4] == dt.datetime(2024, 3, 1)
        and rows[1][5] is True
    )
    assert rows[3][2] == str(2**60)  # too long for an Excel number: kept exact as text
    assert sheet["A2"].number_format == "@"
    assert sheet.freeze_panes == "A2"


def test_xlsx_stops_at_excels_row_limit_with_a_note(typed, tmp_path, monkeypatch):
    monkeypatch.setattr(convert, "EXCEL_MAX_ROWS", 4)
    monkeypatch.setattr(convert, "BATCH_ROWS", 2)
    path = convert.write_downloads(typed, SCHEMA, tmp_path, formats=("xlsx",))["xlsx"]
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Data", "Catatan"]
    assert book["Data"].max_row == 4
    assert "3 baris pertama dari 7 baris" in book["Catatan"]["A1"].value


def test_json_round_trips(typed, tmp_path, monkeypatch):
    monkeypatch.setattr(convert, "BATCH_ROWS", 3)  # several batches, one valid document
    path = convert.write_downloads(typed, SCHEMA, tmp_path, formats=("json",))["json"]
    document = json.loads(path.read_text(encoding="utf-8"))
    assert [f["name"] for f in document["fields"]] == [f["name"] for f in SCHEMA["fields"]]
    assert document["fields"][0]["satudata:role"] == "region_code"
    expected = typed_table().to_pylist()
    for row in expected:
        row["tanggal"] = row["tanggal"].isoformat() if row["tanggal"] else None
    assert document["data"] == expected
    assert document["data"][0]["kode_wilayah"] == "53.10"


def test_json_of_an_empty_table_is_valid(tmp_path):
    path = tmp_path / "t.parquet"
    pq.write_table(typed_table().slice(0, 0), path)
    document = json.loads(
        convert.write_downloads(path, SCHEMA, tmp_path, formats=("json",))["json"].read_text()
    )
    assert document["data"] == [] and len(document["fields"]) == 6


def test_parquet_is_a_copy_of_the_typed_file(typed, tmp_path):
    path = convert.write_downloads(typed, SCHEMA, tmp_path / "", formats=("parquet",))["parquet"]
    assert pq.read_table(path).equals(typed_table())
    assert pq.read_schema(path).field("kode_wilayah").type == pa.string()


def test_batches_give_the_same_csv(typed, tmp_path, monkeypatch):
    whole = convert.write_downloads(typed, SCHEMA, tmp_path, formats=("csv",))["csv"].read_bytes()
    monkeypatch.setattr(convert, "BATCH_ROWS", 2)
    (tmp_path / "b").mkdir()
    batched = convert.write_downloads(typed, SCHEMA, tmp_path / "b", formats=("csv",))[
        "csv"
    ].read_bytes()
    assert whole == batched


def test_xlsx_cells_survive_xml_hostile_text_and_edge_values(tmp_path):
    import zipfile
    from xml.etree import ElementTree

    from python_calamine import CalamineWorkbook

    texts = [
        "<b>tebal</b> & </t></is></c>",
        "_x0041_ bukan A",
        "kendali\x01\x1f\x0b",
        "emoji 😀 dan aksara ꦗꦮ",
        "x" * 40_000,
        None,
    ]
    table = pa.table(
        {
            'kolom "<&>"': pa.array(texts, pa.string()),
            "besar": pa.array([2**53 - 1, 2**53, -(2**53), -(2**63), 0, None], pa.int64()),
            "pecahan": pa.array([float("nan"), float("inf"), 1e-300, -0.0, 1.5, None]),
            "tanggal": pa.array(
                [dt.date(1899, 1, 1), dt.date(1900, 2, 28), dt.date(1900, 3, 1), None, None, None],
                pa.date32(),
            ),
        }
    )
    typed = tmp_path / "typed.parquet"
    pq.write_table(table, typed)
    path = convert.write_downloads(typed, {"fields": []}, tmp_path, formats=("xlsx",))["xlsx"]
    with zipfile.ZipFile(path) as book:
        for name in book.namelist():
            if name.endswith((".xml", ".rels")):
                ElementTree.fromstring(book.read(name))  # every part is well-formed XML
    rows = list(openpyxl.load_workbook(path)["Data"].iter_rows(values_only=True))
    assert rows[0] == ('kolom "<&>"', "besar", "pecahan", "tanggal")
    assert rows[1][0] == texts[0]
    assert rows[2][0] == "_x005F_x0041_ bukan A"  # openpyxl leaves Excel's escapes as they are
    assert rows[3][0] == "kendali_x0001__x001F__x000B_"
    assert rows[4][0] == texts[3]
    assert rows[5][0] == "x" * 32_767  # Excel's cell limit
    assert [r[1] for r in rows[1:6]] == [
        2**53 - 1,
        str(2**53),
        str(-(2**53)),
        str(-(2**63)),
        0,
    ]
    assert rows[1][2] is None and rows[2][2] is None and rows[3][2] == 1e-300
    assert [r[3] for r in rows[1:4]] == ["1899-01-01", "1900-02-28", dt.datetime(1900, 3, 1)]
    # a second reader (Rust, as Excel reads it: escapes decoded) agrees
    data = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Data").to_python()
    assert data[2][0] == "_x0041_ bukan A" and data[3][0] == "kendali\x01\x1f\x0b"
    assert data[3][3] == dt.date(1900, 3, 1)
