"""A table as an XLSX workbook, written column-wise with Arrow: the download of a version.

XlsxWriter (which the report and the template still use for their formatting and drop-downs)
makes one Python call per cell: 8 million cells of a million-row table took over two minutes.
This writer builds the same SpreadsheetML a batch at a time with Arrow string kernels instead
(every cell of a column in one call) and streams it into the ZIP, in bounded memory.

What it writes is deliberately small: one "Data" sheet with a bold, frozen header row, then
typed cells — numbers and booleans as values, dates as date serials with a date format, text
as inline strings with the text format — never a formula (text that starts with = + - @ also
gets Excel's quote prefix, so it stays text when a reader edits the cell: see
satudata.lib.spreadsheet); and, when the table is longer than
Excel allows, a second sheet "Catatan" with one note. Text is escaped for XML; characters
XML cannot carry (control characters, and a carriage return, which XML parsers turn into a
line feed) are written as Excel's own _xHHHH_ escapes, and text that already looks like such
an escape has its underscore escaped (_x005F_), as Excel does.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from satudata.lib.spreadsheet import FORMULA_START_PATTERN, starts_like_formula

EXCEL_MAX_TEXT = 32_767
EXACT_IN_EXCEL = 2**53  # integers beyond this lose digits as Excel numbers
EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 0; right from 1900-03-01 on (Excel's 1900 leap day)
FIRST_SERIAL_DATE = dt.date(1900, 3, 1)
DAYS_TO_SERIAL = (dt.date(1970, 1, 1) - EXCEL_EPOCH).days
STYLE_BOLD, STYLE_TEXT, STYLE_DATE, STYLE_QUOTED, STYLE_BOLD_QUOTED = 1, 2, 3, 4, 5
_ESCAPE_LOOKALIKE = r"_(x[0-9A-Fa-f]{4}_)"
_UNSAFE = r"[\x00-\x08\x0b-\x1f]"
_UNSAFE_CHARS = [chr(c) for c in range(0x20) if c not in (0x09, 0x0A)]

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "{sheets}</Types>"
)
SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    "<sheets>{sheets}</sheets></workbook>"
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    "{sheets}"
    '<Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    "</Relationships>"
)
STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="6"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    # text that starts like a formula (= + - @): Excel's quote prefix keeps it text when edited
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" '
    'quotePrefix="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" quotePrefix="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
)
FROZEN_HEADER = (
    '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
    'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/></sheetView></sheetViews>'
)


def column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def excel_text(values: pa.Array) -> pa.Array:
    """Text as an inline string's XML content: cut to Excel's cell limit, escaped."""
    values = pc.utf8_slice_codeunits(values, 0, EXCEL_MAX_TEXT)
    values = pc.replace_substring_regex(values, _ESCAPE_LOOKALIKE, r"_x005F_\1")
    values = pc.replace_substring(values, "&", "&amp;")
    values = pc.replace_substring(values, "<", "&lt;")
    values = pc.replace_substring(values, ">", "&gt;")
    if pc.any(pc.match_substring_regex(values, _UNSAFE)).as_py():
        for char in _UNSAFE_CHARS:
            values = pc.replace_substring(values, char, f"_x{ord(char):04X}_")
    return values


def text_xml(text: str) -> str:
    """One text cell's XML content, the same way as excel_text (for header and note cells)."""
    return excel_text(pa.array([text], pa.string()))[0].as_py()


class Column:
    """How one Arrow column becomes cells: (type attribute, style, value XML) per value."""

    def __init__(self, index: int, arrow_type: pa.DataType, is_code: bool):
        self.letter = column_letters(index)
        self.type = arrow_type
        self.is_text = is_code or not (
            pa.types.is_integer(arrow_type)
            or pa.types.is_floating(arrow_type)
            or pa.types.is_boolean(arrow_type)
            or pa.types.is_date(arrow_type)
        )
        self.style = STYLE_DATE if pa.types.is_date(arrow_type) else (
            STYLE_TEXT if self.is_text else 0
        )  # fmt: skip
        self.width = 10 if is_code else 14

    def cells(self, values: pa.Array, rows: pa.Array) -> pa.Array:
        """Each value's <c> element (an empty string for an empty cell)."""
        ref = pc.binary_join_element_wise(f'<c r="{self.letter}', rows, "")
        if self.is_text:
            return self._inline(ref, pc.cast(values, pa.string()))
        if pa.types.is_boolean(self.type):
            return self._value(ref, ' t="b"', pc.if_else(values, "1", "0"))
        if pa.types.is_floating(self.type):
            values = pc.if_else(pc.is_finite(values), values, None)
            return self._value(ref, "", pc.cast(values, pa.string()))
        if pa.types.is_integer(self.type):
            values = pc.cast(values, pa.int64())
            exact = pc.and_(pc.greater(values, -EXACT_IN_EXCEL), pc.less(values, EXACT_IN_EXCEL))
            numbers = self._value(ref, "", pc.cast(pc.if_else(exact, values, None), pa.string()))
            texts = self._inline(ref, pc.cast(pc.if_else(exact, None, values), pa.string()))
            return pc.binary_join_element_wise(numbers, texts, "")
        # dates: serial numbers from 1900-03-01 on; earlier dates (Excel has none) as ISO text
        days = pc.cast(pc.cast(values, pa.date32()), pa.int32())
        serial = pc.add(days, DAYS_TO_SERIAL)
        valid = pc.greater_equal(values, pa.scalar(FIRST_SERIAL_DATE, pa.date32()))
        dates = self._value(
            ref, f' s="{STYLE_DATE}"', pc.cast(pc.if_else(valid, serial, None), pa.string())
        )
        early = pc.cast(pc.if_else(valid, None, values), pa.string())
        return pc.binary_join_element_wise(dates, self._inline(ref, early), "")

    @staticmethod
    def _value(ref, attributes: str, text: pa.Array) -> pa.Array:
        cell = pc.binary_join_element_wise(ref, f'"{attributes}><v>', text, "</v></c>", "")
        return pc.fill_null(cell, "")

    @staticmethod
    def _inline(ref, text: pa.Array) -> pa.Array:
        style = pc.if_else(
            pc.match_substring_regex(text, FORMULA_START_PATTERN),
            f'" t="inlineStr" s="{STYLE_QUOTED}"><is><t xml:space="preserve">',
            f'" t="inlineStr" s="{STYLE_TEXT}"><is><t xml:space="preserve">',
        )
        cell = pc.binary_join_element_wise(
            ref,
            style,
            excel_text(text),
            "</t></is></c>",
            "",
        )
        return pc.fill_null(cell, "")


def write_workbook(
    path: Path,
    names: list[str],
    columns: list[Column],
    batches: Iterable[pa.RecordBatch],
    note: str | None = None,
) -> None:
    """Write the workbook: header `names`, the rows of `batches` (already cut to Excel's
    limit) in the "Data" sheet, and `note` in a "Catatan" sheet when given."""
    sheets = ["Data"] + (["Catatan"] if note is not None else [])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        book.writestr(
            "[Content_Types].xml",
            CONTENT_TYPES.format(
                sheets="".join(SHEET_TYPE.format(n=n) for n in range(1, len(sheets) + 1))
            ),
        )
        book.writestr("_rels/.rels", ROOT_RELS)
        book.writestr(
            "xl/workbook.xml",
            WORKBOOK.format(
                sheets="".join(
                    f'<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>'
                    for n, name in enumerate(sheets, 1)
                )
            ),
        )
        book.writestr(
            "xl/_rels/workbook.xml.rels",
            WORKBOOK_RELS.format(
                sheets="".join(
                    f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/'
                    f'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>'
                    for n in range(1, len(sheets) + 1)
                )
            ),
        )
        book.writestr("xl/styles.xml", STYLES)
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(_data_start(names, columns).encode("utf-8"))
            row = 1
            for batch in batches:
                if not batch.num_rows:
                    continue
                numbers = pc.cast(pa.array(range(row + 1, row + 1 + batch.num_rows)), pa.string())
                cells = [c.cells(batch.column(i), numbers) for i, c in enumerate(columns)]
                lines = pc.binary_join_element_wise(
                    pc.binary_join_element_wise('<row r="', numbers, '">', ""),
                    *cells,
                    "</row>",
                    "",
                )
                sheet.write("".join(lines.to_pylist()).encode("utf-8"))
                row += batch.num_rows
            sheet.write(b"</sheetData></worksheet>")
        if note is not None:
            book.writestr(
                "xl/worksheets/sheet2.xml",
                SHEET_START
                + '<cols><col min="1" max="1" width="100" customWidth="1"/></cols><sheetData>'
                + '<row r="1"><c r="A1" t="inlineStr"><is><t xml:space="preserve">'
                + text_xml(note)
                + "</t></is></c></row></sheetData></worksheet>",
            )


def _data_start(names: list[str], columns: list[Column]) -> str:
    widths = "".join(
        f'<col min="{i}" max="{i}" width="{c.width}" customWidth="1"'
        + (f' style="{c.style}"' if c.style else "")
        + "/>"
        for i, c in enumerate(columns, 1)
    )
    header = "".join(
        f'<c r="{c.letter}1" t="inlineStr" '
        f's="{STYLE_BOLD_QUOTED if starts_like_formula(name) else STYLE_BOLD}">'
        '<is><t xml:space="preserve">'
        f"{text_xml(name)}</t></is></c>"
        for name, c in zip(names, columns, strict=True)
    )
    return (
        SHEET_START
        + FROZEN_HEADER
        + (f"<cols>{widths}</cols>" if columns else "")
        + f'<sheetData><row r="1">{header}</row>'
    )
