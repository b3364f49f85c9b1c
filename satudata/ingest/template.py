"""Templates a Produsen fills in: an XLSX with dropdowns and a guide, or a CSV header row.

The XLSX "Data" sheet has the header row (bold, frozen), dropdowns for enum and region-code
columns (lists kept on a hidden "Kode" sheet), whole-number, decimal and date checks where
the schema types them, and region-code columns formatted as Text so that Excel keeps 53.10
as 53.10. The "Petunjuk" sheet explains each column and the rules of a clean upload.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import xlsxwriter
from django.utils.translation import gettext as _

from .convert import BOM, safe_text
from .problems import column_letter
from .schema import boolean_values, parse_value

EXCEL_LAST_ROW = 1_048_575  # 0-based
NUMBER_LIMIT = 999_999_999_999_999


def type_labels() -> dict[str, str]:
    return {
        "string": _("Teks"),
        "integer": _("Bilangan bulat"),
        "number": _("Bilangan desimal (titik sebagai desimal)"),
        "boolean": _("Ya/tidak"),
        "date": _("Tanggal (TTTT-BB-HH)"),
        "year": _("Tahun (4 angka)"),
        "yearmonth": _("Bulan (TTTT-BB)"),
    }


def template_csv(schema: dict) -> bytes:
    """The header row only, UTF-8 with a BOM."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(
        [safe_text(f.get("name", "")) for f in schema.get("fields", [])]
    )
    return BOM + out.getvalue().encode("utf-8")


def template_xlsx(
    schema: dict, path: Path | str, *, code_lists: dict[str, list[tuple[str, str]]]
) -> None:
    fields = schema.get("fields", [])
    book = xlsxwriter.Workbook(
        str(path),
        {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
    )
    try:
        data = book.add_worksheet("Data")
        guide = book.add_worksheet("Petunjuk")
        codes = book.add_worksheet("Kode")
        codes.hide()
        data.activate()
        formats = {
            "header": book.add_format(
                {
                    "bold": True,
                    "bg_color": "#DDEBF7",
                    "border": 1,
                    "text_wrap": True,
                    "valign": "top",
                }
            ),
            "text": book.add_format({"num_format": "@"}),
            "date": book.add_format({"num_format": "yyyy-mm-dd"}),
            "title": book.add_format({"bold": True, "font_size": 14}),
            "bold": book.add_format({"bold": True}),
            "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        }
        lists = _CodeSheet(codes)
        for col, field in enumerate(fields):
            _data_column(data, col, field, formats, lists, code_lists)
        data.freeze_panes(1, 0)
        _guide(guide, fields, formats, code_lists)
    finally:
        book.close()


class _CodeSheet:
    """Lists for dropdowns, one column each on the hidden Kode sheet."""

    def __init__(self, sheet):
        self.sheet = sheet
        self.next = 0

    def add(self, title: str, values: list[str], labels: list[str] | None = None) -> str:
        col = self.next
        self.next += 2 if labels else 1
        self.sheet.write_string(0, col, title[:255])
        for row, value in enumerate(values, start=1):
            self.sheet.write_string(row, col, value)
            if labels:
                self.sheet.write_string(row, col + 1, labels[row - 1])
        letter = column_letter(col)
        return f"=Kode!${letter}$2:${letter}${len(values) + 1}"


def _region_codes(field: dict, code_lists) -> list[tuple[str, str]]:
    if (
        field.get("satudata:code_system", "kemendagri") != "kemendagri"
        or field.get("satudata:level", 2) != 2
    ):
        return list(code_lists.get(field.get("name"), []))
    return list(code_lists.get(field.get("name")) or code_lists.get("region_code") or [])


def _data_column(ws, col, field, formats, lists: _CodeSheet, code_lists) -> None:
    name, kind = field.get("name", ""), field.get("type", "string")
    constraints = field.get("constraints") or {}
    is_code = field.get("satudata:role") == "region_code"
    cell_format = formats["text"] if is_code or kind in ("string", "yearmonth") else None
    if kind == "date":
        cell_format = formats["date"]
    ws.set_column(col, col, max(12, min(40, len(name) + 4)), cell_format)
    ws.write_string(0, col, name, formats["header"])
    prompt = {
        "input_title": name[:32],
        "input_message": _describe(field)[:255],
        "error_title": _("Isian tidak sesuai")[:32],
    }
    validation = None
    region_codes = _region_codes(field, code_lists) if is_code else []
    if region_codes:
        source = lists.add(name, [c for c, _n in region_codes], [n for _c, n in region_codes])
        validation = {"validate": "list", "source": source}
        prompt["error_message"] = _(
            "Pilih kode wilayah dari daftar (lihat lembar Petunjuk untuk nama wilayahnya)."
        )
    elif constraints.get("enum") and kind != "boolean":
        source = lists.add(name, [str(v) for v in constraints["enum"]])
        validation = {"validate": "list", "source": source}
        prompt["error_message"] = _("Pilih salah satu nilai dari daftar.")
    elif kind == "boolean":
        trues, falses = boolean_values(field)
        validation = {"validate": "list", "source": lists.add(name, [trues[0], falses[0]])}
        prompt["error_message"] = _("Pilih %(yes)s atau %(no)s.") % {
            "yes": trues[0],
            "no": falses[0],
        }
    elif kind in ("integer", "year", "number"):
        low = parse_value(kind, constraints["minimum"]) if "minimum" in constraints else None
        high = parse_value(kind, constraints["maximum"]) if "maximum" in constraints else None
        if kind == "year":
            low, high = low if low is not None else 1900, high if high is not None else 2100
        low, high = (int(v) if isinstance(v, float) and v.is_integer() else v for v in (low, high))
        validation = {
            "validate": "decimal" if kind == "number" else "integer",
            "criteria": "between",
            "minimum": low if low is not None else -NUMBER_LIMIT,
            "maximum": high if high is not None else NUMBER_LIMIT,
        }
        prompt["error_message"] = (
            _("Isi dengan angka (titik sebagai desimal, tanpa pemisah ribuan).")
            if kind == "number"
            else _("Isi dengan bilangan bulat, tanpa titik atau koma.")
        )
    elif kind == "date":
        low = parse_value("date", constraints["minimum"]) if "minimum" in constraints else None
        high = parse_value("date", constraints["maximum"]) if "maximum" in constraints else None
        validation = {
            "validate": "date",
            "criteria": "between",
            "minimum": _datetime(low or dt.date(1901, 1, 1)),
            "maximum": _datetime(high or dt.date(2100, 12, 31)),
        }
        prompt["error_message"] = _("Isi dengan tanggal yang sah, misalnya 2024-03-31.")
    if validation is not None:
        validation.update(prompt)
        validation["error_message"] = validation["error_message"][:255]
        ws.data_validation(1, col, EXCEL_LAST_ROW, col, validation)


def _datetime(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day)


def _allowed(field: dict) -> str:
    constraints = field.get("constraints") or {}
    kind = field.get("type", "string")
    parts = []
    if field.get("satudata:role") == "region_code":
        system = "BPS" if field.get("satudata:code_system") == "bps" else "Kemendagri"
        parts.append(
            _("kode wilayah %(system)s, ditulis sebagai teks (misalnya 53.10)") % {"system": system}
        )
    if constraints.get("enum"):
        parts.append(
            _("salah satu dari: %(values)s")
            % {"values": ", ".join(str(v) for v in constraints["enum"])}
        )
    if kind == "boolean":
        trues, falses = boolean_values(field)
        parts.append(f"{trues[0]} / {falses[0]}")
    if "minimum" in constraints:
        parts.append(_("paling kecil %(value)s") % {"value": constraints["minimum"]})
    if "maximum" in constraints:
        parts.append(_("paling besar %(value)s") % {"value": constraints["maximum"]})
    if constraints.get("pattern") and field.get("satudata:role") != "region_code":
        parts.append(_("sesuai pola %(pattern)s") % {"pattern": constraints["pattern"]})
    period = field.get("satudata:period")
    examples = {"tahun": "2024", "semester": "2024-S1", "triwulan": "2024-Q1", "bulan": "2024-03"}
    if period in examples:
        parts.append(
            _("periode %(kind)s, misalnya %(example)s")
            % {"kind": period, "example": examples[period]}
        )
    return "; ".join(parts)


def _describe(field: dict) -> str:
    parts = [type_labels().get(field.get("type", "string"), field.get("type", ""))]
    if (field.get("constraints") or {}).get("required"):
        parts.append(_("wajib diisi"))
    if field.get("unit"):
        parts.append(_("satuan: %(unit)s") % {"unit": field["unit"]})
    if field.get("definition"):
        parts.append(field["definition"])
    return ". ".join(parts)


def _guide(ws, fields, formats, code_lists) -> None:
    ws.set_column(0, 0, 28, formats["wrap"])
    ws.set_column(1, 1, 24, formats["wrap"])
    ws.set_column(2, 2, 10, formats["wrap"])
    ws.set_column(3, 3, 50, formats["wrap"])
    ws.set_column(4, 4, 50, formats["wrap"])
    ws.set_column(5, 5, 16, formats["wrap"])
    ws.write_string(0, 0, _("Petunjuk pengisian"), formats["title"])
    rules = [
        _(
            "Isi data di lembar Data, mulai baris 2. Baris 1 adalah judul kolom: jangan diubah, dihapus atau ditambah."
        ),
        _("Hanya satu baris judul. Jangan menggabungkan sel (merge cells)."),
        _("Jangan menulis catatan, sumber atau total di bawah tabel; tulis di metadata dataset."),
        _(
            "Jangan memuat data pribadi: NIK, nomor KK, NPWP, nomor telepon, e-mail, alamat rumah atau nama orang."
        ),
        _(
            "Angka ditulis tanpa pemisah ribuan dan tanpa satuan (12500, bukan 12.500 atau Rp 12.500); desimal memakai titik."
        ),
        _("Kode wilayah ditulis sebagai teks dengan titik (53.10), jangan sebagai angka."),
        _("Sel kosong atau tanda - berarti data tidak tersedia."),
    ]
    for row, rule in enumerate(rules, start=2):
        ws.write_string(row, 0, f"{row - 1}. {rule}")
    start = len(rules) + 4
    headings = [
        _("nama kolom"),
        _("tipe"),
        _("wajib?"),
        _("nilai yang diperbolehkan"),
        _("definisi"),
        _("satuan"),
    ]
    for col, heading in enumerate(headings):
        ws.write_string(start, col, heading, formats["bold"])
    labels = type_labels()
    for row, field in enumerate(fields, start=start + 1):
        ws.write_string(row, 0, field.get("name", ""))
        ws.write_string(row, 1, labels.get(field.get("type", "string"), str(field.get("type", ""))))
        ws.write_string(
            row, 2, _("ya") if (field.get("constraints") or {}).get("required") else _("tidak")
        )
        ws.write_string(row, 3, _allowed(field))
        ws.write_string(row, 4, field.get("definition", "") or "")
        ws.write_string(row, 5, field.get("unit", "") or "")
    region_lists = [
        f
        for f in fields
        if f.get("satudata:role") == "region_code" and _region_codes(f, code_lists)
    ]
    if region_lists:
        row = start + len(fields) + 3
        ws.write_string(row, 0, _("Daftar kode wilayah"), formats["bold"])
        for offset, (code, name) in enumerate(_region_codes(region_lists[0], code_lists), start=1):
            ws.write_string(row + offset, 0, code)
            ws.write_string(row + offset, 1, name)
