"""Bad input (issue 3, item 7): a clear Indonesian message for each, never a traceback or a hang."""

import time
import zipfile

import pyarrow.parquet as pq
import pytest

from satudata.ingest import read, read_sheet
from satudata.ingest.problems import Severity
from satudata.ingest.read import Limits, UnreadableFile, read_upload

from . import files


def read_file(tmp_path, path, name=None, **kwargs):
    workdir = tmp_path / "work"
    workdir.mkdir(exist_ok=True)
    return read_upload(path, name or path.name, workdir, **kwargs)


def refused(tmp_path, data, name="data.csv", **kwargs):
    """The problem of an UnreadableFile; fails if the file was read."""
    path = data if not isinstance(data, bytes) else files.write(tmp_path, name, data)
    name = name if isinstance(data, bytes) else path.name
    with pytest.raises(UnreadableFile) as caught:
        read_file(tmp_path, path, name, **kwargs)
    problem = caught.value.problem
    assert problem.severity == Severity.ERROR and problem.message and problem.hint
    return problem


# --- empty and not a table -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   \r\n\t\n",
        b"\xef\xbb\xbf",
        b"\xef\xbb\xbf\n\n",
        b"\xff\xfe",
        b"\xff\xfe \x00\n\x00",
    ],
)
def test_it_refuses_an_empty_file(tmp_path, data):
    problem = refused(tmp_path, data)
    assert (problem.code, problem.message) == ("file.empty", "Berkas kosong.")


def test_it_refuses_a_csv_of_blank_records(tmp_path):
    assert refused(tmp_path, b",,,\n,,,\n" * 10).code == "file.empty"


@pytest.mark.parametrize(
    "data,kind",
    [
        (files.random_bytes(), None),
        (files.png(), "gambar PNG"),
        (files.pdf(), "dokumen PDF"),
        (b"\x00" * 3000 + b"a,b\n1,2\n", None),  # mostly NULs
        (b"\x00\x01\x02garbage\xff\xfe" * 50, None),
    ],
)
def test_it_refuses_binary_junk_renamed_csv(tmp_path, data, kind):
    problem = refused(tmp_path, data, name="data.csv")
    assert problem.code == "file.binary"
    assert (kind or "data biner") in problem.message


def test_it_refuses_an_html_page_saved_as_xls(tmp_path):
    problem = refused(
        tmp_path, b"<html><body><table><tr><td>a</td></tr></table></body></html>", name="data.xls"
    )
    assert problem.code == "file.html" and "data.xls" in problem.message


def test_it_refuses_a_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "arsip.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("data.csv", "a,b\n1,2\n")
    assert refused(tmp_path, path).code == "file.unknown_format"


def test_it_refuses_a_truncated_xlsx(tmp_path):
    source = files.xlsx(tmp_path, {"Data": [["a", "b"], [1, 2]]}, name="ok.xlsx")
    problem = refused(tmp_path, source.read_bytes()[:300], name="data.xlsx")
    assert problem.code == "file.corrupt" and "XLSX" in problem.message


def test_it_refuses_an_office_file_that_is_not_a_workbook(tmp_path):
    assert (
        refused(tmp_path, files.ole(["WordDocument", "1Table"]), name="surat.xls").code
        == "file.unknown_format"
    )


def test_a_parser_error_becomes_a_message_with_the_detail_kept(tmp_path):
    # An OLE file with a Workbook stream that is not BIFF: calamine fails inside.
    problem = refused(
        tmp_path, files.ole(["Workbook"], payload=files.random_bytes(8192)), name="data.xls"
    )
    assert problem.code == "file.unreadable"
    assert problem.message == "Berkas tidak dapat dibaca sebagai XLS."
    assert problem.extra["detail"]


def test_an_unexpected_error_in_a_reader_becomes_a_message(tmp_path, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(read_sheet, "read_calamine_sheet", explode)
    path = files.xlsx(tmp_path, {"Data": [["a", "b"], [1, 2]]})
    problem = refused(tmp_path, path)
    assert problem.code == "file.unreadable" and problem.extra["detail"] == "RuntimeError: boom"


def test_it_refuses_a_workbook_without_data(tmp_path):
    path = files.xlsx(tmp_path, {"Lembar1": [], "Lembar2": []})
    problem = refused(tmp_path, path)
    assert problem.code == "file.empty" and "lembar" in problem.message


# --- size --------------------------------------------------------------------------------------------


def test_it_refuses_a_file_over_the_size_limit_before_reading_it(tmp_path, monkeypatch):
    path = files.write(tmp_path, "besar.csv", b"a,b\n" + b"1,2\n" * 1000)

    def no_detection(*args, **kwargs):
        raise AssertionError("the size is checked first")

    monkeypatch.setattr(read, "detect_format", no_detection)
    problem = refused(tmp_path, path, limits=Limits(max_bytes=1000))
    assert problem.code == "file.too_large" and "batasnya" in problem.message


# --- ZIP bombs and XML entity bombs -------------------------------------------------------------------


def test_it_refuses_a_zip_bomb_by_its_compression_ratio(tmp_path):
    path = files.zip_bomb(tmp_path, size=64 * 1024 * 1024)
    assert zipfile.ZipFile(path).getinfo("xl/worksheets/sheet1.xml").compress_size < 1024 * 1024
    problem = refused(tmp_path, path)
    assert problem.code == "file.zip_bomb" and problem.extra["ratio"] > 200


def test_it_refuses_a_zip_whose_declared_size_is_over_the_limit(tmp_path):
    path = files.zip_bomb(tmp_path, size=16 * 1024 * 1024)
    limits = Limits(max_uncompressed_bytes=8 * 1024 * 1024, max_compression_ratio=10**9)
    problem = refused(tmp_path, path, limits=limits)
    assert problem.code == "file.zip_bomb" and problem.extra["uncompressed"] > 16 * 1024 * 1024


def test_it_refuses_a_zip_with_too_many_entries(tmp_path):
    problem = refused(tmp_path, files.zip_with_many_entries(tmp_path))
    assert problem.code == "file.zip_bomb" and problem.extra["entries"] == 10_002


def test_it_refuses_an_xlsx_with_an_xml_entity_bomb(tmp_path):
    path = files.entity_bomb(tmp_path)
    started = time.monotonic()
    problem = refused(tmp_path, path)
    assert problem.code == "file.xml_entities" and problem.extra["part"] == "xl/sharedStrings.xml"
    assert time.monotonic() - started < 5


def test_an_ordinary_xlsx_passes_the_zip_checks(tmp_path):
    path = files.xlsx(tmp_path, {"Data": [["a", "b"], ["x", 1]]})
    assert read.check_zip(path, "xlsx", Limits()) == "xlsx"


# --- macros and passwords -------------------------------------------------------------------------------


def test_it_refuses_a_workbook_with_a_vba_project(tmp_path):
    problem = refused(tmp_path, files.macro_workbook(tmp_path, "data.xlsx"))
    assert problem.code == "file.macro" and ".xlsx" in problem.hint


def test_it_refuses_an_xlsm_by_its_name(tmp_path):
    path = files.xlsx(tmp_path, {"Data": [["a", "b"], ["x", 1]]}, name="data.xlsm")
    assert refused(tmp_path, path).code == "file.macro"


def test_it_refuses_an_xls_with_macros(tmp_path):
    assert (
        refused(tmp_path, files.ole(["Workbook", "_VBA_PROJECT_CUR", "VBA"]), name="data.xls").code
        == "file.macro"
    )


@pytest.mark.parametrize("data", [files.encrypted_workbook(), files.encrypted_blob()])
def test_it_refuses_a_password_protected_workbook(tmp_path, data):
    problem = refused(tmp_path, data, name="rahasia.xlsx")
    assert problem.code == "file.encrypted" and "kata sandi" in problem.hint


def test_the_ole_directory_is_read_properly(tmp_path):
    path = files.write(
        tmp_path,
        "x.xls",
        files.ole(["Workbook", "SummaryInformation"] + [f"s{i}" for i in range(6)]),
    )
    assert read.ole_names(path) == [
        "Root Entry",
        "Workbook",
        "SummaryInformation",
        "s0",
        "s1",
        "s2",
        "s3",
        "s4",
        "s5",
    ]
    assert read.ole_names(files.write(tmp_path, "y.xls", files.encrypted_blob())) is None


# --- hostile content ----------------------------------------------------------------------------------


def test_it_refuses_ten_thousand_columns(tmp_path):
    problem = refused(tmp_path, files.wide_csv(10_000))
    assert problem.code == "file.too_many_columns" and "10.000 kolom" in problem.message


def test_it_refuses_a_sheet_with_too_many_columns(tmp_path):
    def build(book, sheets):
        sheets["Data"].write_row(0, 0, [f"k{i}" for i in range(1100)])

    path = files.xlsx(tmp_path, {"Data": []}, build=build)
    assert refused(tmp_path, path).code == "file.too_many_columns"


def test_it_cuts_a_two_megabyte_header_cell(tmp_path):
    data = b"kode," + b"A" * (2 * 1024 * 1024) + b",nilai\n53.10,x,1\n"
    [sheet] = read_file(tmp_path, files.write(tmp_path, "data.csv", data))
    assert [len(name) for name in sheet.header] == [4, 1000, 5]
    assert [p.code for p in sheet.problems] == ["header.too_long"]
    assert pq.read_table(sheet.data_path).to_pylist() == [
        {"c0": "53.10", "c1": "x", "c2": "1", "_row": 2}
    ]


def test_it_cuts_a_two_megabyte_data_cell(tmp_path):
    data = b"kode,teks\n53.10," + b"B" * (2 * 1024 * 1024) + b"\n53.71,b\n"
    [sheet] = read_file(tmp_path, files.write(tmp_path, "data.csv", data))
    values = pq.read_table(sheet.data_path).column("c1").to_pylist()
    assert [len(v) for v in values] == [32_767, 1]
    assert [(p.code, p.row) for p in sheet.problems] == [("cell.too_long", 2)]


@pytest.mark.parametrize(
    "header", ["<script>alert(1)</script>", "'; DROP TABLE x; --", "<img src=x onerror=alert(1)>"]
)
def test_headers_carrying_html_or_sql_are_kept_as_text(tmp_path, header):
    data = ("kode," + '"' + header + '"' + "\n53.10,1\n").encode()
    [sheet] = read_file(tmp_path, files.write(tmp_path, "data.csv", data))
    assert sheet.header == ["kode", header]
    suspicious = [p for p in sheet.problems if p.code == "header.suspicious"]
    assert len(suspicious) == (1 if "<" in header else 0)
    assert all(p.severity == Severity.WARNING for p in sheet.problems)


def test_it_strips_nul_bytes_with_a_warning(tmp_path):
    data = b"kode,nama\n53.10,Mang\x00garai\n53.71,Kota\x00\x00 Kupang\n"
    [sheet] = read_file(tmp_path, files.write(tmp_path, "data.csv", data))
    assert pq.read_table(sheet.data_path).column("c1").to_pylist() == ["Manggarai", "Kota Kupang"]
    nul = next(p for p in sheet.problems if p.code == "file.nul_bytes")
    assert (nul.severity, nul.count) == (Severity.WARNING, 3)


def test_it_reads_a_file_mixing_utf8_and_windows_1252_lines(tmp_path):
    lines = [
        b"kode;nama;catatan",
        "53.10;Manggarai;café".encode(),
        "53.71;Kota Kupang;naïve".encode("cp1252"),
        "53.01;Kupang;“kutip”".encode(),
        "53.02;Timor Tengah Selatan;Señor".encode("cp1252"),
    ]
    [sheet] = read_file(tmp_path, files.write(tmp_path, "data.csv", b"\n".join(lines) + b"\n"))
    assert pq.read_table(sheet.data_path).column("c2").to_pylist() == [
        "café",
        "naïve",
        "“kutip”",
        "Señor",
    ]
    mixed = next(p for p in sheet.problems if p.code == "file.mixed_encoding")
    assert (mixed.severity, mixed.row, mixed.count) == (Severity.WARNING, 3, 2)
    assert "Windows-1252" in mixed.message


def test_a_non_utf8_byte_deep_in_a_large_file_is_found(tmp_path):
    data = b"a,b\n" + b"x,1\n" * 400_000 + "é,2\n".encode("cp1252")
    [sheet] = read_file(tmp_path, files.write(tmp_path, "data.csv", data))
    assert pq.read_table(sheet.data_path).column("c0").to_pylist()[-1] == "é"


def test_it_reports_one_ragged_line_in_a_million(tmp_path):
    path = files.million_lines_with_one_ragged(tmp_path / "sejuta.csv")
    [sheet] = read_file(tmp_path, path)
    assert sheet.row_count == 1_000_000
    ragged = [p for p in sheet.problems if p.code == "row.ragged"]
    assert [(p.row, p.severity) for p in ragged] == [(500_002, Severity.ERROR)]
    assert "Baris 500002 berisi 5 kolom" in ragged[0].message
    table = pq.read_table(sheet.data_path, columns=["c0", "c3", "_row"])
    assert table.slice(500_000, 1).to_pylist() == [{"c0": "500001", "c3": "12", "_row": 500_002}]
    assert table.column("_row").to_pylist()[-1] == 1_000_001
