"""The problem report a Produsen downloads: a list of problems and their data, cells marked.

Sheet "Masalah" lists every problem (no, lembar, baris, kolom, kode, pesan, saran, nilai).
Sheet "Data" is a copy of the uploaded table (its first 100,000 rows) with each cell in the
row it had in the original file, so row numbers in the list, in the copy and in the
Produsen's own spreadsheet agree; problem cells are filled red (warnings yellow) and the
first ~1000 carry the message as a comment. Every value is written as text: nothing typed
by anyone can turn into a formula, and 53.10 stays 53.10.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import xlsxwriter
from django.utils.translation import gettext as _

from satudata.lib.spreadsheet import write_text_cell

from .problems import Problem, Severity, column_letter
from .table import ROW_COLUMN, SheetTable, data_column

DATA_ROWS = 100_000
COMMENTS = 1000
COMMENT_CHARS = 1000
BATCH_ROWS = 20_000
XLSX_OPTIONS = {
    "constant_memory": True,
    "strings_to_numbers": False,
    "strings_to_formulas": False,
    "strings_to_urls": False,
}


def problems_xlsx(sheet: SheetTable, problems: list[Problem], path: Path) -> None:
    book = xlsxwriter.Workbook(str(path), XLSX_OPTIONS)
    try:
        formats = {
            "bold": book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1}),
            "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
            "top": book.add_format({"valign": "top"}),
            # quote_prefix: a marked cell (text, maybe "=…") stays text even when edited
            Severity.ERROR: book.add_format(
                {"bg_color": "#FFC7CE", "font_color": "#9C0006", "quote_prefix": True}
            ),
            Severity.WARNING: book.add_format(
                {"bg_color": "#FFEB9C", "font_color": "#9C5700", "quote_prefix": True}
            ),
            # text that starts like a formula stays text even when edited (lib/spreadsheet.py)
            "quoted": book.add_format({"quote_prefix": True}),
        }
        _problem_list(book.add_worksheet("Masalah"), problems, formats)
        _data_copy(book.add_worksheet("Data"), sheet, problems, formats)
    finally:
        book.close()


def _problem_list(ws, problems: list[Problem], formats) -> None:
    headings = [
        _("no"),
        _("lembar"),
        _("baris"),
        _("kolom"),
        _("kode"),
        _("pesan"),
        _("saran"),
        _("nilai"),
    ]
    widths = [6, 14, 8, 24, 26, 60, 60, 24]
    for index, (heading, width) in enumerate(zip(headings, widths, strict=True)):
        ws.set_column(index, index, width, formats["wrap"] if index in (5, 6) else formats["top"])
        ws.write_string(0, index, heading, formats["bold"])
    ws.freeze_panes(1, 0)
    for number, problem in enumerate(problems, start=1):
        ws.write_number(number, 0, number)
        ws.write_string(number, 1, problem.sheet or "")
        if problem.row is not None:
            ws.write_number(number, 2, problem.row)
        column = problem.column or ""
        if problem.column_index is not None:
            column = f"{column} ({column_letter(problem.column_index)})"
        write_text_cell(ws, number, 3, column[:1000], formats["quoted"])
        ws.write_string(number, 4, problem.code, formats.get(problem.severity))
        message = problem.message
        if problem.count and problem.count > 1 and problem.row is None:
            message = f"{message} ({problem.count} sel)"
        ws.write_string(number, 5, message)
        ws.write_string(number, 6, problem.hint or "")
        write_text_cell(ws, number, 7, (problem.value or "")[:100], formats["quoted"])
    if problems:
        ws.autofilter(0, 0, len(problems), len(headings) - 1)


def _data_copy(ws, sheet: SheetTable, problems: list[Problem], formats) -> None:
    """The table at its original row numbers, problem cells marked and commented."""
    marks: dict[tuple[int, int], list[Problem]] = {}
    whole_rows: dict[int, list[Problem]] = {}
    for problem in problems:
        if problem.sheet != sheet.name:
            continue
        if problem.column_index is not None:
            row = problem.row if problem.row is not None else sheet.header_row
            marks.setdefault((row, problem.column_index), []).append(problem)
        elif problem.row is not None:
            whole_rows.setdefault(problem.row, []).append(problem)
    comments = [0]

    def mark(row: int, col: int, found: list[Problem]):
        severity = (
            Severity.ERROR if any(p.severity == Severity.ERROR for p in found) else Severity.WARNING
        )
        if comments[0] < COMMENTS:
            comments[0] += 1
            text = "\n".join(f"[{p.code}] {p.message}" for p in found)[:COMMENT_CHARS]
            ws.write_comment(row - 1, col, text, {"x_scale": 2, "y_scale": 2})
        return formats[severity]

    header_row = max(sheet.header_row, 1)
    for col, text in enumerate(sheet.header):
        found = marks.get((header_row, col))
        ws.write_string(
            header_row - 1,
            col,
            text or "",
            mark(header_row, col, found) if found else formats["bold"],
        )
        ws.set_column(col, col, 16)
    ws.freeze_panes(header_row, 0)
    columns = [data_column(i) for i in range(len(sheet.header))]
    if not columns:
        return
    written = 0
    source = pq.ParquetFile(sheet.data_path)
    for batch in source.iter_batches(batch_size=BATCH_ROWS, columns=[*columns, ROW_COLUMN]):
        take = min(batch.num_rows, DATA_ROWS - written)
        if take <= 0:
            break
        values = [batch.column(i).slice(0, take).to_pylist() for i in range(len(columns))]
        rows = batch.column(len(columns)).slice(0, take).to_pylist()
        for offset, row in enumerate(rows):
            if row <= header_row:  # never overwrite the header row
                continue
            row_problems = whole_rows.get(row, [])
            for col, cells in enumerate(values):
                value = cells[offset]
                found = marks.get((row, col), []) + (row_problems if col == 0 else [])
                if found:
                    ws.write_string(row - 1, col, value or "", mark(row, col, found))
                elif value is not None:
                    write_text_cell(ws, row - 1, col, value, formats["quoted"])
        written += take
