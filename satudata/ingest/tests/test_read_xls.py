"""Genuine BIFF8 .xls workbooks (written by tests/biff.py) through read_upload."""

from satudata.ingest import read

from . import biff
from .test_read import only, rows
from .test_read import read as read_file

SHEETS = {
    "Data 2024": [
        ["Tabel 1. Fasilitas kesehatan", None, None, None],
        ["kode_wilayah", "nama_wilayah", "jumlah", "aktif"],
        ["53.10", "Kabupaten Manggarai", 120, True],
        ["53.71", "Kota Kupang", 12.5, False],
        ["53.01", "Kabupaten Kupang", None, True],
    ],
    "Catatan": [["Sumber", "Dinas Kesehatan Provinsi NTT"]],
}


def test_the_test_writer_makes_an_ole_workbook_that_the_format_check_accepts(tmp_path):
    path = tmp_path / "fasilitas.xls"
    path.write_bytes(biff.xls(SHEETS))
    assert path.read_bytes()[:8] == read.OLE_MAGIC
    assert "Workbook" in read.ole_names(path)
    assert read.check_ole(path, "xls") == "xls"


def test_it_reads_an_xls_upload_with_its_sheet_names_header_and_values(tmp_path):
    sheets = read_file(tmp_path, biff.xls(SHEETS), name="fasilitas.xls")
    data = next(s for s in sheets if s.name == "Data 2024")
    assert data.header == ["kode_wilayah", "nama_wilayah", "jumlah", "aktif"]
    assert (data.header_row, data.row_count) == (2, 3)
    assert rows(data) == [
        [
            "53.10",
            "Kabupaten Manggarai",
            "120",
            "TRUE",
            3,
        ],  # codes stay text; row numbers as in Excel
        ["53.71", "Kota Kupang", "12.5", "FALSE", 4],
        ["53.01", "Kabupaten Kupang", None, "TRUE", 5],
    ]
    assert only(data, "header.title_rows").row == 1
    assert [s.name for s in sheets] == ["Data 2024", "Catatan"]
