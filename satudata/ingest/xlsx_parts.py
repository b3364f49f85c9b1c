"""Personal-data guard over the parts of an XLSX that a table read does not show.

Councils have published personal data that sat in pivot caches and named ranges of a
spreadsheet whose visible sheets were clean (security.md §1 row 24). So besides the
sheets (scanned by ``pii.scan_sheet``, hidden ones included) this looks inside:

* cell comments and threaded comments (and the e-mail addresses of their authors),
* defined names (constants and cached values in ``xl/workbook.xml``),
* pivot caches (definition shared items and records: a copy of the source data that
  stays in the file after the source sheet is deleted),
* document properties (core, app, custom),
* external link caches, chart caches and text boxes,
* hidden and very hidden sheets, hidden rows and columns (``pii.hidden_content``, a
  warning so that the Walidata knows to look).

A part is flagged when its text values hold at least 3 identifiers of a kind (for 16-, 15-
and 18-digit identifiers and phones: also most of the digit runs of that length, so that a
cache full of random document numbers is not flagged), or one identifier with a keyword
just before it ("NIK: …", "HP …"); in document properties one e-mail or phone number is
enough. Pivot-cache fields are also judged as columns, with their names as headers.

The zip is read with a byte cap per part and the XML through defusedxml with DTDs and
entities forbidden. A file that is not a zip gives [] (the reader reports that); a part
that cannot be read or is cut at the cap gives a ``pii.unscanned`` warning.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError  # nosec B405  # only the Element type and ParseError; parsing goes through defusedxml

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from . import pii
from .pii import _
from .problems import Problem, Severity, column_letter

PART_CAP = 64 * 1024 * 1024  # bytes of XML parsed per part
SHEET_CAP = 256 * 1024 * 1024  # bytes of a worksheet scanned for hidden rows/columns
FIELD_VALUES = 20_000  # values kept per pivot-cache field (the column decision)
BAG_VALUES = 5_000  # values per field searched one by one for scattered identifiers
MIN_HITS = 3  # identifiers a part must hold, without a keyword next to them
EXAMPLES = 3

READ_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    RuntimeError,  # encrypted member
    NotImplementedError,  # compression method
    OSError,
    EOFError,
    zlib.error,
    ValueError,
    KeyError,
)

_KEYWORDS = {
    pii.NIK: re.compile(r"\b(?:nik|ktp|e-ktp|kependudukan|kk|kartu keluarga)\b"),
    pii.NPWP: re.compile(r"\bnpwp\b"),
    pii.NIP: re.compile(r"\bnip\b"),
    pii.PHONE: re.compile(r"\b(?:hp|telp|tlp|telepon|telpon|wa|whatsapp|ponsel|kontak|phone)\b"),
    pii.EMAIL: re.compile(r"\b(?:e-?mail|surel)\b"),
}
_LENGTHS = {pii.NIK: (16, 16), pii.NIP: (18, 18), pii.NPWP: (15, 15), pii.PHONE: (10, 14)}

_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


# --- reading parts ----------------------------------------------------------------------------


class _Capped(io.RawIOBase):
    """A read-only stream that ends after ``cap`` bytes and remembers whether it cut."""

    def __init__(self, raw, cap: int):
        self.raw = raw
        self.left = cap
        self.cut = False

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            if not self.cut and self.raw.read(1):
                self.cut = True
            return b""
        size = self.left if size is None or size < 0 else min(size, self.left)
        data = self.raw.read(size)
        self.left -= len(data)
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class _Enough(Exception):
    """Raised by an element handler when it has read what it needs from a part."""


@dataclass
class _Scan:
    zf: zipfile.ZipFile
    names: set[str]
    problems: list[Problem] = field(default_factory=list)
    unscanned: list[tuple[str, str]] = field(default_factory=list)  # (part, why)

    def parse(self, name: str, on_end: Callable[[Element], bool | None]):
        """Streams the part, calling ``on_end`` for each closed element (True: clear it)."""
        try:
            with self.zf.open(name) as raw:
                capped = _Capped(raw, PART_CAP)
                try:
                    for _event, elem in iterparse(capped, events=("end",), forbid_dtd=True):
                        if on_end(elem):
                            elem.clear()
                except _Enough:
                    return
                except ParseError:
                    if not capped.cut:
                        self.unscanned.append((name, "rusak"))
                if capped.cut:
                    self.unscanned.append((name, "terpotong"))
        except DefusedXmlException:
            self.unscanned.append((name, "ditolak"))
        except READ_ERRORS:
            self.unscanned.append((name, "rusak"))

    def read_small(self, name: str) -> list[Element]:
        """All elements of a small part (workbook, rels, docProps), in document order."""
        out: list[Element] = []
        if name in self.names:
            self.parse(name, lambda e: out.append(e) and False)
        return out


def _resolve(base_dir: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(base_dir, target))


def _rels(scan: _Scan, part: str) -> dict[str, tuple[str, str]]:
    """rId -> (type suffix, resolved target) for a part."""
    folder, name = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", name + ".rels")
    out = {}
    for elem in scan.read_small(rels_name):
        if _local(elem.tag) == "Relationship" and elem.get("TargetMode") != "External":
            rel_type = (elem.get("Type") or "").rsplit("/", 1)[-1]
            out[elem.get("Id") or ""] = (rel_type, _resolve(folder, elem.get("Target") or ""))
    return out


# --- identifier bags ------------------------------------------------------------------------


@dataclass
class _Hit:
    raw: str
    where: str  # cell, name or property
    keyword: bool


@dataclass
class _Bag:
    """Identifiers found in the text values of one part (or one group of parts)."""

    hits: dict[str, list[_Hit]] = field(default_factory=dict)
    runs: Counter = field(default_factory=Counter)  # digit runs by length

    def add(self, text: str, where: str = "") -> None:
        if not text:
            return
        text = _normalise_number(text)
        for match in pii.DIGIT_RUN.finditer(text):
            self.runs[sum(ch.isdigit() for ch in match.group(0))] += 1
        lowered = None
        for kind, raw, start in pii.identifiers_in(text):
            if lowered is None:
                lowered = text.lower()
            keyword = bool(_KEYWORDS[kind].search(lowered[max(0, start - 40) : start]))
            self.hits.setdefault(kind, []).append(_Hit(raw, where, keyword))

    def findings(self, min_hits: dict[str, int] | None = None) -> list[tuple[str, list[_Hit]]]:
        """Kinds flagged: a keyword next to one, or enough hits forming most runs of their length."""
        out = []
        for kind in (pii.NIK, pii.NPWP, pii.NIP, pii.PHONE, pii.EMAIL):
            hits = self.hits.get(kind, [])
            if not hits:
                continue
            needed = (min_hits or {}).get(kind, MIN_HITS)
            if any(h.keyword for h in hits):
                out.append((kind, hits))
                continue
            if len(hits) < needed:
                continue
            if kind in _LENGTHS:
                low, high = _LENGTHS[kind]
                runs = sum(n for length, n in self.runs.items() if low <= length <= high)
                if runs and len(hits) / runs < 0.5:
                    continue
            out.append((kind, hits))
        return out


_FLOATING = re.compile(r"^[+-]?\d+(?:\.\d+)?[eE][+-]?\d+$|^\d+\.0+$")


def _normalise_number(text: str) -> str:
    """``5.371014501900001E15`` and ``5371014501900001.0`` (numbers in XML) as digits."""
    text = text.strip()
    if _FLOATING.match(text):
        try:
            value = Decimal(text)
        except InvalidOperation:
            return text
        if value == value.to_integral_value() and abs(value) < Decimal(10) ** 20:
            return str(int(value))
    return text


def _labels() -> dict[str, str]:
    return {
        pii.NIK: _("NIK atau No. KK"),
        pii.NPWP: _("NPWP"),
        pii.NIP: _("NIP (nomor induk pegawai)"),
        pii.PHONE: _("nomor HP"),
        pii.EMAIL: _("alamat e-mail"),
    }


def _bag_problem(
    kind: str,
    hits: list[_Hit],
    *,
    place: str,
    sheet: str,
    column: str,
    hint: str,
    part: str,
    note: str = "",
) -> Problem:
    label = _labels()[kind]
    message = _("%(place)s memuat %(label)s: %(count)s nilai yang sah.") % {
        "place": place,
        "label": label,
        "count": len(hits),
    }
    if note:
        message = f"{message} {note}"
    wheres = sorted({h.where for h in hits if h.where})
    return Problem(
        code=pii.CODES[kind],
        severity=Severity.ERROR,
        message=message,
        hint=hint,
        sheet=sheet,
        column=column,
        count=len(hits),
        extra={
            "examples_masked": [pii.mask(h.raw) for h in hits[:EXAMPLES]],
            "reason": "header" if any(h.keyword for h in hits) else "values",
            "part": part,
            "places": wheres[:20],
        },
    )


# --- workbook, sheets, hidden content -------------------------------------------------------


@dataclass
class _Sheet:
    name: str
    state: str  # visible | hidden | veryHidden
    part: str


def _workbook(scan: _Scan) -> tuple[list[_Sheet], list[tuple[str, str]]]:
    """Sheets (name, state, part) and defined names (name, text) from xl/workbook.xml."""
    workbook = "xl/workbook.xml"
    if workbook not in scan.names:
        # The main part is named in the package rels; look there before giving up.
        for _type, target in _rels(scan, "").values():
            if target.endswith(".xml") and "workbook" in target.lower():
                workbook = target
    rels = _rels(scan, workbook)
    sheets, names = [], []
    for elem in scan.read_small(workbook):
        tag = _local(elem.tag)
        if tag == "sheet":
            rid = elem.get(f"{{{_REL_NS}}}id") or ""
            part = rels.get(rid, ("", ""))[1]
            sheets.append(_Sheet(elem.get("name") or "", elem.get("state") or "visible", part))
        elif tag == "definedName":
            names.append((elem.get("name") or "", elem.text or ""))
    return sheets, names


_ROW_TAG = re.compile(rb"<(?:\w+:)?row\b[^>]*>")
_COL_TAG = re.compile(rb"<(?:\w+:)?col\b[^>]*>")
_FORMAT_TAG = re.compile(rb"<(?:\w+:)?sheetFormatPr\b[^>]*>")
_HIDDEN_ATTR = re.compile(rb"""\bhidden\s*=\s*["'](?:1|true)["']""")
_ZERO_HEIGHT = re.compile(rb"""\bzeroHeight\s*=\s*["'](?:1|true)["']""")
_R_ATTR = re.compile(rb"""\br\s*=\s*["'](\d+)["']""")
_MIN_MAX = re.compile(rb"""\b(min|max)\s*=\s*["'](\d+)["']""")


@dataclass
class _Hidden:
    rows: list[int] = field(default_factory=list)  # hidden rows that hold cells
    row_count: int = 0
    columns: list[int] = field(default_factory=list)  # 1-based
    rows_by_default: bool = False
    cut: bool = False


def _hidden_in_sheet(scan: _Scan, part: str) -> _Hidden:
    """Hidden rows (with cells) and columns, by a regex over the raw XML: no parsing, no
    entity expansion, fast enough for a million rows."""
    found = _Hidden()

    def look(data: bytes) -> None:
        if b"hidden" not in data and b"zeroHeight" not in data:
            return  # the usual case: a plain find is much faster than the tag regexes
        for match in _ROW_TAG.finditer(data):
            tag = match.group(0)
            if _HIDDEN_ATTR.search(tag) and not tag.endswith(b"/>"):
                found.row_count += 1
                if len(found.rows) < 50:
                    r = _R_ATTR.search(tag)
                    found.rows.append(int(r.group(1)) if r else 0)
        for match in _COL_TAG.finditer(data):
            tag = match.group(0)
            if _HIDDEN_ATTR.search(tag):
                bounds = dict(_MIN_MAX.findall(tag))
                low, high = int(bounds.get(b"min", 0)), int(bounds.get(b"max", 0))
                for c in range(low, min(high, low + 100) + 1):
                    if c and len(found.columns) < 100:
                        found.columns.append(c)
        for match in _FORMAT_TAG.finditer(data):
            if _ZERO_HEIGHT.search(match.group(0)):
                found.rows_by_default = True

    try:
        with scan.zf.open(part) as raw:
            capped = _Capped(raw, SHEET_CAP)
            carry = b""
            while chunk := capped.read(1 << 20):
                data = carry + chunk
                cut = data.rfind(b"<")
                if cut == -1 or len(data) - cut > 65536:
                    look(data)
                    carry = b""
                else:
                    look(data[:cut])
                    carry = data[cut:]
            look(carry)
            if capped.cut:
                found.cut = True
                scan.unscanned.append((part, "terpotong"))
    except READ_ERRORS:
        scan.unscanned.append((part, "rusak"))
    return found


def _hidden_problems(scan: _Scan, sheets: list[_Sheet]) -> None:
    for sheet in sheets:
        hidden = _hidden_in_sheet(scan, sheet.part) if sheet.part in scan.names else _Hidden()
        parts = []
        if sheet.state == "veryHidden":
            parts.append(
                _(
                    "lembar ini sangat tersembunyi (veryHidden) dan tidak bisa dimunculkan dari "
                    "menu Excel biasa"
                )
            )
        elif sheet.state == "hidden":
            parts.append(_("lembar ini tersembunyi"))
        if hidden.row_count:
            rows = ", ".join(str(r) for r in hidden.rows[:10])
            more = "…" if hidden.row_count > 10 else ""
            parts.append(
                _("%(count)s baris berisi tersembunyi (baris %(rows)s%(more)s)")
                % {"count": hidden.row_count, "rows": rows, "more": more}
            )
        if hidden.rows_by_default:
            parts.append(_("baris tanpa tinggi khusus disembunyikan (zeroHeight)"))
        if hidden.columns:
            letters = ", ".join(column_letter(c - 1) for c in hidden.columns[:10])
            more = "…" if len(hidden.columns) > 10 else ""
            parts.append(
                _("kolom tersembunyi: %(columns)s%(more)s") % {"columns": letters, "more": more}
            )
        if not parts:
            continue
        scan.problems.append(
            Problem(
                code=pii.CODES[pii.HIDDEN_CONTENT],
                severity=Severity.WARNING,
                message=_("Lembar '%(sheet)s' menyimpan isi yang tidak terlihat: %(what)s.")
                % {"sheet": sheet.name, "what": "; ".join(parts)},
                hint=_(
                    "Buka isi yang tersembunyi dan periksa apakah ada data pribadi. Hapus lembar, "
                    "baris atau kolom yang tidak perlu terbit sebelum diajukan."
                ),
                sheet=sheet.name,
                count=max(1, hidden.row_count + len(hidden.columns)),
                extra={
                    "state": sheet.state,
                    "hidden_rows": hidden.rows,
                    "hidden_row_count": hidden.row_count,
                    "hidden_columns": [column_letter(c - 1) for c in hidden.columns],
                    "rows_hidden_by_default": hidden.rows_by_default,
                    "part": sheet.part,
                },
            )
        )


# --- comments -------------------------------------------------------------------------------


def _comment_parts(scan: _Scan, sheets: list[_Sheet]) -> dict[str, str]:
    """comments / threadedComments part -> sheet name."""
    owners = {}
    for sheet in sheets:
        if not sheet.part:
            continue
        for rel_type, target in _rels(scan, sheet.part).values():
            if rel_type in ("comments", "threadedComment"):
                owners[target] = sheet.name
    return owners


def _comments(scan: _Scan, sheets: list[_Sheet]) -> None:
    owners = _comment_parts(scan, sheets)
    parts = sorted(
        n
        for n in scan.names
        if re.fullmatch(r"xl/comments[^/]*\.xml", n)
        or re.fullmatch(r"xl/threadedComments/[^/]+\.xml", n)
    )
    for part in parts:
        bag = _Bag()

        def on_end(elem: Element, bag: _Bag = bag) -> bool:
            tag = _local(elem.tag)
            if tag in ("comment", "threadedComment"):
                bag.add("".join(elem.itertext()), elem.get("ref") or "")
                return True
            return False

        scan.parse(part, on_end)
        sheet = owners.get(part)
        for kind, hits in bag.findings():
            cells = sorted({h.where for h in hits if h.where})
            if sheet is not None:
                name = f"{sheet}!{cells[0]}" if len(cells) == 1 else sheet
                label = _("komentar %(where)s") % {"where": name}
            else:
                label = _("komentar (%(part)s)") % {"part": part}
            scan.problems.append(
                _bag_problem(
                    kind,
                    hits,
                    place=label[:1].upper() + label[1:],
                    sheet=label,
                    column="",
                    part=part,
                    hint=_(
                        "Hapus atau sunting komentar tersebut (Review > Delete), lalu unggah "
                        "ulang. Data pribadi tidak boleh terbit sebagai data terbuka."
                    ),
                )
            )
    # Authors of threaded comments: their e-mail addresses.
    for part in sorted(n for n in scan.names if re.fullmatch(r"xl/persons/[^/]+\.xml", n)):
        bag = _Bag()

        def on_person(elem: Element, bag: _Bag = bag) -> bool:
            if _local(elem.tag) == "person":
                for attr in ("displayName", "userId"):
                    bag.add(elem.get(attr) or "", elem.get("displayName") or "")
                return True
            return False

        scan.parse(part, on_person)
        for kind, hits in bag.findings({pii.EMAIL: 1, pii.PHONE: 1}):
            label = _("penulis komentar")
            scan.problems.append(
                _bag_problem(
                    kind,
                    hits,
                    place=_("Daftar penulis komentar"),
                    sheet=label,
                    column=", ".join(sorted({h.where for h in hits}))[:100],
                    part=part,
                    hint=_(
                        "Hapus komentar berutas (threaded comments) beserta penulisnya, lalu "
                        "unggah ulang."
                    ),
                )
            )


# --- defined names --------------------------------------------------------------------------

_QUOTED = re.compile(r'"((?:[^"]|"")*)"')
_BARE_NUMBER = re.compile(r"(?<![\w$.!:])[+-]?\d[\d.]*(?:[eE][+-]?\d+)?(?![\w$!:])")


def _defined_names(scan: _Scan, names: list[tuple[str, str]]) -> None:
    bag = _Bag()
    for name, text in names:
        for quoted in _QUOTED.findall(text):
            bag.add(quoted.replace('""', '"'), name)
        for number in _BARE_NUMBER.findall(_QUOTED.sub(" ", text)):
            bag.add(number, name)
    for kind, hits in bag.findings():
        used = ", ".join(sorted({h.where for h in hits}))[:100]
        scan.problems.append(
            _bag_problem(
                kind,
                hits,
                place=_("Nama terdefinisi (%(names)s)") % {"names": used},
                sheet=_("nama terdefinisi"),
                column=used,
                part="xl/workbook.xml",
                hint=_(
                    "Hapus nama tersebut lewat Formulas > Name Manager, lalu unggah ulang. "
                    "Data pribadi tidak boleh terbit sebagai data terbuka."
                ),
            )
        )


# --- pivot caches ---------------------------------------------------------------------------


@dataclass
class _PivotField:
    name: str
    shared: list[str | None] = field(default_factory=list)
    values: list[str | None] = field(default_factory=list)


def _item_value(elem: Element) -> str | None:
    if _local(elem.tag) == "m":
        return None
    value = elem.get("v")
    return _normalise_number(value) if value is not None else None


def _pivot_caches(scan: _Scan) -> None:
    definitions = {
        _number(n): n
        for n in scan.names
        if re.fullmatch(r"xl/pivotCache/pivotCacheDefinition[^/]*\.xml", n)
    }
    records = {
        _number(n): n
        for n in scan.names
        if re.fullmatch(r"xl/pivotCache/pivotCacheRecords[^/]*\.xml", n)
    }
    # The definition names its records part; pair by rels first, by number otherwise.
    for number, definition in definitions.items():
        for rel_type, target in _rels(scan, definition).values():
            if rel_type == "pivotCacheRecords" and target in scan.names:
                records[number] = target
    for number in sorted(set(definitions) | set(records), key=lambda n: (len(n), n)):
        fields = _read_pivot(scan, definitions.get(number), records.get(number))
        _pivot_problems(scan, number, fields, definitions.get(number) or records.get(number))


def _read_pivot(scan: _Scan, definition: str | None, records: str | None) -> list[_PivotField]:
    """The fields of a pivot cache with their shared items and (up to FIELD_VALUES) values."""
    fields: list[_PivotField] = []

    def on_definition(elem: Element) -> bool:
        if _local(elem.tag) != "cacheField":
            return False
        f = _PivotField(elem.get("name") or "")
        for child in elem:
            if _local(child.tag) == "sharedItems":
                f.shared = [_item_value(item) for item in child]
        fields.append(f)
        return True

    def on_record(elem: Element) -> bool:
        if _local(elem.tag) != "r":
            return False
        if fields and all(len(f.values) >= FIELD_VALUES for f in fields):
            raise _Enough
        for index, item in enumerate(elem):
            while index >= len(fields):
                fields.append(_PivotField(""))
            f = fields[index]
            if len(f.values) >= FIELD_VALUES:
                continue
            if _local(item.tag) == "x":  # an index into the field's shared items
                try:
                    f.values.append(f.shared[int(item.get("v") or "")])
                except (ValueError, IndexError):
                    f.values.append(None)
            else:
                f.values.append(_item_value(item))
        return True

    if definition:
        scan.parse(definition, on_definition)
    if records:
        scan.parse(records, on_record)
    return fields


def _number(part: str) -> str:
    match = re.search(r"(\d+)\.xml$", part)
    return match.group(1) if match else part


def _pivot_problems(scan: _Scan, number: str, fields: list[_PivotField], part: str) -> None:
    place = _("pivot cache %(number)s") % {"number": number}
    note = _("Pivot cache menyimpan salinan data sumber, juga setelah lembar sumbernya dihapus.")
    hint = _(
        "Hapus pivot table beserta cache-nya, atau buat ulang dari data yang sudah "
        "diagregasikan dan matikan 'Save source data with file'. Data pribadi tidak boleh "
        "terbit sebagai data terbuka."
    )
    found_kinds: set[str] = set()
    bag = _Bag()
    for f in fields:
        values = f.values or f.shared
        if not values:
            continue
        finding = pii.scan_values(f.name, values)
        for value in values[:BAG_VALUES]:
            if value:
                bag.add(value, f.name)
        if finding is None:
            continue
        found_kinds.add(pii.NIK if finding.kind == pii.KK else finding.kind)
        problem = pii.finding_problem(
            finding, sheet=place, column=f.name, column_index=None, extra={"part": part}
        )
        problem.message = f"{place[:1].upper()}{place[1:]}: {problem.message} {note}"
        if finding.severity == Severity.ERROR:
            problem.hint = hint
        scan.problems.append(problem)
    for kind, hits in bag.findings():
        if kind in found_kinds:
            continue
        used = ", ".join(sorted({h.where for h in hits if h.where}))[:100]
        scan.problems.append(
            _bag_problem(
                kind,
                hits,
                place=place[:1].upper() + place[1:],
                sheet=place,
                column=used,
                part=part,
                hint=hint,
                note=note,
            )
        )


# --- document properties --------------------------------------------------------------------

_DOC_PARTS = ("docProps/core.xml", "docProps/app.xml", "docProps/custom.xml")


def _doc_properties(scan: _Scan) -> None:
    bag = _Bag()
    for part in _DOC_PARTS:
        if part not in scan.names:
            continue
        custom = part.endswith("custom.xml")

        def on_end(elem: Element, custom: bool = custom) -> bool:
            tag = _local(elem.tag)
            if custom:  # <property name="…"><vt:lpwstr>…</vt:lpwstr></property>
                if tag == "property":
                    name = elem.get("name") or ""
                    text = " ".join(t.strip() for t in elem.itertext() if t.strip())
                    bag.add(f"{name}: {text}", name)
                    return True
            elif len(elem) == 0 and elem.text and elem.text.strip():
                bag.add(f"{tag}: {elem.text.strip()}", tag)
            return False

        scan.parse(part, on_end)
    for kind, hits in bag.findings({pii.EMAIL: 1, pii.PHONE: 1}):
        used = ", ".join(sorted({h.where for h in hits if h.where}))[:100]
        scan.problems.append(
            _bag_problem(
                kind,
                hits,
                place=_("Properti dokumen (%(names)s)") % {"names": used},
                sheet=_("properti dokumen"),
                column=used,
                part="docProps",
                hint=_(
                    "Hapus isian ini lewat File > Info > Properties (atau Inspect Document), "
                    "lalu unggah ulang."
                ),
            )
        )


# --- external links, charts, drawings ------------------------------------------------------


@dataclass(frozen=True)
class _TextParts:
    pattern: str  # zip member names
    tags: frozenset[str]  # elements whose text is a value
    label: str  # "tautan eksternal %(number)s"
    hint: str


def _text_part_kinds() -> list[_TextParts]:
    return [
        _TextParts(
            r"xl/externalLinks/[^/]+\.xml",
            frozenset(),  # values are read per <cell>, with its reference
            _("tautan eksternal %(number)s"),
            _(
                "Putuskan tautan eksternal (Data > Edit Links > Break Link) agar salinan "
                "datanya tidak ikut tersimpan, lalu unggah ulang."
            ),
        ),
        _TextParts(
            r"xl/charts/chart[^/]*\.xml",
            frozenset({"v", "t"}),
            _("grafik %(number)s"),
            _(
                "Grafik menyimpan salinan data yang digambarnya. Hapus grafik itu atau buat "
                "ulang dari data yang sudah diagregasikan, lalu unggah ulang."
            ),
        ),
        _TextParts(
            r"xl/drawings/drawing[^/]*\.xml",
            frozenset({"t"}),
            _("kotak teks atau gambar %(number)s"),
            _("Hapus atau sunting kotak teks tersebut, lalu unggah ulang."),
        ),
    ]


def _text_parts(scan: _Scan) -> None:
    """Values and text kept in external link caches, chart caches and text boxes."""
    for kind_of_part in _text_part_kinds():
        parts = sorted(
            (n for n in scan.names if re.fullmatch(kind_of_part.pattern, n)),
            key=lambda n: (len(n), n),
        )
        for part in parts:
            bag = _Bag()

            def on_end(elem: Element, bag: _Bag = bag, tags=kind_of_part.tags) -> bool:
                tag = _local(elem.tag)
                if tag in tags:
                    bag.add(elem.text or "", "")
                    return True
                if tag == "cell":  # external link cache: <cell r="B2"><v>…</v></cell>
                    for child in elem:
                        if _local(child.tag) == "v":
                            bag.add(child.text or "", elem.get("r") or "")
                    return True
                return False

            scan.parse(part, on_end)
            place = kind_of_part.label % {"number": _number(part)}
            for kind, hits in bag.findings():
                scan.problems.append(
                    _bag_problem(
                        kind,
                        hits,
                        place=place[:1].upper() + place[1:],
                        sheet=place,
                        column="",
                        part=part,
                        hint=kind_of_part.hint,
                    )
                )


# --- entry point ----------------------------------------------------------------------------


def _unscanned_problems(scan: _Scan) -> None:
    reasons = {
        "terpotong": _("hanya %(mb)s MB pertama yang diperiksa"),
        "ditolak": _("berisi DTD atau entitas XML sehingga tidak dibaca"),
        "rusak": _("tidak dapat dibaca"),
    }
    seen = set()
    for part, why in scan.unscanned:
        if (part, why) in seen:
            continue
        seen.add((part, why))
        cap = SHEET_CAP if part.startswith("xl/worksheets/") else PART_CAP
        scan.problems.append(
            Problem(
                code="pii.unscanned",
                severity=Severity.WARNING,
                message=_(
                    "Bagian berkas '%(part)s' %(why)s; pemeriksaan data pribadi tidak lengkap."
                )
                % {"part": part, "why": reasons[why] % {"mb": cap // (1024 * 1024)}},
                hint=_(
                    "Periksa isi berkas secara manual, atau simpan ulang berkas dari Excel lalu "
                    "unggah ulang."
                ),
                sheet=part,
                extra={"part": part, "why": why},
            )
        )


def scan_xlsx_parts(path: Path) -> list[Problem]:
    """Problems for personal data in the parts of an XLSX that a table read does not show."""
    try:
        zf = zipfile.ZipFile(path)
    except READ_ERRORS:
        return []
    with zf:
        try:
            names = {info.filename for info in zf.infolist() if not info.is_dir()}
        except READ_ERRORS:
            return []
        scan = _Scan(zf, names)
        sheets, defined = _workbook(scan)
        _hidden_problems(scan, sheets)
        _comments(scan, sheets)
        _defined_names(scan, defined)
        _pivot_caches(scan)
        _doc_properties(scan)
        _text_parts(scan)
        _unscanned_problems(scan)
        return scan.problems
