"""A minimal BIFF8 (.xls, Excel 97-2003) writer for tests: no library writes .xls offline here.

The workbook stream holds the globals (BOF, CODEPAGE, one XF per cell style Excel expects, a
BOUNDSHEET per sheet, EOF) and a substream per sheet (BOF, DIMENSIONS, LABEL/NUMBER/BOOLERR
cells, EOF), wrapped in the OLE compound file that files.ole builds. Strings are stored as
UTF-16 so any text round-trips. Only what readers need is written; no formatting.
"""

from __future__ import annotations

import struct

from . import files

BOF, EOF, CODEPAGE, BOUNDSHEET, XF, DIMENSIONS = 0x0809, 0x000A, 0x0042, 0x0085, 0x00E0, 0x0200
LABEL, NUMBER, BOOLERR, DATEMODE = 0x0204, 0x0203, 0x0205, 0x0022
MINI_STREAM_CUTOFF = 4096  # smaller streams would belong in the OLE mini stream


def record(kind: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def bof(substream: int) -> bytes:
    # BIFF8 (0x0600); 0x0005 workbook globals, 0x0010 worksheet; build/year as Excel 97 writes them
    return record(BOF, struct.pack("<HHHHII", 0x0600, substream, 0x0DBB, 0x07CC, 0x41, 0x06))


def unicode_string(text: str, length_bytes: int) -> bytes:
    """XLUnicodeString (2-byte length) or ShortXLUnicodeString (1-byte), stored as UTF-16."""
    encoded = text.encode("utf-16-le")
    length = struct.pack("<H" if length_bytes == 2 else "<B", len(encoded) // 2)
    return length + b"\x01" + encoded


def cell(row: int, col: int, value) -> bytes:
    if isinstance(value, bool):
        return record(BOOLERR, struct.pack("<HHHBB", row, col, 15, int(value), 0))
    if isinstance(value, int | float):
        return record(NUMBER, struct.pack("<HHHd", row, col, 15, float(value)))
    return record(LABEL, struct.pack("<HHH", row, col, 15) + unicode_string(str(value), 2))


def worksheet(rows: list[list]) -> bytes:
    width = max((len(r) for r in rows), default=0)
    out = bof(0x0010) + record(DIMENSIONS, struct.pack("<IIHHH", 0, len(rows), 0, width, 0))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if value is not None:
                out += cell(r, c, value)
    return out + record(EOF)


def workbook_stream(sheets: dict[str, list[list]]) -> bytes:
    # 16 cell-style XFs (index 15 is the default cell format the cells point at)
    xfs = b"".join(
        record(
            XF,
            struct.pack(
                "<HHHBBBBIIH", 0, 0, 0xFFF5 if i < 15 else 0x0001, 0x20, 0, 0, 0, 0, 0, 0x20C0
            ),
        )
        for i in range(16)
    )
    head = (
        bof(0x0005)
        + record(CODEPAGE, struct.pack("<H", 1200))
        + record(DATEMODE, b"\x00\x00")
        + xfs
    )
    bodies = [worksheet(rows) for rows in sheets.values()]
    sizes = [
        len(record(BOUNDSHEET, struct.pack("<IBB", 0, 0, 0) + unicode_string(n, 1))) for n in sheets
    ]
    offset = len(head) + sum(sizes) + len(record(EOF))  # where the first sheet's BOF lands
    globals_ = head
    for name, body in zip(sheets, bodies, strict=True):
        globals_ += record(BOUNDSHEET, struct.pack("<IBB", offset, 0, 0) + unicode_string(name, 1))
        offset += len(body)
    stream = globals_ + record(EOF) + b"".join(bodies)
    return stream + b"\x00" * max(0, MINI_STREAM_CUTOFF - len(stream))


def xls(sheets: dict[str, list[list]]) -> bytes:
    """The bytes of a .xls workbook with these sheets (name -> rows of str/int/float/bool/None)."""
    return files.ole(["Workbook"], payload=workbook_stream(sheets))
