"""atheris target: the workbook readers (XLSX, XLS, ODS through read_upload and calamine).

Inputs are raw bytes, workbooks written from fuzzed cells (XlsxWriter, the BIFF8 writer of
the tests, the ODS writer of the tests), or a valid XLSX with one of its parts replaced by
fuzzed bytes. Finding: any exception other than UnreadableFile, a refusal without an
Indonesian message, or "file.unreadable" caused by something else than the parser
(calamine, zipfile, zlib) rejecting the file.
"""

import io
import tempfile
import zipfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["satudata"]):
    from _atheris_common import atheris_main, check_refusal, setup_django

    setup_django()
    from satudata.ingest.read import Limits, UnreadableFile, read_upload
    from satudata.ingest.tests import biff, files

import xlsxwriter

LIMITS = Limits(max_columns=50, max_cell_chars=500, max_header_chars=100)
PARTS = ("xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/workbook.xml",
         "[Content_Types].xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml")  # fmt: skip


def cells(fdp, rows: int, columns: int) -> list[list]:
    out = []
    for _r in range(rows):
        row = []
        for _c in range(columns):
            kind = fdp.ConsumeIntInRange(0, 3)
            if kind == 0:
                row.append(None)
            elif kind == 1:
                row.append(fdp.ConsumeUnicodeNoSurrogates(20))
            elif kind == 2:
                row.append(fdp.ConsumeInt(8))
            else:
                row.append(fdp.ConsumeRegularFloat())
        out.append(row)
    return out


def xlsx_of(rows) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet("Data")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, str):
                sheet.write_string(r, c, value)
            elif value is not None:
                try:
                    sheet.write_number(r, c, value)
                except (TypeError, ValueError, OverflowError):
                    pass  # NaN / inf: XlsxWriter refuses them itself
    book.close()
    return out.getvalue()


def ods_of(rows, tmp: Path) -> bytes:
    return files.ods(tmp, {"Data": rows}).read_bytes()


def with_part(part: str, data: bytes) -> bytes:
    source = xlsx_of([["kode", "nilai"], ["53.10", 1.5], ["53.71", 2]])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as old, zipfile.ZipFile(out, "w") as new:
        for info in old.infolist():
            new.writestr(info.filename, data if info.filename == part else old.read(info.filename))
    return out.getvalue()


def TestOneInput(data: bytes) -> None:  # noqa: N802 - the name atheris calls
    fdp = atheris.FuzzedDataProvider(data)
    mode = fdp.ConsumeIntInRange(0, 4)
    with tempfile.TemporaryDirectory(prefix="fuzz-sheet-") as tmp:
        tmp = Path(tmp)
        if mode == 0:
            name = ("data.xlsx", "data.xls", "data.ods")[fdp.ConsumeIntInRange(0, 2)]
            body = fdp.ConsumeBytes(fdp.remaining_bytes())
        elif mode == 1:
            name = "data.xlsx"
            body = xlsx_of(cells(fdp, fdp.ConsumeIntInRange(0, 6), fdp.ConsumeIntInRange(1, 5)))
        elif mode == 2:
            name = "data.xls"
            rows = cells(fdp, fdp.ConsumeIntInRange(1, 6), fdp.ConsumeIntInRange(1, 5))
            body = biff.xls({"Data": [[v if v is not None else "" for v in r] for r in rows]})
        elif mode == 3:
            name = "data.ods"
            body = ods_of(cells(fdp, fdp.ConsumeIntInRange(0, 6), fdp.ConsumeIntInRange(1, 5)), tmp)
        else:
            name = "data.xlsx"
            part = PARTS[fdp.ConsumeIntInRange(0, len(PARTS) - 1)]
            body = with_part(part, fdp.ConsumeBytes(fdp.remaining_bytes()))
        path = tmp / "upload"
        path.write_bytes(body)
        work = tmp / "work"
        work.mkdir()
        try:
            read_upload(path, name, work, limits=LIMITS)
        except UnreadableFile as error:
            check_refusal(error, text=False)


def seeds() -> list[bytes]:
    return [
        b"\x01" + xlsx_of([["kode", "nilai"], ["53.10", 1.5]]),
        b"\x04\x00<worksheet><sheetData><row r='1'><c r='A1' t='s'><v>0</v></c></row></sheetData></worksheet>",
        b"\x02\x03\x02" + b"\x01" * 64,
    ]


def main() -> None:
    atheris_main(TestOneInput, seeds)


if __name__ == "__main__":
    main()
