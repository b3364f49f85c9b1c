"""CSV/TSV/TXT: streamed into Parquet with pyarrow, in bounded memory whatever the file size.

1. Text that is not UTF-8 is first transcoded, in chunks, to a UTF-8 file in the workdir:
   UTF-16/32 by its BOM (or by the NULs of BOM-less UTF-16), anything else line by line, each
   line as UTF-8 when it is valid and otherwise in the fallback encoding (Windows-1252, or what
   charset-normalizer finds when the text is not Latin), so a file that mixes encodings loses no
   row. NUL bytes are dropped on the way.
2. The head (up to HEAD_ROWS records) is parsed with the csv module: the delimiter (, ; tab |)
   is the one that splits the records most consistently, then the header is found and judged
   like any sheet's (read_sheet).
3. pyarrow reads the rest in blocks, every column as text. A row with another number of fields
   goes to the invalid-row handler; it is parsed again, padded or cut to the header's width,
   put back at its place and reported as ragged with its row number. use_threads=False is what
   makes pyarrow give that row number; the Parquet writer runs on the other core meanwhile.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import itertools
import re
import sys
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter, deque
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from django.utils.translation import gettext as _

from .problems import Problem, Severity
from .read import Limits, Progress, bom_encoding, extension, refuse, utf16_without_bom
from .read_sheet import (
    HEAD_ROWS,
    LISTED,
    Header,
    Row,
    TableWriter,
    build_header,
    filled_count,
    is_filled,
    locate_header,
    multirow_problem,
    row_list,
    second_header_row,
    title_problem,
    too_many_columns,
)
from .table import ROW_COLUMN, SheetTable, data_column

CHUNK = 1024 * 1024
HEAD_BUDGET = 16 * 1024 * 1024  # bytes of the file read to find the header
BLOCK_SIZE = 4 * 1024 * 1024  # pyarrow block; it reads ~18 blocks ahead, so this bounds memory
MAX_BLOCK_SIZE = 256 * 1024 * 1024
LONG_LINE = 16 * 1024 * 1024  # a "line" longer than this is transcoded in pieces
SAMPLE_BYTES = 64 * 1024  # of non-UTF-8 lines, for charset-normalizer
DELIMITERS = (",", ";", "\t", "|")
ENCODING_NAMES = {
    "cp1252": "Windows-1252",
    "latin_1": "Latin-1",
    "utf-16-le": "UTF-16",
    "utf-16-be": "UTF-16",
}
# Encodings charset-normalizer may pick for Latin text; Windows-1252 reads them as well and is
# what Excel in Indonesia writes (charset-normalizer tends to say cp1250 for short samples).
LATIN = {
    "ascii", "latin_1", "cp1252", "cp1250", "cp1254", "cp1257", "cp1258", "iso8859_2", "iso8859_3",
    "iso8859_4", "iso8859_9", "iso8859_10", "iso8859_13", "iso8859_14", "iso8859_15", "iso8859_16",
    "mac_roman", "mac_latin2", "mac_iceland", "mac_turkish", "cp437", "cp850", "cp852", "cp858",
}  # fmt: skip
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


@contextlib.contextmanager
def big_fields():
    """The csv module refuses fields over 128 KB; a 2 MB header cell must still be read (and cut)."""
    old = csv.field_size_limit()
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    try:
        yield
    finally:
        csv.field_size_limit(old)


# --- encoding ----------------------------------------------------------------------------------


class Text:
    """The UTF-8 bytes to parse (the upload itself, or a transcoded copy) and what was found."""

    def __init__(self, path: Path, skip: int = 0):
        self.path, self.skip = path, skip
        self.problems: list[Problem] = []
        self.encoding = "utf-8"


def fallback_encoding(sample: bytes) -> str:
    """Windows-1252 for text in Latin script (few bytes above 127); otherwise charset-normalizer's guess."""
    letters = sum(1 for byte in sample if byte > 32)
    high = sum(1 for byte in sample if byte > 127)
    try:
        sample.decode("cp1252")
        if high <= 0.3 * letters or letters < 200:  # too little text to tell scripts apart
            return "cp1252"
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(sample).best()
    except Exception:  # noqa: BLE001 - a guess that fails leaves the default
        best = None
    guess = best.encoding if best else None
    if not guess or guess in LATIN or guess.startswith("utf"):
        return "cp1252"
    return guess


def scan_utf8(path: Path, skip: int) -> tuple[bytes | None, bool]:
    """(a sample of lines that are not UTF-8, or None; whether there are NUL bytes)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    nul = False
    with open(path, "rb") as f:
        f.seek(skip)
        while chunk := f.read(CHUNK):
            nul = nul or b"\x00" in chunk
            if chunk.isascii() and not decoder.getstate()[0]:
                continue
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                bad = []
                for line in (chunk + f.read(CHUNK)).split(b"\n"):
                    try:
                        line.decode("utf-8")
                    except UnicodeDecodeError:
                        bad.append(line)
                return b"\n".join(bad)[:SAMPLE_BYTES] or chunk[:SAMPLE_BYTES], nul
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return b"\xff", nul
    return None, nul


def prepare_text(path: Path, head: bytes, workdir: Path, progress: Progress) -> Text:
    encoding, bom = bom_encoding(head)
    encoding = encoding or utf16_without_bom(head)
    if encoding and encoding != "utf-8":
        return transcode_wide(path, bom, encoding, workdir, progress)
    sample, nul = scan_utf8(path, bom)
    if sample is None and not nul:
        return Text(path, bom)
    return transcode_lines(
        path, bom, fallback_encoding(sample) if sample else "utf-8", workdir, progress
    )


def nul_problem(count: int) -> Problem:
    return Problem(
        code="file.nul_bytes",
        severity=Severity.WARNING,
        message=_("%(count)s karakter NUL (kode 0) dibuang dari berkas.") % {"count": count},
        hint=_(
            "Karakter NUL biasanya tanda berkas rusak atau diekspor dengan pengodean yang salah; "
            "periksa datanya, lalu simpan ulang sebagai CSV UTF-8."
        ),
        count=count,
    )


def transcode_wide(path: Path, skip: int, encoding: str, workdir: Path, progress: Progress) -> Text:
    out = Text(workdir / "source-utf8.csv")
    out.encoding = encoding
    size = max(1, path.stat().st_size)
    decoder = codecs.getincrementaldecoder(encoding)("replace")
    nuls = 0
    with open(path, "rb") as src, open(out.path, "wb") as dst:
        src.seek(skip)
        while True:
            chunk = src.read(CHUNK)
            text = decoder.decode(chunk, final=not chunk)
            nuls += text.count("\x00")
            dst.write(text.replace("\x00", "").encode("utf-8"))
            progress(src.tell() / size)
            if not chunk:
                break
    if nuls:
        out.problems.append(nul_problem(nuls))
    return out


def transcode_lines(
    path: Path, skip: int, fallback: str, workdir: Path, progress: Progress
) -> Text:
    out = Text(workdir / "source-utf8.csv")
    out.encoding = fallback
    size = max(1, path.stat().st_size)
    counts = {"nul": 0, "utf8": 0, "fallback": 0, "line": 0}
    fallback_lines: list[int] = []

    def convert(block: bytes) -> bytes:
        if b"\x00" in block:
            counts["nul"] += block.count(b"\x00")
            block = block.replace(b"\x00", b"")
        try:
            block.decode("utf-8")
            counts["utf8"] += not block.isascii()
            counts["line"] += block.count(b"\n")
            return block
        except UnicodeDecodeError:
            pass
        parts = []
        for line in block.splitlines(keepends=True):
            counts["line"] += 1
            try:
                line.decode("utf-8")
                counts["utf8"] += not line.isascii()
                parts.append(line)
            except UnicodeDecodeError:
                counts["fallback"] += 1
                if len(fallback_lines) < 10:
                    fallback_lines.append(counts["line"])
                parts.append(line.decode(fallback, "replace").encode("utf-8"))
        return b"".join(parts)

    with open(path, "rb") as src, open(out.path, "wb") as dst:
        src.seek(skip)
        rest = b""
        while chunk := src.read(CHUNK):
            data = rest + chunk
            cut = data.rfind(b"\n") + 1
            if not cut and len(data) < LONG_LINE:
                rest = data
                continue
            cut = cut or len(data)
            dst.write(convert(data[:cut]))
            rest = data[cut:]
            progress(src.tell() / size)
        if rest:
            dst.write(convert(rest))
    if counts["nul"]:
        out.problems.append(nul_problem(counts["nul"]))
    if counts["utf8"] and counts["fallback"]:
        name = ENCODING_NAMES.get(fallback, fallback)
        out.problems.append(
            Problem(
                code="file.mixed_encoding",
                severity=Severity.WARNING,
                message=_(
                    "Berkas mencampur pengodean teks: sebagian baris UTF-8, %(count)s baris lain "
                    "(mis. baris %(rows)s) dibaca sebagai %(encoding)s. Periksa huruf beraksen di baris itu."
                )
                % {
                    "count": counts["fallback"],
                    "rows": row_list(fallback_lines, 5),
                    "encoding": name,
                },
                hint=_(
                    "Simpan ulang berkas dari Excel sebagai 'CSV UTF-8 (dipisahkan koma)', lalu unggah lagi."
                ),
                row=fallback_lines[0],
                count=counts["fallback"],
                extra={"encoding": fallback},
            )
        )
    return out


# --- head: delimiter and header ------------------------------------------------------------------


def head_lines(text: Text) -> tuple[list[tuple[str, int]], bool]:
    """The first lines as (text, byte length), and whether they reach the end of the file."""
    with open(text.path, "rb") as f:
        f.seek(text.skip)
        data, at_end = b"", False
        while len(data) < HEAD_BUDGET:
            chunk = f.read(CHUNK)
            if not chunk:
                at_end = True
                break
            data += chunk
            if data.count(b"\n") + data.count(b"\r") > 2 * HEAD_ROWS + 2 and len(data) > CHUNK // 4:
                break
    decoded = data.decode("utf-8", "replace")
    lines = [m.group() for m in itertools.islice(_LINE.finditer(decoded), 2 * HEAD_ROWS + 1)]
    if len(lines) > 2 * HEAD_ROWS:
        lines.pop()
        at_end = False
    elif not at_end and lines:
        lines.pop()  # may be cut short
    return [(line, len(line.encode("utf-8"))) for line in lines], at_end


def sniff_delimiter(lines: list[str], preferred: str | None) -> str:
    def score(delimiter: str):
        counts = [
            len(r) for r in csv.reader(lines, delimiter=delimiter) if any(v.strip() for v in r)
        ]
        if not counts:
            return (False, 0.0, 0, 0)
        mode, hits = Counter(counts).most_common(1)[0]
        return (mode > 1, round(hits / len(counts), 2), int(delimiter == preferred), mode)

    candidates = [d for d in DELIMITERS if any(d in line for line in lines)] or [","]
    return max(candidates, key=score)


def parse_head(
    lines: list[tuple[str, int]], at_end: bool, delimiter: str
) -> list[tuple[int, list[str], int]]:
    """Records of the head as (row number, fields, byte offset after the record)."""
    consumed = [0]

    def feed():
        for line, size in lines:
            consumed[0] += size
            yield line

    records = []
    reader = csv.reader(feed(), delimiter=delimiter)
    try:
        for number, fields in enumerate(reader, 1):
            records.append((number, fields, consumed[0]))
    except csv.Error:
        pass  # a quoted field still open at the end of the head: judged from what came before
    return records


# --- the stream --------------------------------------------------------------------------------


class Ragged:
    """Rows whose number of fields differs from the header's, for the row.ragged problems."""

    def __init__(self):
        self.rows = array("q")
        self.found: dict[int, int] = {}  # row -> fields, for the first rows

    def add(self, row: int, fields: int) -> None:
        self.rows.append(row)
        if len(self.found) < LISTED + 1000:
            self.found[row] = fields

    def add_many(self, rows: list[int], fields: int) -> None:
        for row in rows:
            self.add(row, fields)

    def problems(self, expected: int, notes: list[int], sheet: str = "") -> list[Problem]:
        rows = sorted(self.rows)
        excluded = sum(bisect_right(rows, n) - bisect_left(rows, n) for n in notes)
        notes_set = set(notes)
        listed = [row for row in rows[: LISTED + len(notes_set)] if row not in notes_set][:LISTED]
        problems = []
        hint = _(
            "Periksa pemisah kolom dan tanda kutip di baris itu: nilai yang berisi koma, titik koma "
            'atau baris baru harus diapit tanda kutip ("...").'
        )
        for row in listed:
            found = self.found.get(row, 0)
            if found > expected:
                message = _(
                    "Baris %(row)s berisi %(found)s kolom, padahal header %(expected)s kolom; kolom berlebih dibuang."
                )
            else:
                message = _(
                    "Baris %(row)s hanya berisi %(found)s kolom, padahal header %(expected)s kolom; "
                    "sisanya dibiarkan kosong."
                )
            problems.append(
                Problem(
                    code="row.ragged",
                    severity=Severity.ERROR,
                    message=message % {"row": row, "found": found, "expected": expected},
                    hint=hint,
                    sheet=sheet,
                    row=row,
                    extra={"fields": found, "expected": expected},
                )
            )
        rest = len(rows) - excluded - len(listed)
        if rest > 0:
            problems.append(
                Problem(
                    code="row.ragged",
                    severity=Severity.ERROR,
                    message=_(
                        "… dan %(count)s baris lain juga tidak sama jumlah kolomnya dengan header."
                    )
                    % {"count": rest},
                    hint=hint,
                    sheet=sheet,
                    count=rest,
                )
            )
        return problems


class Stream:
    """Turns pyarrow's batches into the sheet layout: row numbers, ragged rows put back in place."""

    def __init__(self, header: Header, fields: int, delimiter: str):
        self.header, self.fields, self.delimiter = header, fields, delimiter
        self.width = len(header.names)
        self.invalid: deque[tuple[int, str]] = deque()
        self.next = 1  # pyarrow's number for the next record (1 = the first after the header)
        self.ragged = Ragged()
        # 0, 1, 2, …: an Arrow kernel, not pa.array(range(…)), whose first call imports pandas
        self.counting = pc.subtract(
            pc.cumulative_sum(pa.repeat(pa.scalar(1, pa.int64()), 1 << 16)), 1
        )

    def on_invalid(self, row) -> str:
        number = row.number if row.number is not None and row.number > 0 else None
        self.invalid.append((number, row.text))
        return "skip"

    def numbers(self, first: int, count: int) -> pa.Array:
        while len(self.counting) < count:
            size = len(self.counting)
            self.counting = pa.concat_arrays([self.counting, pc.add(self.counting, size)])
        return pc.add(self.counting.slice(0, count), first + self.header.row)

    def fit(self, batch: pa.RecordBatch | pa.Table, first: int) -> pa.Table:
        """pyarrow's columns (self.fields of them) as the header's width, numbered."""
        rows = self.numbers(first, batch.num_rows)
        columns = list(batch.columns)
        if self.fields > self.width:
            extra = pc.is_valid(columns[self.width])
            for column in columns[self.width + 1 :]:
                extra = pc.or_(extra, pc.is_valid(column))
            if pc.any(extra).as_py():
                self.ragged.add_many(pc.filter(rows, extra).to_pylist(), self.fields)
            columns = columns[: self.width]
        elif self.fields < self.width:
            has_any = pc.is_valid(columns[0])
            for column in columns[1:]:
                has_any = pc.or_(has_any, pc.is_valid(column))
            self.ragged.add_many(pc.filter(rows, has_any).to_pylist(), self.fields)
            columns += [pa.nulls(batch.num_rows, pa.string())] * (self.width - self.fields)
        names = [data_column(i) for i in range(self.width)] + [ROW_COLUMN]
        return pa.Table.from_arrays([*columns, rows], names=names)

    def reparse(self, items: list[tuple[int, str]]) -> pa.Table:
        rows: list[Row] = []
        for number, text in items:
            records = list(csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter))
            fields = [value for record in records for value in record]
            if any(value.strip() for value in fields) and (
                len(fields) < self.width or any(value for value in fields[self.width :])
            ):
                self.ragged.add(number + self.header.row, len(fields))
            cells = [value or None for value in fields[: self.width]]
            rows.append((number + self.header.row, cells + [None] * (self.width - len(cells))))
        columns = list(zip(*[cells for _number, cells in rows], strict=True)) if self.width else []
        arrays = [pa.array(columns[i], pa.string()) for i in range(self.width)]
        arrays.append(pa.array([number for number, _cells in rows], pa.int64()))
        return pa.Table.from_arrays(
            arrays, names=[data_column(i) for i in range(self.width)] + [ROW_COLUMN]
        )

    def take(self, batch: pa.RecordBatch | None) -> list[pa.Table]:
        """The batch with the skipped rows that belong among it, in file order (None: the end)."""
        pieces, position = [], 0
        count = batch.num_rows if batch is not None else 0
        loose: list[tuple[int, str]] = []
        while self.invalid and (
            batch is None or (self.invalid[0][0] or self.next) < self.next + count - position
        ):
            number, text = self.invalid.popleft()
            number = number or self.next
            before = max(0, number - self.next)
            if before:
                if loose:
                    pieces.append(self.reparse(loose))
                    loose = []
                pieces.append(self.fit(batch.slice(position, before), self.next))
                position += before
            loose.append((number, text))
            self.next = number + 1
        if loose:
            pieces.append(self.reparse(loose))
        if batch is not None and position < count:
            pieces.append(self.fit(batch.slice(position), self.next))
            self.next += count - position
        return pieces


def read_csv(
    path: Path, workdir: Path, *, head: bytes, filename: str, limits: Limits, progress: Progress
) -> SheetTable:
    encoded = bom_encoding(head)[0] or utf16_without_bom(head)
    needs_copy = bool(encoded and encoded != "utf-8") or b"\x00" in head
    text = prepare_text(
        path, head, workdir, progress.part(0, 0.4) if needs_copy else progress.part(0, 0.05)
    )
    reading = progress.part(0.4 if text.path != path else 0.05, 1.0)
    with big_fields():
        try:
            return read_text(text, workdir, filename=filename, limits=limits, progress=reading)
        finally:
            if text.path != path:
                text.path.unlink(missing_ok=True)


def read_text(
    text: Text, workdir: Path, *, filename: str, limits: Limits, progress: Progress
) -> SheetTable:
    lines, at_end = head_lines(text)
    if not lines:
        if at_end:
            raise refuse("file.empty", _("Berkas kosong."), _("Periksa bahwa berkas berisi tabel."))
        raise refuse(
            "header.too_long",
            _(
                "Baris pertama berkas lebih panjang dari %(size)s MB, sehingga tidak dapat dibaca sebagai header."
            )
            % {"size": HEAD_BUDGET // 1024 // 1024},
            _("Periksa bahwa berkas ini benar-benar CSV dengan satu baris nama kolom di atas."),
        )
    delimiter = sniff_delimiter(
        [line for line, _size in lines], "\t" if extension(filename) in ("tsv", "tab") else None
    )
    records = parse_head(lines, at_end, delimiter)
    rows: list[Row] = [
        (number, [v if v else None for v in fields]) for number, fields, _end in records
    ]
    index = locate_header(rows)
    if index is None:
        raise refuse(
            "file.empty",
            _("Berkas tidak berisi data: semua barisnya kosong."),
            _("Periksa bahwa berkas berisi tabel."),
        )
    header_row, cells = rows[index]
    below = rows[index + 1 :]
    data_counts = [len(c) for _number, c in below if filled_count(c)]
    fields = Counter(data_counts).most_common(1)[0][0] if data_counts else len(cells)
    width = len(cells)
    while (
        width > 1
        and not is_filled(cells[width - 1])
        and not any(len(c) >= width and is_filled(c[width - 1]) for _number, c in below)
    ):
        width -= 1  # "a,b,c,," from Excel: trailing columns without a name or data
    if max(width, fields) > limits.max_columns:
        raise too_many_columns(max(width, fields), limits)

    header = build_header(cells, header_row, width=width, sheet="", first_column=0, limits=limits)
    problems = list(text.problems)
    problems += title_problem([n for n, c in rows[:index] if filled_count(c)], "")
    problems += header.problems
    second = second_header_row(width, below)
    if second is not None:
        problems.append(multirow_problem(second, ""))

    offset = text.skip + records[index][2]
    block = BLOCK_SIZE
    while True:
        try:
            row_count, stream, writer_problems, notes = stream_rows(
                text.path,
                offset,
                header,
                fields,
                delimiter,
                workdir / "sheet-0.parquet",
                block,
                limits,
                progress,
            )
            break
        except pa.ArrowInvalid as error:
            # a record longer than the block (a huge quoted cell): read again with larger blocks
            if "straddl" not in str(error) or block >= MAX_BLOCK_SIZE:
                raise
            block *= 4
    problems += writer_problems
    problems += stream.ragged.problems(width, notes)
    return SheetTable(
        name="",
        header=header.names,
        header_row=header.row,
        data_path=workdir / "sheet-0.parquet",
        row_count=row_count,
        problems=problems,
    )


def stream_rows(path, offset, header, fields, delimiter, out, block, limits, progress):
    stream = Stream(header, fields, delimiter)
    names = [f"f{i}" for i in range(fields)]
    size = max(1, path.stat().st_size)
    source = pa.OSFile(str(path))
    writer = TableWriter(out, header, limits=limits)
    try:
        source.seek(offset)
        if offset >= size:
            reader = iter(())  # a header and nothing below it
        else:
            reader = pacsv.open_csv(
                source,
                read_options=pacsv.ReadOptions(
                    column_names=names, use_threads=False, block_size=block
                ),
                parse_options=pacsv.ParseOptions(
                    delimiter=delimiter,
                    quote_char='"',
                    double_quote=True,
                    escape_char=False,
                    newlines_in_values=True,
                    ignore_empty_lines=False,
                    invalid_row_handler=stream.on_invalid,
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types={name: pa.string() for name in names},
                    null_values=[""],
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=True,
                    # prepare_text has already made sure the text is UTF-8 (checked whole, or
                    # transcoded), so pyarrow need not check every cell again
                    check_utf8=False,
                ),
            )
        last = None  # the last non-empty piece: where an unclosed quote ends up
        for batch in reader:
            for piece in stream.take(batch):
                last = piece if piece.num_rows else last
                writer.add(piece)
            progress(source.tell() / size)
        for piece in stream.take(None):
            last = piece if piece.num_rows else last
            writer.add(piece)
    except BaseException:
        writer.abort()
        source.close()
        raise
    source.close()
    problems = writer.close()
    if last is not None:
        problems += unclosed_quote(path, last, header)
    return writer.rows, stream, problems, writer.notes


QUOTE_CHECK_BYTES = 4096


def unclosed_quote(path: Path, last: pa.Table, header: Header) -> list[Problem]:
    """A problem when the file ends inside a quoted field that was never closed.

    A `"` opened and never closed makes everything after it, to the end of the file, one cell:
    the last filled cell of the last record. That cell is recognised by the raw end of the file,
    which is then `"` followed by the cell's text (quotes doubled) and at most a line break.
    Only the first and last few KB are compared, so a cell of any size costs little.
    """
    row = last.slice(last.num_rows - 1).to_pylist()[0]
    index = next(
        (i for i in reversed(range(len(header.names))) if row.get(data_column(i)) is not None),
        None,
    )
    if index is None:
        return []
    value = row[data_column(index)]
    expected = ('"' + value.replace('"', '""')).encode("utf-8").rstrip(b"\r\n")
    if len(expected) < 2:
        return []
    with open(path, "rb") as f:
        end = f.seek(0, 2)
        f.seek(max(0, end - 64))
        tail = f.read()
        end -= len(tail) - len(tail.rstrip(b"\r\n"))
        start = end - len(expected)
        if start < 0:
            return []
        # An opening quote starts a field, so it never follows a `"`; one that does is the end
        # of a closed field whose value is only quotes (`""""` is the value `"`).
        f.seek(max(0, start - 1))
        if start and f.read(1) == b'"':
            return []
        head = f.read(min(QUOTE_CHECK_BYTES, len(expected)))
        f.seek(max(start, end - QUOTE_CHECK_BYTES))
        foot = f.read(end - max(start, end - QUOTE_CHECK_BYTES))
    if head != expected[: len(head)] or foot != expected[len(expected) - len(foot) :]:
        return []
    opened = row[ROW_COLUMN]
    swallowed = value.rstrip("\r\n").count("\n")
    column = header.names[index]
    hint = _(
        'Buka berkas dengan editor teks, cari tanda kutip (") di baris %(row)s, lalu tutup dengan '
        'tanda kutip kedua atau hapus. Tanda kutip di dalam nilai ditulis dua kali (""). '
        "Menyimpan ulang dari Excel sebagai CSV UTF-8 juga memperbaikinya."
    ) % {"row": opened}
    if swallowed:
        message = _(
            'Tanda kutip (") di baris %(row)s, kolom “%(column)s”, dibuka tetapi tidak pernah '
            "ditutup: %(lines)s baris sesudahnya sampai akhir berkas terbaca sebagai isi satu sel "
            "dan tidak masuk sebagai baris data."
        ) % {"row": opened, "column": column, "lines": swallowed}
        severity = Severity.ERROR
    else:
        message = _(
            'Tanda kutip (") di baris %(row)s, kolom “%(column)s”, dibuka tetapi tidak pernah '
            "ditutup sampai akhir berkas."
        ) % {"row": opened, "column": column}
        severity = Severity.WARNING
    return [
        Problem(
            code="row.unclosed_quote",
            severity=severity,
            message=message,
            hint=hint,
            row=opened,
            column=column,
            column_index=index,
            value=value[:100],
            extra={"swallowed_lines": swallowed},
        )
    ]
