"""Spreadsheet-safe cells for every CSV and XLSX the portal writes (formula injection).

A cell whose text starts with = + - @ (or a tab or carriage return, which some programs
skip before looking for those) is run as a formula when a CSV is opened in Excel or
LibreOffice: `=HYPERLINK("http://…")` or `@SUM(…)` in an uploaded cell would act in the
reader's spreadsheet. So:

- CSV: such a text cell gets a leading apostrophe (`neutralise_formula`,
  `neutralise_arrow` for Arrow columns). Numbers are written as numbers: -5 is a value,
  not a formula, and is never touched.
- XLSX: text cells are always typed strings (never `<f>` formulas; XlsxWriter with
  `XLSXWRITER_OPTIONS`), and a text cell that starts like a formula also gets Excel's
  "quote prefix" style (`quote_prefix` in XlsxWriter, quotePrefix="1" in our own writer):
  the value stays exactly what was uploaded and Excel keeps it text even when the cell is
  edited. `writes_as_text` tells which cells need it.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_START_PATTERN = r"^[=+\-@\t\r]"
# XlsxWriter turns "=…" strings into formulas and "http…" into links unless told not to.
XLSXWRITER_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


def starts_like_formula(value) -> bool:
    """Whether `value` is text a spreadsheet would take as a formula."""
    return isinstance(value, str) and value[:1] in FORMULA_STARTS


def neutralise_formula(value):
    """A CSV cell a spreadsheet will not run: "'" before formula starts; non-text unchanged."""
    return "'" + value if starts_like_formula(value) else value


def neutralise_row(values) -> list:
    return [neutralise_formula(v) for v in values]


def neutralise_arrow(array):
    """`neutralise_formula` over an Arrow string column, in two vectorised kernels."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return array
    risky = pc.match_substring_regex(array, FORMULA_START_PATTERN)
    if not pc.any(risky).as_py():
        return array
    return pc.if_else(risky, pc.utf8_replace_slice(array, 0, 0, "'"), array)


def write_text_cell(sheet, row: int, col: int, value, quoted_format, cell_format=None):
    """Write one XlsxWriter cell: text as a string (quote-prefixed when it starts like a
    formula), anything else with XlsxWriter's typed `write`."""
    if isinstance(value, str):
        if starts_like_formula(value):
            return sheet.write_string(row, col, value, quoted_format)
        return sheet.write_string(row, col, value, cell_format)
    return sheet.write(row, col, value, cell_format)
