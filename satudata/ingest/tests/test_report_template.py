"""The problem report (XLSX with marked cells) and the templates (XLSX with checks, CSV)."""

import openpyxl

from satudata.ingest import report, template
from satudata.ingest.problems import Problem, Severity
from satudata.ingest.validate import validate

from .sheets_helper import make_sheet
from .test_validate import REGIONS, code_field, f

RED = "FFFFC7CE"
YELLOW = "FFFFEB9C"


def fill(cell):
    return cell.fill.fgColor.rgb if cell.fill and cell.fill.fill_type else None


def checked_sheet(tmp_path, first_row=2):
    fields = [code_field(), f("jumlah", "integer"), f("catatan")]
    rows = [
        ["53.10", "12", '=HYPERLINK("http://x")'],
        ["53.1", "1.234.567", "ok"],
        ["53.01", "12", '=HYPERLINK("http://x")'],
    ]
    sheet = make_sheet(
        tmp_path, [x["name"] for x in fields], rows, name="Data", first_row=first_row
    )
    result = validate(sheet, {"fields": fields}, REGIONS, tmp_path / "work")
    return sheet, result.problems


def test_the_report_lists_problems_and_marks_the_cells(tmp_path):
    sheet, problems = checked_sheet(tmp_path)
    path = tmp_path / "laporan.xlsx"
    report.problems_xlsx(sheet, problems, path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Masalah", "Data"]
    listing = list(book["Masalah"].iter_rows(values_only=True))
    assert listing[0] == ("no", "lembar", "baris", "kolom", "kode", "pesan", "saran", "nilai")
    codes = {(r[2], r[3], r[4], r[7]) for r in listing[1:]}
    assert codes == {
        (3, "kode_wilayah (A)", "region.number_lost", "53.1"),
        (3, "jumlah (B)", "value.thousands_separator", "1.234.567"),
    }
    data = book["Data"]
    assert [c.value for c in data[1]] == [
        "kode_wilayah",
        "jumlah",
        "catatan",
    ]  # header row included
    assert [c.value for c in data[3]] == [
        "53.1",
        "1.234.567",
        "ok",
    ]  # row 3 of the file is row 3 here
    assert (fill(data["A3"]), fill(data["B3"]), fill(data["C3"]), fill(data["A2"])) == (
        RED,
        RED,
        None,
        None,
    )
    assert "53.10" in data["A3"].comment.text and "region.number_lost" in data["A3"].comment.text
    assert data["A2"].comment is None
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert data["C2"].value == '=HYPERLINK("http://x")'  # kept as text


def test_the_report_keeps_the_original_row_numbers_and_marks_column_and_row_problems(tmp_path):
    sheet, problems = checked_sheet(tmp_path, first_row=5)  # header on row 4
    problems += [
        Problem(
            code="pii.nik",
            severity=Severity.ERROR,
            message="NIK",
            sheet="Data",
            column="catatan",
            column_index=2,
        ),
        Problem(
            code="row.duplicate", severity=Severity.WARNING, message="Ganda", sheet="Data", row=7
        ),
        Problem(code="file.x", severity=Severity.ERROR, message="Berkas", sheet=""),
    ]
    path = tmp_path / "laporan.xlsx"
    report.problems_xlsx(sheet, problems, path)
    data = openpyxl.load_workbook(path)["Data"]
    assert data["A4"].value == "kode_wilayah" and data["A6"].value == "53.1"
    assert fill(data["A6"]) == RED and fill(data["C4"]) == RED and "NIK" in data["C4"].comment.text
    assert fill(data["A7"]) == YELLOW and "Ganda" in data["A7"].comment.text
    assert data.freeze_panes == "A5"


def test_the_report_limits_comments_and_rows(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "COMMENTS", 1)
    monkeypatch.setattr(report, "DATA_ROWS", 2)
    sheet, problems = checked_sheet(tmp_path)
    path = tmp_path / "laporan.xlsx"
    report.problems_xlsx(sheet, problems, path)
    data = openpyxl.load_workbook(path)["Data"]
    assert data.max_row == 3
    assert [bool(data[c].comment) for c in ("A3", "B3")] == [True, False]
    assert fill(data["B3"]) == RED


SCHEMA = {
    "fields": [
        code_field(definition="Kode kabupaten/kota"),
        f("tahun", "year", constraints={"required": True}, **{"satudata:period": "tahun"}),
        f("jk", constraints={"enum": ["Laki-laki", "Perempuan"]}),
        f(
            "jumlah",
            "integer",
            constraints={"minimum": 0},
            unit="jiwa",
            definition="Jumlah penduduk",
        ),
        f("persen", "number", constraints={"minimum": 0, "maximum": 100}, unit="persen"),
        f("tanggal", "date"),
        f("aktif", "boolean", trueValues=["ya"], falseValues=["tidak"]),
        f("=catatan"),
    ]
}
CODES = {
    "region_code": [
        ("53.01", "Kabupaten Kupang"),
        ("53.10", "Kabupaten Manggarai"),
        ("53.71", "Kota Kupang"),
    ]
}


def test_the_template_has_checks_dropdowns_and_a_guide(tmp_path):
    path = tmp_path / "templat.xlsx"
    template.template_xlsx(SCHEMA, str(path), code_lists=CODES)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Data", "Petunjuk", "Kode"]
    assert book["Kode"].sheet_state == "hidden"
    data = book["Data"]
    assert [c.value for c in data[1]] == [x["name"] for x in SCHEMA["fields"]]
    assert data["A1"].font.b and data.freeze_panes == "A2"
    assert data.column_dimensions["A"].number_format == "@"  # 53.10 stays 53.10
    checks = {str(v.sqref).split(":")[0]: v for v in data.data_validations.dataValidation}
    assert set(checks) == {"A2", "B2", "C2", "D2", "E2", "F2", "G2"}
    kode = book["Kode"]
    assert checks["A2"].type == "list" and checks["A2"].formula1 == "Kode!$A$2:$A$4"
    assert [kode[f"A{r}"].value for r in (2, 3, 4)] == ["53.01", "53.10", "53.71"]
    assert kode["B3"].value == "Kabupaten Manggarai"
    assert checks["C2"].type == "list" and [kode[f"C{r}"].value for r in (2, 3)] == [
        "Laki-laki",
        "Perempuan",
    ]
    assert (checks["B2"].type, checks["B2"].formula1, checks["B2"].formula2) == (
        "whole",
        "1900",
        "2100",
    )
    assert (checks["D2"].type, checks["D2"].formula1) == ("whole", "0")
    assert (checks["E2"].type, checks["E2"].formula1, checks["E2"].formula2) == (
        "decimal",
        "0",
        "100",
    )
    assert checks["F2"].type == "date" and checks["G2"].type == "list"
    assert "Kode kabupaten/kota" in checks["A2"].prompt
    guide = [r for r in book["Petunjuk"].iter_rows(values_only=True)]
    text = "\n".join(str(v) for row in guide for v in row if v)
    for phrase in (
        "Hanya satu baris judul",
        "merge",
        "di bawah tabel",
        "data pribadi",
        "nilai yang diperbolehkan",
    ):
        assert phrase in text
    by_name = {row[0]: row for row in guide if row[0] in {x["name"] for x in SCHEMA["fields"]}}
    assert by_name["jumlah"][1:] == (
        "Bilangan bulat",
        "tidak",
        "paling kecil 0",
        "Jumlah penduduk",
        "jiwa",
    )
    assert by_name["tahun"][2] == "ya" and "Laki-laki, Perempuan" in by_name["jk"][3]
    assert ("53.10", "Kabupaten Manggarai") in {row[:2] for row in guide}
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]


def test_the_csv_template_is_the_header_row(tmp_path):
    data = template.template_csv(SCHEMA)
    assert data.startswith(b"\xef\xbb\xbf") and data.endswith(b"\r\n")
    assert (
        data.decode("utf-8-sig").strip()
        == "kode_wilayah,tahun,jk,jumlah,persen,tanggal,aktif,'=catatan"
    )
