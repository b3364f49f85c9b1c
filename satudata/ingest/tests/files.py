"""Messy and hostile upload files, generated at test time (no binary fixtures in the repository)."""

import datetime as dt
import io
import random
import struct
import zipfile
from pathlib import Path

import xlsxwriter

ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def csv_text(rows, delimiter=",") -> str:
    return "".join(delimiter.join(row) + "\n" for row in rows)


# --- workbooks -----------------------------------------------------------------------------------


def xlsx(tmp_path: Path, sheets: dict, name: str = "data.xlsx", *, build=None) -> Path:
    """An XLSX with one sheet per item: rows of values written from A1 (None leaves a cell empty).

    build(workbook, worksheets) may add formats, merges, hidden sheets and so on.
    """
    path = tmp_path / name
    book = xlsxwriter.Workbook(str(path))
    worksheets = {}
    for title, rows in sheets.items():
        sheet = book.add_worksheet(title)
        worksheets[title] = sheet
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, str):
                    sheet.write_string(r, c, value)  # typed as text: '53.10' stays text
                elif isinstance(value, dt.datetime | dt.date):
                    sheet.write_datetime(r, c, value, book.add_format({"num_format": "yyyy-mm-dd"}))
                else:
                    sheet.write(r, c, value)
    if build:
        build(book, worksheets)
    book.close()
    return path


def rewrite_zip(
    source: Path, target: Path, *, replace: dict | None = None, add: dict | None = None
) -> Path:
    """A copy of a ZIP with some parts replaced or added (bytes)."""
    replace, add = replace or {}, add or {}
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, replace.get(info.filename, old.read(info.filename)))
        for name, data in add.items():
            new.writestr(name, data)
    return target


def ods(tmp_path: Path, sheets: dict, name: str = "data.ods") -> Path:
    """A minimal OpenDocument spreadsheet (odfpy is not installed): mimetype, manifest, content."""

    def cell(value):
        if value is None:
            return "<table:table-cell/>"
        if isinstance(value, bool):
            text = "true" if value else "false"
            return f'<table:table-cell office:value-type="boolean" office:boolean-value="{text}"><text:p>{text}</text:p></table:table-cell>'
        if isinstance(value, int | float):
            return f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>'
        if isinstance(value, dt.date):
            return f'<table:table-cell office:value-type="date" office:date-value="{value.isoformat()}"><text:p>{value}</text:p></table:table-cell>'
        return f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'

    tables = "".join(
        f'<table:table table:name="{title}">'
        + "".join(
            "<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>"
            for row in rows
        )
        + "</table:table>"
        for title, rows in sheets.items()
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NS} office:version="1.2">'
        f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{ODS_MIMETYPE}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), ODS_MIMETYPE, compress_type=zipfile.ZIP_STORED
        )
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return path


def ole(streams: list[str], payload: bytes = b"") -> bytes:
    """A minimal, well-formed OLE compound file (version 3) whose directory lists these streams.

    payload (padded to whole sectors) becomes the content of the first stream.
    """
    sector = 512
    header = bytearray(sector)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIII", header, 0x2C, 1, 1, 0, 4096)  # 1 FAT sector; directory at sector 1
    struct.pack_into("<IIII", header, 0x3C, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
    difat = [0] + [0xFFFFFFFF] * 108
    struct.pack_into("<109I", header, 0x4C, *difat)
    entries = ["Root Entry", *streams]
    directory_sectors = (len(entries) + 3) // 4
    payload += b"\x00" * (-len(payload) % sector)
    payload_sectors = len(payload) // sector
    first_payload = 1 + directory_sectors
    fat = [0xFFFFFFFD] + list(range(2, 1 + directory_sectors)) + [0xFFFFFFFE]
    fat += list(range(first_payload + 1, first_payload + payload_sectors)) + [0xFFFFFFFE] * bool(
        payload_sectors
    )
    assert len(fat) <= sector // 4
    fat += [0xFFFFFFFF] * (sector // 4 - len(fat))
    directory = bytearray(directory_sectors * sector)
    for i, name in enumerate(entries):
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        offset = i * 128
        directory[offset : offset + len(encoded)] = encoded
        struct.pack_into("<HBB", directory, offset + 0x40, len(encoded), 5 if i == 0 else 2, 1)
        struct.pack_into(
            "<III", directory, offset + 0x44, 0xFFFFFFFF, 0xFFFFFFFF, 1 if i == 0 else 0xFFFFFFFF
        )
        if i == 1 and payload:
            struct.pack_into("<II", directory, offset + 0x74, first_payload, len(payload))
        else:
            struct.pack_into("<II", directory, offset + 0x74, 0xFFFFFFFE, 0)
    return bytes(header) + struct.pack(f"<{sector // 4}I", *fat) + bytes(directory) + payload


# --- hostile files -------------------------------------------------------------------------------


def zip_bomb(tmp_path: Path, *, size: int = 64 * 1024 * 1024, name: str = "laporan.xlsx") -> Path:
    """Looks like an XLSX; one worksheet part inflates from ~64 KB to `size` bytes of zeros."""
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            block = b"\x00" * (1024 * 1024)
            for _ in range(size // len(block)):
                part.write(block)
    return path


def zip_with_many_entries(tmp_path: Path, count: int = 10_001) -> Path:
    path = tmp_path / "banyak.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        for i in range(count):
            archive.writestr(f"xl/x/{i}.bin", b"")
    return path


BILLION_LAUGHS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>\n"
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
    "<si><t>&lol9;</t></si></sst>"
).encode()


def entity_bomb(tmp_path: Path) -> Path:
    source = xlsx(tmp_path, {"Data": [["nama", "nilai"], ["a", 1]]}, name="source.xlsx")
    return rewrite_zip(
        source, tmp_path / "bom.xlsx", replace={"xl/sharedStrings.xml": BILLION_LAUGHS}
    )


def macro_workbook(tmp_path: Path, name: str = "makro.xlsx") -> Path:
    source = xlsx(tmp_path, {"Data": [["nama", "nilai"], ["a", 1]]}, name="source.xlsx")
    return rewrite_zip(
        source, tmp_path / name, add={"xl/vbaProject.bin": ole(["VBA", "_VBA_PROJECT_CUR"])}
    )


def encrypted_workbook() -> bytes:
    """What Excel writes for a password-protected .xlsx: an OLE file with EncryptionInfo."""
    return ole(["EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"], payload=random_bytes(8192))


def encrypted_blob() -> bytes:
    """Only the OLE magic and the stream name, with a directory no parser can follow."""
    return (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\xff" * 600
        + "EncryptionInfo".encode("utf-16-le")
        + b"\x00" * 200
    )


def random_bytes(size: int = 4096, seed: int = 3) -> bytes:
    return random.Random(seed).randbytes(size)


def png() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + random_bytes(200)


def pdf() -> bytes:
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + random_bytes(
        500
    )


def wide_csv(columns: int = 10_000, rows: int = 3) -> bytes:
    header = ",".join(f"k{i}" for i in range(columns))
    line = ",".join("1" for _ in range(columns))
    return ("\n".join([header] + [line] * rows) + "\n").encode()


def million_lines_with_one_ragged(
    path: Path, lines: int = 1_000_000, ragged_at: int = 500_001
) -> Path:
    """lines data rows under a header; data row ragged_at (file row ragged_at + 1) has a field too many."""
    with open(path, "wb") as f:
        f.write(b"id,kode_wilayah,tahun,nilai\n")
        buffer = io.BytesIO()
        for i in range(1, lines + 1):
            if i == ragged_at:
                buffer.write(b"%d,53.10,2024,12,extra\n" % i)
            else:
                buffer.write(b"%d,53.10,2024,12\n" % i)
            if i % 100_000 == 0:
                f.write(buffer.getvalue())
                buffer = io.BytesIO()
        f.write(buffer.getvalue())
    return path
