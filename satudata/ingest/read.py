"""Readers: an uploaded file (CSV/TSV/TXT, XLSX, XLS, ODS, JSON) in, one SheetTable per sheet out.

``read_upload`` is the only entry point. The file is judged before any parser sees it, because
the parsers (python-calamine, pyarrow) trust their input: the size first, then the format from
the content (magic bytes) together with the name; a ZIP (XLSX/ODS) is checked against its
declared sizes and entry count, DOCTYPE/ENTITY declarations in its XML parts and macros; an OLE
file (XLS, or an encrypted XLSX) for encryption and macros. Anything that cannot be read raises
``UnreadableFile`` carrying one Problem (Indonesian message and hint); an unexpected error from a
parser becomes the same, with the original error in ``problem.extra["detail"]``.

The readers live in ``read_csv`` (streaming, bounded memory) and ``read_sheet`` (workbooks,
JSON, and the header and table rules every format shares).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import re
import struct
import threading
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePath

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from .problems import Problem, Severity
from .table import SheetTable

log = logging.getLogger(__name__)

HEAD_BYTES = 64 * 1024  # what format detection looks at

_gc_lock = threading.Lock()
_gc_state = {"pausers": 0, "was_enabled": True}


@contextlib.contextmanager
def paused_gc():
    """Python's cycle collector off while an upload is read and checked.

    The work is native (Arrow, DuckDB) and makes few reference cycles, but its Python side
    allocates enough objects to trigger full collections, each walking every object of the
    process (Django, pyarrow, DuckDB…): 3–4% of the CPU of a 1M-row upload in `perf`. Memory is
    still freed by reference counting; the cycles made meanwhile are collected once it is
    back on. Nested and concurrent runs share it: back as it was when the last one ends.
    """
    with _gc_lock:
        if _gc_state["pausers"] == 0:
            _gc_state["was_enabled"] = gc.isenabled()
        _gc_state["pausers"] += 1
        gc.disable()
    try:
        yield
    finally:
        with _gc_lock:
            _gc_state["pausers"] -= 1
            if _gc_state["pausers"] == 0 and _gc_state["was_enabled"]:
                gc.enable()


MAX_ZIP_ENTRIES = 10_000
BOMB_MIN_BYTES = 10 * 1024 * 1024  # a part smaller than this is never a bomb, whatever its ratio
XML_PROLOG_BYTES = 64 * 1024  # a real part starts its root element within a few hundred bytes
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
TEXT_EXTENSIONS = {"csv", "tsv", "txt", "tab"}
BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
FORMAT_NAMES = {
    "csv": "CSV",
    "json": "JSON",
    "xlsx": "XLSX",
    "xlsb": "XLSB",
    "xls": "XLS",
    "ods": "ODS",
}
# Files people rename to .csv/.xlsx by mistake, so that the message can say what it is.
BINARY_KINDS = (
    (b"%PDF", N_("dokumen PDF")),
    (b"\x89PNG\r\n\x1a\n", N_("gambar PNG")),
    (b"\xff\xd8\xff", N_("gambar JPEG")),
    (b"GIF87a", N_("gambar GIF")),
    (b"GIF89a", N_("gambar GIF")),
    (b"II*\x00", N_("gambar TIFF")),
    (b"MM\x00*", N_("gambar TIFF")),
    (b"\x1f\x8b", N_("arsip gzip")),
    (b"7z\xbc\xaf\x27\x1c", N_("arsip 7z")),
    (b"Rar!\x1a\x07", N_("arsip RAR")),
    (b"\x7fELF", N_("program")),
    (b"{\\rtf", N_("dokumen RTF")),
)
_CONTROL = re.compile(rb"[\x01-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")
_HTML = re.compile(rb"^\s*(<!doctype html|<html|<table|<head|<body|<meta)", re.I)
_XML_SPREADSHEET = re.compile(
    rb"^\s*<\?xml[^>]*>\s*(<\?mso-application[^>]*>)?\s*<(ss:)?workbook", re.I
)
_ROOT_ELEMENT = re.compile(rb"<[A-Za-z_]")
_DECLARATION = re.compile(rb"<!(DOCTYPE|ENTITY)", re.I)


@dataclass
class Limits:
    max_bytes: int = 200 * 1024 * 1024
    max_columns: int = 1000
    max_cell_chars: int = 32_767  # Excel's own cell limit
    max_header_chars: int = 1000  # a header cell longer than this is a problem
    max_uncompressed_bytes: int = 2 * 1024**3  # zip bomb guard for XLSX/ODS
    max_compression_ratio: int = 200


class UnreadableFile(Exception):
    """A file that cannot be read at all; .problem is a Problem (severity error) with an Indonesian message and hint."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


def refuse(code: str, message: str, hint: str, **extra) -> UnreadableFile:
    """The exception for a file that cannot be read (raise what this returns)."""
    return UnreadableFile(
        Problem(code=code, severity=Severity.ERROR, message=message, hint=hint, extra=extra)
    )


def resave_hint() -> str:
    return _(
        "Buka berkas di Excel atau LibreOffice, simpan ulang sebagai .xlsx atau CSV UTF-8, lalu unggah lagi."
    )


def formats_hint() -> str:
    return _("Unggah tabel dalam bentuk CSV, XLSX, XLS, ODS atau JSON.")


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB".replace(".", ",")


class Progress:
    """Reports a fraction 0..1 to the caller now and then: at most about 50 calls, never backwards."""

    STEP = 0.02

    def __init__(
        self,
        callback: Callable[[float], None] | None,
        start: float = 0.0,
        end: float = 1.0,
        state=None,
    ):
        self.callback, self.start, self.end = callback, start, end
        self.state = state if state is not None else {"last": -1.0}

    def __call__(self, fraction: float) -> None:
        if self.callback is None:
            return
        value = min(
            1.0, max(0.0, self.start + (self.end - self.start) * min(1.0, max(0.0, fraction)))
        )
        last = self.state["last"]
        if value >= last + self.STEP or (value >= 1.0 > last):
            self.state["last"] = value
            self.callback(value)

    def part(self, start: float, end: float) -> Progress:
        """The same reporter for a stage that covers start..end of this one."""
        span = self.end - self.start
        return Progress(
            self.callback, self.start + span * start, self.start + span * end, self.state
        )


def read_upload(
    path: Path,
    filename: str,
    workdir: Path,
    *,
    limits: Limits = Limits(),  # noqa: B008 - a frozen-by-convention default, never mutated
    progress: Callable[[float], None] | None = None,
) -> list[SheetTable]:
    """Read an uploaded file into SheetTables (Parquet in workdir), or raise UnreadableFile."""
    with paused_gc():
        try:
            return _read_upload(Path(path), filename, Path(workdir), limits, Progress(progress))
        finally:
            # Arrow's allocator keeps what the reader freed (230 MB after 5M rows of CSV) for
            # reuse; validation's memory is DuckDB's, so it goes back to the system now, and
            # the peak of an upload is the larger of the two steps instead of their sum.
            import pyarrow as pa

            pa.default_memory_pool().release_unused()


def _read_upload(
    path: Path, filename: str, workdir: Path, limits: Limits, report: Progress
) -> list[SheetTable]:
    # read_csv and read_sheet import the helpers above, so they are imported here, not at the top.
    from . import read_csv, read_sheet

    size = path.stat().st_size
    if size > limits.max_bytes:
        raise refuse(
            "file.too_large",
            _("Berkas terlalu besar (%(size)s; batasnya %(limit)s).")
            % {"size": megabytes(size), "limit": megabytes(limits.max_bytes)},
            _(
                "Bagi data menjadi beberapa berkas yang lebih kecil, misalnya satu berkas per tahun."
            ),
            size=size,
        )
    kind = None
    try:
        with open(path, "rb") as f:
            head = f.read(HEAD_BYTES)
        kind, warnings = detect_format(path, filename, head, limits)
        if kind == "csv":
            sheets = [
                read_csv.read_csv(
                    path, workdir, head=head, filename=filename, limits=limits, progress=report
                )
            ]
        elif kind == "json":
            sheets = [read_sheet.read_json(path, workdir, limits=limits, progress=report)]
        else:
            sheets = read_sheet.read_workbook(path, kind, workdir, limits=limits, progress=report)
    except UnreadableFile:
        raise
    except Exception as error:  # noqa: BLE001 - a parser's surprise must reach the Produsen as a message
        log.warning("cannot read %s as %s", filename, kind, exc_info=True)
        name = FORMAT_NAMES.get(kind or "") or extension(filename).upper() or "tabel"
        raise refuse(
            "file.unreadable",
            _("Berkas tidak dapat dibaca sebagai %(format)s.") % {"format": name},
            resave_hint(),
            detail=f"{type(error).__name__}: {error}"[:2000],
        ) from error
    if warnings and sheets:
        sheets[0].problems[:0] = warnings
    report(1.0)
    return sheets


# --- format ------------------------------------------------------------------------------------


def extension(filename: str) -> str:
    return PurePath(filename or "").suffix.lower().lstrip(".")


def detect_format(
    path: Path, filename: str, head: bytes, limits: Limits
) -> tuple[str, list[Problem]]:
    """The reader to use ("csv", "json", "xlsx", "xlsb", "ods", "xls") and warnings about the name.

    Raises UnreadableFile for empty, binary, unsafe, encrypted and macro-enabled files.
    """
    ext = extension(filename)
    content = head
    for bom, _encoding in BOMS:
        content = content.replace(bom, b"")
    if len(head) < HEAD_BYTES and not content.translate(None, b" \t\r\n\x00\x0b\x0c"):
        raise refuse(
            "file.empty",
            _("Berkas kosong."),
            _("Periksa bahwa Anda memilih berkas yang benar dan bahwa berkas itu berisi tabel."),
        )
    if head.startswith(ZIP_MAGICS):
        kind = check_zip(path, ext, limits)
    elif head.startswith(OLE_MAGIC):
        kind = check_ole(path, ext)
    else:
        for magic, label in BINARY_KINDS:
            if head.startswith(magic):
                raise not_a_table(_(label))
        if not looks_like_text(head):
            raise not_a_table(None)
        if _HTML.match(head.lstrip(b"\xef\xbb\xbf")) or _XML_SPREADSHEET.match(
            head.lstrip(b"\xef\xbb\xbf")
        ):
            raise refuse(
                "file.html",
                _(
                    "Berkas '%(name)s' berisi halaman web (HTML) atau XML, bukan lembar kerja atau CSV."
                )
                % {"name": filename},
                _(
                    "Buka berkas di Excel lalu simpan sebagai 'Buku Kerja Excel (*.xlsx)' atau 'CSV UTF-8'."
                ),
            )
        if ext == "json" or (ext not in TEXT_EXTENSIONS and text_start(head) in (b"[", b"{")):
            kind = "json"
        else:
            kind = "csv"
    warnings = []
    expected = {
        "csv": TEXT_EXTENSIONS,
        "json": {"json"},
        "xlsx": {"xlsx"},
        "xlsb": {"xlsb"},
        "ods": {"ods"},
    }
    if ext and ext not in expected.get(kind, {kind}):
        warnings.append(
            Problem(
                code="file.wrong_extension",
                severity=Severity.WARNING,
                message=_(
                    "Berkas bernama '%(name)s' ternyata berisi %(format)s, dan dibaca sebagai %(format)s."
                )
                % {"name": filename, "format": FORMAT_NAMES[kind]},
                hint=_("Periksa bahwa ini berkas yang dimaksud; beri nama dengan akhiran .%(ext)s.")
                % {"ext": kind},
            )
        )
    return kind, warnings


def not_a_table(label: str | None) -> UnreadableFile:
    if label:
        message = _("Berkas ini bukan tabel: isinya %(kind)s.") % {"kind": label}
    else:
        message = _("Berkas ini bukan tabel: isinya data biner yang tidak dapat dibaca.")
    return refuse("file.binary", message, formats_hint())


def bom_encoding(head: bytes) -> tuple[str | None, int]:
    """(encoding, BOM length) from a byte-order mark at the start, or (None, 0)."""
    for bom, encoding in BOMS:
        if head.startswith(bom):
            return encoding, len(bom)
    return None, 0


def utf16_without_bom(head: bytes) -> str | None:
    """utf-16-le/-be for text that has a NUL in every other byte (ASCII text saved as UTF-16)."""
    sample = head[: len(head) // 2 * 2]
    if len(sample) < 4:
        return None
    half = len(sample) // 2
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    if odd >= 0.7 * half and even <= 0.1 * half:
        return "utf-16-le"
    if even >= 0.7 * half and odd <= 0.1 * half:
        return "utf-16-be"
    return None


def looks_like_text(head: bytes) -> bool:
    """False for binary junk: mostly NULs, or more control characters than text ever has."""
    if bom_encoding(head)[0] or utf16_without_bom(head):
        return True
    if not head:
        return True
    if head.count(0) > 0.3 * len(head):
        return False
    return len(_CONTROL.findall(head)) <= max(2, 0.05 * len(head))


def text_start(head: bytes) -> bytes:
    encoding, skip = bom_encoding(head)
    if encoding and encoding != "utf-8":
        stripped = head[skip:].decode(encoding, "ignore").lstrip()
        return stripped[:1].encode()
    return head[skip:].lstrip()[:1]


# --- ZIP (XLSX, XLSB, ODS) ------------------------------------------------------------------------


def check_zip(path: Path, ext: str, limits: Limits) -> str:
    """The workbook kind inside a ZIP, after the checks that must come before calamine opens it."""
    name = FORMAT_NAMES.get(ext, "XLSX")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                raise refuse(
                    "file.zip_bomb",
                    _("Berkas berisi terlalu banyak bagian (%(count)s) untuk sebuah lembar kerja.")
                    % {"count": f"{len(infos):,}".replace(",", ".")},
                    resave_hint(),
                    entries=len(infos),
                )
            check_sizes(infos, limits)
            names = {info.filename.lower(): info for info in infos}
            kind = zip_kind(archive, names, ext)
            if any(info.flag_bits & 0x1 for info in infos):
                raise encrypted()
            check_macros(archive, names, ext, kind)
            for info in infos:
                if info.filename.lower().endswith((".xml", ".rels", ".vml")) and info.file_size:
                    check_xml_prolog(archive, info)
    except UnreadableFile:
        raise
    except (
        zlib.error,
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        EOFError,
        ValueError,
        RuntimeError,
        NotImplementedError,
    ) as error:
        raise refuse(
            "file.corrupt",
            _("Berkas %(format)s rusak atau tidak lengkap.") % {"format": name},
            resave_hint(),
            detail=f"{type(error).__name__}: {error}"[:2000],
        ) from error
    return kind


def check_sizes(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    total = sum(info.file_size for info in infos)
    worst = max(
        (
            info.file_size / max(1, info.compress_size)
            for info in infos
            if info.file_size >= BOMB_MIN_BYTES
        ),
        default=0,
    )
    if total > limits.max_uncompressed_bytes or worst > limits.max_compression_ratio:
        raise refuse(
            "file.zip_bomb",
            _(
                "Berkas ini tidak dapat dibuka dengan aman: isinya mengembang menjadi %(size)s, "
                "jauh lebih besar dari berkasnya."
            )
            % {"size": megabytes(total)},
            _(
                "Simpan ulang dari Excel sebagai .xlsx biasa. Jika datanya memang sebesar itu, "
                "bagi menjadi beberapa berkas atau unggah sebagai CSV."
            ),
            uncompressed=total,
            ratio=round(worst, 1),
        )


def zip_kind(archive: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo], ext: str) -> str:
    if "mimetype" in names:
        with archive.open(names["mimetype"]) as f:
            mimetype = f.read(200)
        if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
            return "ods"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        return "xlsb"
    if ext in ("xlsx", "xlsm", "xlsb", "ods"):
        raise refuse(
            "file.corrupt",
            _("Berkas %(format)s rusak atau tidak lengkap: bagian buku kerjanya tidak ada.")
            % {"format": FORMAT_NAMES.get(ext, "XLSX")},
            resave_hint(),
        )
    raise refuse(
        "file.unknown_format",
        _("Berkas ini arsip ZIP atau dokumen lain, bukan lembar kerja."),
        _("Keluarkan tabelnya dari arsip dan unggah berkas CSV atau XLSX-nya."),
    )


def check_macros(
    archive: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo], ext: str, kind: str
) -> None:
    macro = ext in ("xlsm", "xltm", "xlam") or any(
        name.endswith("vbaproject.bin")
        or name.startswith(("xl/macrosheets/", "basic/", "scripts/"))
        for name in names
    )
    if not macro and "[content_types].xml" in names:
        with archive.open(names["[content_types].xml"]) as f:
            macro = b"macroenabled" in f.read(1024 * 1024).lower()
    if macro:
        raise macros()
    if kind == "ods" and "meta-inf/manifest.xml" in names:
        with archive.open(names["meta-inf/manifest.xml"]) as f:
            if b"encryption-data" in f.read(4 * 1024 * 1024):
                raise encrypted()


def check_xml_prolog(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Refuse a part that declares a DOCTYPE or entities (billion laughs): no real workbook has one."""
    with archive.open(info) as f:
        prolog = f.read(XML_PROLOG_BYTES)
    if prolog[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in prolog[:4]:
        encoding = (
            "utf-16-be" if prolog[:2] == b"\xfe\xff" or prolog[:1] == b"\x00" else "utf-16-le"
        )
        prolog = prolog.decode(encoding, "ignore").encode("utf-8", "ignore")
    root = _ROOT_ELEMENT.search(prolog)
    if _DECLARATION.search(prolog, 0, root.start() if root else len(prolog)):
        raise refuse(
            "file.xml_entities",
            _(
                "Berkas ini berisi deklarasi XML (DOCTYPE/ENTITY) yang tidak pernah ada di buku kerja "
                "biasa dan dapat dipakai untuk melumpuhkan server, sehingga ditolak."
            ),
            resave_hint(),
            part=info.filename,
        )


def macros() -> UnreadableFile:
    return refuse(
        "file.macro",
        _("Buku kerja ini berisi makro (VBA) dan tidak diterima."),
        _(
            "Di Excel pilih File > Simpan Sebagai > 'Buku Kerja Excel (*.xlsx)', lalu unggah berkas .xlsx itu."
        ),
    )


def encrypted() -> UnreadableFile:
    return refuse(
        "file.encrypted",
        _("Buku kerja ini dilindungi kata sandi sehingga isinya tidak dapat dibaca."),
        _(
            "Buka berkas di Excel, hapus kata sandinya (File > Info > Lindungi Buku Kerja > "
            "Enkripsi dengan Kata Sandi, kosongkan isian), simpan, lalu unggah lagi."
        ),
    )


# --- OLE compound files (XLS; an encrypted XLSX is one too) -----------------------------------------

_FREE_OR_END = 0xFFFFFFFA  # sector ids at or above this are markers, not sectors


def ole_names(path: Path) -> list[str] | None:
    """Names of the streams and storages in an OLE compound file, or None if it is malformed."""
    try:
        with open(path, "rb") as f:
            header = f.read(512)
            size = f.seek(0, 2)
            shift = struct.unpack_from("<H", header, 0x1E)[0]
            if shift not in (9, 12):
                return None
            sector = 1 << shift
            sectors = max(1, size // sector)
            first_dir = struct.unpack_from("<I", header, 0x30)[0]
            first_difat, difat_count = struct.unpack_from("<II", header, 0x44)

            def read_sector(sid: int) -> bytes:
                if sid >= sectors:
                    raise ValueError("sector out of range")
                f.seek((sid + 1) * sector)
                return f.read(sector)

            fat_sids = [
                sid for sid in struct.unpack_from("<109I", header, 0x4C) if sid < _FREE_OR_END
            ]
            sid = first_difat
            for _step in range(min(difat_count, sectors)):
                if sid >= _FREE_OR_END:
                    break
                block = struct.unpack(f"<{sector // 4}I", read_sector(sid))
                fat_sids.extend(s for s in block[:-1] if s < _FREE_OR_END)
                sid = block[-1]
            fat: list[int] = []
            for fat_sid in fat_sids[: sectors + 1]:
                fat.extend(struct.unpack(f"<{sector // 4}I", read_sector(fat_sid)))
            names = []
            sid, seen = first_dir, 0
            while sid < _FREE_OR_END and seen <= sectors:
                data = read_sector(sid)
                for offset in range(0, len(data), 128):
                    length, entry_type = struct.unpack_from("<HB", data, offset + 0x40)
                    if entry_type and 2 <= length <= 64:
                        names.append(
                            data[offset : offset + length - 2].decode("utf-16-le", "replace")
                        )
                sid = fat[sid] if sid < len(fat) else _FREE_OR_END
                seen += 1
            return names or None
    except (OSError, struct.error, ValueError, IndexError):
        return None


def ole_mentions(path: Path, markers: tuple[str, ...]) -> set[str]:
    """Which names occur anywhere in the file as UTF-16 text: the fallback for a broken directory."""
    wanted = {marker: marker.encode("utf-16-le") for marker in markers}
    found, tail = set(), b""
    with open(path, "rb") as f:
        while chunk := f.read(1024 * 1024):
            window = tail + chunk
            found.update(marker for marker, encoded in wanted.items() if encoded in window)
            tail = window[-128:]
    return found


def check_ole(path: Path, ext: str) -> str:
    names = ole_names(path)
    if names is None:
        present = ole_mentions(
            path, ("EncryptionInfo", "EncryptedPackage", "_VBA_PROJECT_CUR", "Workbook", "Book")
        )
    else:
        present = set(names)
    if present & {"EncryptionInfo", "EncryptedPackage"}:
        raise encrypted()
    if "_VBA_PROJECT_CUR" in present or ext in ("xlsm", "xltm"):
        raise macros()
    if present & {"Workbook", "Book"}:
        return "xls"
    raise refuse(
        "file.unknown_format",
        _("Berkas ini dokumen Office yang bukan lembar kerja (misalnya dokumen Word)."),
        formats_hint(),
    )
