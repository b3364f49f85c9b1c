"""Readers: every format, dialect and encoding, and the header and table rules, on generated files."""

import datetime as dt
import json

import pyarrow.parquet as pq
import pytest

from satudata.ingest import read_csv
from satudata.ingest.problems import Severity
from satudata.ingest.read import Limits, UnreadableFile, read_upload
from satudata.ingest.table import ROW_COLUMN

from . import files


def read(tmp_path, data, name="data.csv", **kwargs):
    path = (
        data
        if not isinstance(data, bytes | str)
        else files.write(tmp_path, name, data.encode() if isinstance(data, str) else data)
    )
    workdir = tmp_path / "work"
    workdir.mkdir(exist_ok=True)
    return read_upload(path, name, workdir, **kwargs)


def rows(sheet):
    """The sheet's data as lists of cells, each ending with the original row number."""
    table = pq.read_table(sheet.data_path)
    width = len(sheet.header)
    return [[row[f"c{i}"] for i in range(width)] + [row[ROW_COLUMN]] for row in table.to_pylist()]


def codes(sheet):
    return [p.code for p in sheet.problems]


def only(sheet, code):
    found = [p for p in sheet.problems if p.code == code]
    assert len(found) == 1, [(p.code, p.message) for p in sheet.problems]
    return found[0]


CLEAN = "kode_wilayah,nama,tahun,nilai\n53.10,Kabupaten Manggarai,2024,007\n53.71,Kota Kupang,2024,1.234\n"


# --- CSV dialects and encodings ------------------------------------------------------------------


def test_it_reads_csv_cells_as_text_so_codes_keep_their_zeros(tmp_path):
    [sheet] = read(tmp_path, CLEAN)
    assert (sheet.name, sheet.header, sheet.header_row, sheet.row_count) == (
        "",
        ["kode_wilayah", "nama", "tahun", "nilai"],
        1,
        2,
    )
    assert rows(sheet) == [
        ["53.10", "Kabupaten Manggarai", "2024", "007", 2],
        ["53.71", "Kota Kupang", "2024", "1.234", 3],
    ]
    assert sheet.problems == []
    schema = pq.read_schema(sheet.data_path)
    assert [str(schema.field(n).type) for n in schema.names] == ["string"] * 4 + ["int64"]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_it_sniffs_the_delimiter(tmp_path, delimiter):
    text = files.csv_text(
        [["kode", "nilai", "ket"], ["53.10", "1,5", "a b"], ["53.71", "2,5", "c"]], delimiter
    )
    if delimiter == ",":
        text = text.replace("1,5", '"1,5"').replace("2,5", '"2,5"')
    [sheet] = read(tmp_path, text)
    assert sheet.header == ["kode", "nilai", "ket"]
    assert rows(sheet) == [["53.10", "1,5", "a b", 2], ["53.71", "2,5", "c", 3]]


def test_it_reads_standard_quoting_with_delimiters_quotes_and_newlines_inside(tmp_path):
    data = 'nama,catatan\n"Kupang, Kota","kata ""resmi""\nbaris dua"\nEnde,biasa\n'
    [sheet] = read(tmp_path, data)
    assert rows(sheet) == [["Kupang, Kota", 'kata "resmi"\nbaris dua', 2], ["Ende", "biasa", 3]]


@pytest.mark.parametrize(
    "encoding,bom",
    [
        ("utf-8", b""),
        ("utf-8", b"\xef\xbb\xbf"),
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
        ("cp1252", b""),
        ("latin-1", b""),
    ],
)
def test_it_reads_every_supported_encoding(tmp_path, encoding, bom):
    text = "kode;nama;catatan\n53.10;Manggarai;café\n53.71;Kota Kupang;Ñusa\n"
    [sheet] = read(tmp_path, bom + text.encode(encoding))
    assert sheet.header == ["kode", "nama", "catatan"]  # no BOM glued to the first name
    assert rows(sheet) == [["53.10", "Manggarai", "café", 2], ["53.71", "Kota Kupang", "Ñusa", 3]]
    assert "file.mixed_encoding" not in codes(sheet)


def test_it_reads_windows_1252_typographic_characters(tmp_path):
    text = "uraian,nilai\nAnggaran “naik” – 5%,1\n"
    [sheet] = read(tmp_path, text.encode("cp1252"))
    assert rows(sheet)[0][0] == "Anggaran “naik” – 5%"


def test_it_reads_crlf_and_cr_line_ends(tmp_path):
    [crlf] = read(tmp_path, b"a,b\r\n1,2\r\n3,4\r\n", name="crlf.csv")
    [cr] = read(tmp_path, b"a,b\r1,2\r3,4\r", name="cr.csv")
    assert rows(crlf) == rows(cr) == [["1", "2", 2], ["3", "4", 3]]


def test_it_keeps_empty_cells_null_and_text_like_na(tmp_path):
    [sheet] = read(tmp_path, "a,b,c\n,NA,\nnull,,x\n")
    assert rows(sheet) == [[None, "NA", None, 2], ["null", None, "x", 3]]


def test_it_drops_trailing_columns_without_name_or_data(tmp_path):
    [sheet] = read(tmp_path, "a,b,,\n1,2,,\n3,4,,\n")
    assert sheet.header == ["a", "b"]
    assert rows(sheet) == [["1", "2", 2], ["3", "4", 3]]
    assert sheet.problems == []


def test_it_reads_a_text_file_named_xlsx_as_csv_with_a_warning(tmp_path):
    [sheet] = read(tmp_path, CLEAN, name="data.xlsx")
    assert sheet.row_count == 2
    assert only(sheet, "file.wrong_extension").severity == Severity.WARNING


def test_it_reports_progress_a_limited_number_of_times(tmp_path, monkeypatch):
    monkeypatch.setattr(read_csv, "BLOCK_SIZE", 16 * 1024)  # many blocks from a small file
    body = "".join(f"{i},53.10,{i % 7}\n" for i in range(200_000))
    calls = []
    [sheet] = read(tmp_path, "id,kode,n\n" + body, progress=calls.append)
    assert sheet.row_count == 200_000 and rows(sheet)[-1] == ["199999", "53.10", "2", 200_001]
    assert 10 <= len(calls) <= 51
    assert calls == sorted(calls) and calls[-1] == 1.0


# --- header rules ----------------------------------------------------------------------------------


def test_it_skips_blank_and_title_rows_above_the_header(tmp_path):
    data = "\n\nTabel 3.1 Jumlah Penduduk NTT,,\n\nkode,nama,jumlah\n53.10,Manggarai,10\n"
    [sheet] = read(tmp_path, data)
    assert (sheet.header, sheet.header_row) == (["kode", "nama", "jumlah"], 5)
    assert rows(sheet) == [["53.10", "Manggarai", "10", 6]]
    title = only(sheet, "header.title_rows")
    assert title.severity == Severity.WARNING and title.row == 3
    assert "Judul tabel di atas header" in title.message


def test_it_names_blank_header_cells_and_reports_them(tmp_path):
    [sheet] = read(tmp_path, "kode,,nilai\n53.10,x,1\n")
    assert sheet.header == ["kode", "kolom_2", "nilai"]
    blank = only(sheet, "header.blank")
    assert (blank.severity, blank.row, blank.column_index, blank.column) == (
        Severity.ERROR,
        1,
        1,
        "kolom_2",
    )
    assert "Kolom B" in blank.message and blank.hint


def test_a_blank_header_over_an_empty_column_is_only_a_warning(tmp_path):
    [sheet] = read(tmp_path, "kode,,nilai\n53.10,,1\n")
    assert only(sheet, "header.blank").severity == Severity.WARNING


def test_it_renames_duplicate_headers_and_reports_them(tmp_path):
    [sheet] = read(tmp_path, "kode,tahun,nilai,x,y,Tahun\n53.10,2023,1,a,b,2024\n")
    assert sheet.header == ["kode", "tahun", "nilai", "x", "y", "Tahun_2"]
    duplicate = only(sheet, "header.duplicate")
    assert duplicate.severity == Severity.ERROR
    assert duplicate.message == "Nama kolom 'tahun' dipakai lebih dari sekali (kolom B dan F)."
    assert duplicate.hint == "Beri setiap kolom nama yang berbeda."
    assert rows(sheet)[0][-2] == "2024"  # the column is kept


def test_a_renamed_duplicate_does_not_collide_with_an_existing_name(tmp_path):
    [sheet] = read(tmp_path, "a,a_2,a\n1,2,3\n")
    assert sheet.header == ["a", "a_2", "a_3"]


def test_it_detects_a_second_header_row_over_numeric_data(tmp_path):
    data = (
        "Kabupaten,Penduduk,,Luas\n"
        ",Laki-laki,Perempuan,km2\n"
        "Kupang,1000,1200,5000\nEnde,900,950,2000\nSikka,800,810,1700\nAlor,700,720,2800\n"
    )
    [sheet] = read(tmp_path, data)
    multirow = only(sheet, "header.multirow")
    assert (multirow.severity, multirow.row) == (Severity.ERROR, 2)
    assert "satu baris" in multirow.hint


def test_a_text_column_under_a_single_header_is_not_a_second_header(tmp_path):
    data = "nama,nilai,jumlah\nBudi,-,n/a\nAni,1,2\nCici,3,4\nDodi,5,6\n"
    [sheet] = read(tmp_path, data)
    assert "header.multirow" not in codes(sheet)


@pytest.mark.parametrize("text", ["<script>alert(1)</script>", "'; DROP TABLE x; --", "nilai\x07"])
def test_it_keeps_html_and_sql_headers_as_plain_text(tmp_path, text):
    data = '"' + text.replace('"', '""') + '",b\n1,2\n'
    [sheet] = read(tmp_path, data)
    assert sheet.header[0] == text
    if "<" in text or "\x07" in text:
        assert only(sheet, "header.suspicious").severity == Severity.WARNING
    else:
        assert sheet.problems == []


def test_it_cuts_an_over_long_header_cell(tmp_path):
    [sheet] = read(tmp_path, "a" * 1500 + ",b\n1,2\n")
    assert len(sheet.header[0]) == 1000
    assert only(sheet, "header.too_long").severity == Severity.ERROR


def test_it_collapses_line_breaks_inside_header_cells(tmp_path):
    [sheet] = read(tmp_path, '"Jumlah\nPenduduk  ",b\n1,2\n')
    assert sheet.header == ["Jumlah Penduduk", "b"]
    assert sheet.problems == []


# --- table rules ---------------------------------------------------------------------------------


def test_it_leaves_notes_under_the_table_out_of_the_data(tmp_path):
    data = "kode,nama,nilai\n53.10,Manggarai,1\n53.71,Kota Kupang,2\n\nSumber: BPS NTT\nCatatan: angka sementara\n"
    [sheet] = read(tmp_path, data)
    assert rows(sheet) == [["53.10", "Manggarai", "1", 2], ["53.71", "Kota Kupang", "2", 3]]
    notes = only(sheet, "table.notes_below")
    assert (notes.severity, notes.row, notes.count, notes.value) == (
        Severity.WARNING,
        5,
        2,
        "Sumber: BPS NTT",
    )
    assert "row.ragged" not in codes(sheet)  # one-field note lines are not ragged rows
    assert "table.blank_rows" not in codes(sheet)


def test_a_source_line_right_under_the_table_is_a_note_too(tmp_path):
    [sheet] = read(tmp_path, "kode,nilai\n53.10,1\nSumber: BPS,\n")
    assert sheet.row_count == 1 and only(sheet, "table.notes_below").row == 3


def test_a_one_column_table_has_notes_only_after_a_blank_row(tmp_path):
    [sheet] = read(tmp_path, "nama\nBudi\nSumber lain\n\nSumber: survei\n")
    assert rows(sheet) == [["Budi", 2], ["Sumber lain", 3]]
    assert only(sheet, "table.notes_below").row == 5


def test_rows_with_only_a_first_cell_inside_the_data_stay(tmp_path):
    [sheet] = read(tmp_path, "kode,nilai\n53.10,1\n53.71,\n53.01,3\n")
    assert sheet.row_count == 3 and "table.notes_below" not in codes(sheet)


def test_it_drops_blank_rows_inside_the_data_and_counts_them(tmp_path):
    [sheet] = read(tmp_path, "a,b\n1,2\n\n,\n3,4\n\n")
    assert rows(sheet) == [["1", "2", 2], ["3", "4", 5]]
    blank = only(sheet, "table.blank_rows")
    assert (blank.severity, blank.count, blank.row) == (Severity.WARNING, 2, 3)


def test_it_reports_ragged_rows_with_their_number_and_keeps_them(tmp_path):
    data = 'a,b,c\n1,2,3\n"x\ny",5,6\n7,8\n9,10,11,12\n13,14,15\n'
    [sheet] = read(tmp_path, data)
    assert rows(sheet) == [
        ["1", "2", "3", 2],
        ["x\ny", "5", "6", 3],
        ["7", "8", None, 4],
        ["9", "10", "11", 5],
        ["13", "14", "15", 6],
    ]
    ragged = [p for p in sheet.problems if p.code == "row.ragged"]
    assert [(p.row, p.severity, p.extra["fields"]) for p in ragged] == [
        (4, Severity.ERROR, 2),
        (5, Severity.ERROR, 4),
    ]
    assert "Baris 4 hanya berisi 2 kolom" in ragged[0].message


def test_it_lists_a_hundred_ragged_rows_and_counts_the_rest(tmp_path):
    body = "".join("1,2\n" if i % 2 else "1,2,3\n" for i in range(300))
    [sheet] = read(tmp_path, "a,b,c\n" + body)
    ragged = [p for p in sheet.problems if p.code == "row.ragged"]
    assert len(ragged) == 101 and ragged[-1].count == 50 and sheet.row_count == 300


def test_it_cuts_over_long_cells(tmp_path):
    [sheet] = read(tmp_path, "a,b\n" + "x" * 40 + ",1\nok,2\n", limits=Limits(max_cell_chars=30))
    assert rows(sheet) == [["x" * 30, "1", 2], ["ok", "2", 3]]
    long = only(sheet, "cell.too_long")
    assert (long.severity, long.row, long.column) == (Severity.ERROR, 2, "a")


def test_it_cuts_over_long_cells_by_characters_not_bytes(tmp_path):
    [sheet] = read(tmp_path, "a\n" + "é" * 20 + "\n", limits=Limits(max_cell_chars=10))
    assert rows(sheet) == [["é" * 10, 2]]


# --- workbooks -----------------------------------------------------------------------------------


def test_it_reads_every_sheet_of_an_xlsx_including_hidden_ones(tmp_path):
    def build(book, sheets):
        sheets["Rahasia"].hide()
        sheets["Sangat rahasia"].very_hidden()

    path = files.xlsx(
        tmp_path,
        {
            "Data": [["kode", "nilai"], ["53.10", 1]],
            "Rahasia": [["nik", "nama"], ["5371011505900001", "A"]],
            "Sangat rahasia": [["x", "y"], ["1", "2"]],
            "Kosong": [],
        },
        build=build,
    )
    sheets = read(tmp_path, path, name="data.xlsx")
    assert [(s.name, s.hidden, s.row_count) for s in sheets] == [
        ("Data", False, 1),
        ("Rahasia", True, 1),
        ("Sangat rahasia", True, 1),
    ]
    assert rows(sheets[1]) == [["5371011505900001", "A", 2]]
    assert len({s.data_path for s in sheets}) == 3


def test_it_turns_xlsx_cells_back_into_text(tmp_path):
    path = files.xlsx(
        tmp_path,
        {
            "Data": [
                ["kode", "tahun", "nilai", "tanggal", "ada", "besar"],
                ["53.10", 2024, 1.5, dt.date(2024, 1, 5), True, 1234567890123456],
                ["007", 2023.0, 0.1 + 0.2, dt.datetime(2024, 2, 29, 8, 30), False, -0.0],
            ]
        },
    )
    [sheet] = read(tmp_path, path, name="data.xlsx")
    assert rows(sheet) == [
        ["53.10", "2024", "1.5", "2024-01-05", "TRUE", "1234567890123456", 2],
        ["007", "2023", "0.3", "2024-02-29T08:30:00", "FALSE", "0", 3],
    ]
    assert sheet.problems == []


def test_it_warns_about_a_code_column_excel_stored_as_numbers(tmp_path):
    path = files.xlsx(tmp_path, {"Data": [["kode_wilayah", "nilai"], [53.1, 1.5], [53.71, 2.5]]})
    [sheet] = read(tmp_path, path, name="data.xlsx")
    warning = only(sheet, "cell.code_as_number")
    assert (warning.severity, warning.column, warning.value) == (
        Severity.WARNING,
        "kode_wilayah",
        "53.1",
    )


def test_it_finds_the_table_where_it_starts_in_the_sheet(tmp_path):
    def build(book, sheets):
        sheets["Data"].write_string("A1", "Tabel 1. Penduduk")
        sheets["Data"].write_row("C4", ["kode", "nilai"])
        sheets["Data"].write_row("C5", ["53.10", 3])
        sheets["Data"].write_row("C7", ["53.71", 4])
        sheets["Data"].write_string("C9", "Sumber: BPS")

    path = files.xlsx(tmp_path, {"Data": []}, build=build)
    [sheet] = read(tmp_path, path, name="data.xlsx")
    # the used range starts in column A (the title), so the table's columns are A..D
    assert sheet.header_row == 4
    assert sheet.header == ["kolom_1", "kolom_2", "kode", "nilai"]
    assert rows(sheet) == [[None, None, "53.10", "3", 5], [None, None, "53.71", "4", 7]]
    assert {"header.title_rows", "table.blank_rows", "table.notes_below", "header.blank"} <= set(
        codes(sheet)
    )
    assert only(sheet, "table.notes_below").row == 9


def test_it_reports_merged_cells_in_the_data_and_in_the_header(tmp_path):
    def build(book, sheets):
        sheet = sheets["Data"]
        sheet.merge_range("A1:A2", "Kabupaten")
        sheet.merge_range("B1:C1", "Penduduk")
        sheet.write_row("B2", ["L", "P"])
        sheet.merge_range("A3:A4", "Kupang")
        sheet.write_row("B3", [1, 2])
        sheet.write_row("B4", [3, 4])
        sheet.write_row("A5", ["Ende", 5, 6])
        sheet.write_row("A6", ["Alor", 7, 8])

    path = files.xlsx(tmp_path, {"Data": []}, build=build)
    [sheet] = read(tmp_path, path, name="data.xlsx")
    multirow = only(sheet, "header.multirow")
    assert multirow.severity == Severity.ERROR and "A1:A2" in multirow.message
    merged = only(sheet, "sheet.merged_cells")
    assert merged.severity == Severity.WARNING and "A3:A4" in merged.message and merged.row == 3


def test_it_reads_an_ods_file(tmp_path):
    path = files.ods(
        tmp_path,
        {
            "Lembar1": [
                [None],
                ["kode", "tahun", "nilai", "tanggal"],
                ["53.10", 2024, 1.5, dt.date(2024, 3, 1)],
                ["007", 2023, 2, None],
            ]
        },
    )
    [sheet] = read(tmp_path, path, name="data.ods")
    assert (sheet.name, sheet.header, sheet.header_row) == (
        "Lembar1",
        ["kode", "tahun", "nilai", "tanggal"],
        2,
    )
    assert rows(sheet) == [["53.10", "2024", "1.5", "2024-03-01", 3], ["007", "2023", "2", None, 4]]


# XLS: no writer for the BIFF format is installed (xlwt is not a dependency), so XLS goes
# through the same calamine path as XLSX/ODS untested here; test_bad_input covers XLS detection.


# --- JSON ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "wrap", [lambda r: r, lambda r: {"data": r}, lambda r: {"meta": {"n": 2}, "records": r}]
)
def test_it_reads_json_records(tmp_path, wrap):
    records = [
        {"kode": "53.10", "nilai": 1.5, "ada": True},
        {"kode": "53.71", "lain": {"a": [1, 2]}, "nilai": None},
    ]
    [sheet] = read(tmp_path, json.dumps(wrap(records)), name="data.json")
    assert sheet.header == ["kode", "nilai", "ada", "lain"]
    assert rows(sheet) == [
        ["53.10", "1.5", "TRUE", None, 2],
        ["53.71", None, None, '{"a": [1, 2]}', 3],
    ]


def test_it_keeps_json_numbers_as_written(tmp_path):
    [sheet] = read(
        tmp_path, '[{"kode": 53.10, "n": 7.50e0, "big": 12345678901234567890}]', name="x.json"
    )
    assert rows(sheet) == [["53.10", "7.50e0", "12345678901234567890", 2]]


def test_it_reads_json_arrays_of_arrays_with_the_first_as_header(tmp_path):
    [sheet] = read(tmp_path, '[["kode", "nilai"], ["53.10", 1], ["53.71", 2]]', name="data.json")
    assert (sheet.header, rows(sheet)) == (
        ["kode", "nilai"],
        [["53.10", "1", 2], ["53.71", "2", 3]],
    )


def test_it_reads_utf16_json(tmp_path):
    [sheet] = read(tmp_path, '[{"a": "é"}]'.encode("utf-16"), name="data.json")
    assert rows(sheet) == [["é", 2]]


def test_it_reads_a_large_json_array_in_pieces(tmp_path):
    records = [{"id": i, "teks": "x" * 50} for i in range(60_000)]  # several read chunks
    [sheet] = read(tmp_path, json.dumps(records, indent=1), name="data.json")
    assert sheet.row_count == 60_000 and rows(sheet)[-1] == ["59999", "x" * 50, 60_001]


@pytest.mark.parametrize(
    "text,code",
    [
        ('[{"a": 1}, {"a": 2', "file.json_invalid"),
        ('{"a": 1, "b": 2}', "file.json_shape"),
        ("[1, 2, 3]", "file.json_shape"),
        ('[{"a": 1}, [1]]', "file.json_shape"),
        ("[]", "file.empty"),
    ],
)
def test_it_refuses_json_that_is_not_a_table(tmp_path, text, code):
    with pytest.raises(UnreadableFile) as caught:
        read(tmp_path, text, name="data.json")
    assert caught.value.problem.code == code and caught.value.problem.hint
