"""Tables from rows: the header and table rules every format shares, and the workbook and JSON readers.

A sheet is a stream of rows of text cells (None for an empty cell), numbered as the Produsen
sees them. The header is the first row that is not blank; rows above it with a single filled
cell are a title. Below it, ``TableWriter`` drops blank rows, cuts over-long cells and holds back
the last rows until the end, where notes under the table ("Sumber: ...") are found and left
out of the data. CSV (read_csv) feeds the same writer with Arrow batches.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import queue
import re
import threading
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.utils.translation import gettext as _

from .problems import Problem, Severity, column_letter
from .read import Limits, Progress, bom_encoding, encrypted, macros, refuse, resave_hint
from .table import MAX_BYTES_KEY, NULL_COUNTS_KEY, ROW_COLUMN, SheetTable, data_column

HEAD_ROWS = 200  # rows looked at to find the header and to judge the rows below it
TITLE_SEARCH = 20  # a header further down than this many filled rows has no titles above it
TAIL_ROWS = 1000  # rows held back until the end, where notes under the table are looked for
BATCH_ROWS = 20_000
LISTED = 100  # rows listed one by one per rule; one more problem carries the rest of the count
EXACT_INTEGER = 2**53
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NUMBER = re.compile(r"^\(?[+-]?\s*(rp\.?\s*)?[\d.,\s]*\d[\d.,]*\s*%?\)?$", re.I)
_MISSING = {"-", "–", "—", "..", "...", "…", "n/a", "na", "x", "*", "null", "none", "?"}
_NOTE = re.compile(r"^\s*(sumber|catatan|keterangan|ket\s*[.:]|note|notes|source|\*)", re.I)
_CODE_WORDS = {"kode", "kd", "code", "kdprov", "kdkab", "kdkec", "kddesa", "kode_wilayah"}

Cells = list[str | None]
Row = tuple[int, Cells]  # (1-based row number in the file, text cells)


def letters(index: int, first_column: int = 0) -> str:
    return column_letter(first_column + index)


def join_words(items: list[str]) -> str:
    """'A', 'A dan B', 'A, B dan C' (Indonesian list)."""
    if len(items) <= 1:
        return "".join(items)
    return _("%(items)s dan %(last)s") % {"items": ", ".join(items[:-1]), "last": items[-1]}


def row_list(numbers: Iterable[int], shown: int = 10) -> str:
    numbers = list(numbers)
    text = ", ".join(str(n) for n in numbers[:shown])
    return text + (", …" if len(numbers) > shown else "")


def is_filled(value: str | None) -> bool:
    return value is not None and not value.isspace() and value != ""


def filled_count(cells: Cells) -> int:
    return sum(1 for value in cells if is_filled(value))


# --- cells -------------------------------------------------------------------------------------


def float_text(value: float) -> str:
    """2024.0 -> '2024', 0.1 + 0.2 -> '0.3' (what Excel shows with 15 significant digits)."""
    if value.is_integer() and -EXACT_INTEGER < value < EXACT_INTEGER:
        return str(int(value))
    text = repr(value)  # the shortest form, and fast: the same as below when it has < 16 digits
    return text if len(text) < 17 else f"{value:.15g}"


def float_texts(values: pa.Array) -> pa.Array:
    """``float_text`` of every number of a float64 array at once (nulls stay null).

    Whole numbers go through int64; the others take Arrow's shortest round-trip form, which
    has the same digits as ``repr`` (both print the shortest text that reads back as the same
    float). Where the two could be written differently (exponents below 1e-4 or from 2**53,
    17 characters or more, where ``float_text`` rounds to 15 digits, NaN and infinities)
    the value goes through ``float_text`` itself. A test compares both on random floats.
    """
    size = pc.abs(values)
    integral = pc.and_(pc.equal(pc.floor(values), values), pc.less(size, float(EXACT_INTEGER)))
    whole = pc.sum(integral).as_py() or 0
    if whole == len(values) - values.null_count:
        return pc.cast(pc.cast(values, pa.int64()), pa.string())
    shortest = pc.cast(values, pa.string())
    odd = pc.or_(
        pc.or_(pc.less(size, 1e-4), pc.greater_equal(size, float(EXACT_INTEGER))),
        pc.or_(
            pc.greater_equal(pc.binary_length(shortest), 17),
            pc.or_(pc.match_substring(shortest, "e"), pc.is_nan(values)),
        ),
    )
    odd = pc.fill_null(pc.and_(pc.invert(integral), odd), False)
    if whole:
        ints = pc.cast(pc.cast(pc.if_else(integral, values, None), pa.int64()), pa.string())
        shortest = pc.if_else(integral, ints, shortest)
    if pc.any(odd).as_py():
        fixed = [float_text(v) for v in pc.filter(values, odd).to_pylist()]
        shortest = pc.replace_with_mask(shortest, odd, pa.array(fixed, pa.string()))
    return shortest


def column_texts(values: tuple | list) -> pa.Array | None:
    """``cell_text`` of a column of calamine cells made of text and numbers only, vectorised;
    None for any other column (dates, booleans), which goes cell by cell."""
    kinds = set(map(type, values))
    if not kinds <= {str, float}:
        return None
    if kinds == {float}:
        return float_texts(pa.array(values, pa.float64()))
    if float in kinds:
        numbers = float_texts(
            pa.array([v if v.__class__ is float else None for v in values], pa.float64())
        )
        texts = pa.array([v if v.__class__ is str else None for v in values], pa.string())
        texts = pc.coalesce(numbers, texts)
    else:
        texts = pa.array(values, pa.string())
    # an empty cell comes as "" from calamine
    return pc.if_else(pc.equal(texts, ""), pa.scalar(None, pa.string()), texts)


def cell_text(value) -> str | None:
    """A calamine cell as the text the Produsen sees: integers without .0, ISO dates, TRUE/FALSE."""
    kind = value.__class__
    if kind is str:
        return value or None
    if kind is float:
        return float_text(value)
    if kind is bool:
        return "TRUE" if value else "FALSE"
    if value is None:
        return None
    if kind is int:
        return str(value)
    if kind is dt.datetime:
        return value.isoformat()
    if kind is dt.date or kind is dt.time:
        return value.isoformat()
    if kind is dt.timedelta:
        seconds = int(value.total_seconds())
        sign, seconds = ("-", -seconds) if seconds < 0 else ("", seconds)
        return f"{sign}{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    return str(value)


def rows_table(rows: list[Row], width: int, text_column=None) -> pa.Table:
    """Rows of cells as the Parquet layout: c0..cN (string) and _row (int64).

    text_column(values, index) turns a column of raw cells into text (None: they are text).
    """
    cells_list = [cells for _, cells in rows]
    if cells_list and set(map(len, cells_list)) != {width}:
        cells_list = [
            cells[:width] if len(cells) >= width else [*cells, *[None] * (width - len(cells))]
            for cells in cells_list
        ]
    columns: list = list(zip(*cells_list, strict=True)) if rows and width else [()] * width
    if text_column:
        columns = [text_column(values, i) for i, values in enumerate(columns)]
    arrays = {
        data_column(i): columns[i]
        if isinstance(columns[i], pa.Array)
        else pa.array(columns[i], pa.string())
        for i in range(width)
    }
    arrays[ROW_COLUMN] = pa.array([number for number, _ in rows], pa.int64())
    return pa.table(arrays)


# --- header ------------------------------------------------------------------------------------


@dataclass
class Header:
    row: int  # 1-based row of the header in the file
    names: list[str]  # one per column: cleaned, blank ones named kolom_N, duplicates renamed
    sheet: str = ""
    first_column: int = 0  # sheet column of c0, for the letters in messages
    blank: list[int] = field(default_factory=list)  # columns whose header cell was empty
    problems: list[Problem] = field(default_factory=list)


def locate_header(rows: list[Row]) -> int | None:
    """Index of the header in rows: the first row with two filled cells, after title rows."""
    candidates = [i for i, (_, cells) in enumerate(rows) if filled_count(cells)]
    for i in candidates[:TITLE_SEARCH]:
        if filled_count(rows[i][1]) >= 2:
            return i
    return candidates[0] if candidates else None


def build_header(
    cells: Cells, row: int, *, width: int, sheet: str, first_column: int, limits: Limits
) -> Header:
    header = Header(row=row, names=[], sheet=sheet, first_column=first_column)
    cells = list(cells[:width]) + [None] * (width - len(cells))

    def problem(code, severity, message, hint, index=None, value=""):
        header.problems.append(
            Problem(
                code=code,
                severity=severity,
                message=message,
                hint=hint,
                sheet=sheet,
                row=row,
                column=header.names[index]
                if index is not None and index < len(header.names)
                else "",
                column_index=index,
                value=value[:100],
            )
        )

    for index, raw in enumerate(cells):
        raw = raw or ""
        control = _CONTROL.search(raw)
        text = _SPACES.sub(" ", raw).strip()
        if len(text) > limits.max_header_chars:
            header.names.append(text[: limits.max_header_chars])
            problem(
                "header.too_long",
                Severity.ERROR,
                _(
                    "Nama kolom %(letter)s terlalu panjang (%(length)s karakter; batasnya %(limit)s) dan dipotong."
                )
                % {
                    "letter": letters(index, first_column),
                    "length": len(text),
                    "limit": limits.max_header_chars,
                },
                _(
                    "Tulis nama kolom yang singkat; penjelasan panjang masuk ke definisi kolom di metadata."
                ),
                index,
                text,
            )
            text = header.names[-1]
        elif text:
            header.names.append(text)
        else:
            header.blank.append(index)
            header.names.append(f"kolom_{first_column + index + 1}")
            continue
        if control or "<" in text or ">" in text:
            problem(
                "header.suspicious",
                Severity.WARNING,
                _("Nama kolom %(letter)s berisi tanda < > atau karakter kendali: '%(name)s'.")
                % {"letter": letters(index, first_column), "name": text[:100]},
                _(
                    "Nama kolom disimpan apa adanya sebagai teks; sebaiknya pakai huruf, angka dan garis bawah saja."
                ),
                index,
                text,
            )
    dedupe(header, problem)
    return header


def dedupe(header: Header, problem) -> None:
    groups: dict[str, list[int]] = {}
    for index, name in enumerate(header.names):
        if index not in header.blank:
            groups.setdefault(name.casefold(), []).append(index)
    taken = {name.casefold() for name in header.names}
    for indexes in groups.values():
        if len(indexes) < 2:
            continue
        original = header.names[indexes[0]]
        problem(
            "header.duplicate",
            Severity.ERROR,
            _("Nama kolom '%(name)s' dipakai lebih dari sekali (kolom %(columns)s).")
            % {
                "name": original[:100],
                "columns": join_words([letters(i, header.first_column) for i in indexes]),
            },
            _("Beri setiap kolom nama yang berbeda."),
            indexes[1],
            original,
        )
        number = 2
        for index in indexes[1:]:
            name = header.names[index]
            while f"{name}_{number}".casefold() in taken:
                number += 1
            header.names[index] = f"{name}_{number}"
            taken.add(header.names[index].casefold())


def blank_header_problems(header: Header, filled: list[int]) -> list[Problem]:
    """Blank header cells: an error over a column with data, a warning over an empty one."""
    problems = []
    for index in header.blank:
        has_data = index < len(filled) and filled[index] > 0
        problems.append(
            Problem(
                code="header.blank",
                severity=Severity.ERROR if has_data else Severity.WARNING,
                message=(
                    _(
                        "Kolom %(letter)s tidak punya nama (sel header kosong); sementara dinamai '%(name)s'."
                    )
                    if has_data
                    else _(
                        "Kolom %(letter)s tidak punya nama dan tidak berisi data; dinamai '%(name)s'."
                    )
                )
                % {"letter": letters(index, header.first_column), "name": header.names[index]},
                hint=_("Isi nama kolom di baris header, atau hapus kolom itu jika tidak dipakai."),
                sheet=header.sheet,
                row=header.row,
                column=header.names[index],
                column_index=index,
            )
        )
    return problems


def title_problem(titles: list[int], sheet: str) -> list[Problem]:
    if not titles:
        return []
    return [
        Problem(
            code="header.title_rows",
            severity=Severity.WARNING,
            message=_("Judul tabel di atas header (baris %(rows)s) tidak dimasukkan ke data.")
            % {"rows": row_list(titles)},
            hint=_("Mulai tabel dari baris nama kolom; tulis judul tabel di metadata dataset."),
            sheet=sheet,
            row=titles[0],
            count=len(titles),
        )
    ]


def is_number(value: str) -> bool:
    return bool(_NUMBER.match(value))


def second_header_row(width: int, below: list[Row]) -> int | None:
    """The row under the header if it looks like a second header row (text over numeric columns)."""
    rows = [(number, cells) for number, cells in below if filled_count(cells)]
    if len(rows) < 3:
        return None
    (number, first), rest = rows[0], rows[1:51]
    numeric = []
    for j in range(width):
        values = [cells[j] for _, cells in rest if j < len(cells) and is_filled(cells[j])]
        values = [v.strip() for v in values if v.strip().lower() not in _MISSING]
        if len(values) >= 2 and sum(is_number(v) for v in values) >= 0.8 * len(values):
            numeric.append(j)
    texts = {
        first[j].strip()
        for j in numeric
        if j < len(first) and is_filled(first[j]) and first[j].strip().lower() not in _MISSING
    }
    cells = [v.strip() for v in first if is_filled(v)]
    if (
        len(numeric) >= 2
        and len(texts) >= 2
        and len(texts) >= 0.5 * len(numeric)
        and not any(is_number(v) for v in cells)
    ):
        return number
    return None


def multirow_problem(
    row: int, sheet: str, *, text_row: bool = True, merged: str = "", severity: str = Severity.ERROR
) -> Problem:
    """Several header rows: found from a text row over numbers (text_row) and/or merged header cells."""
    if text_row:
        message = _(
            "Tabel tampaknya memakai lebih dari satu baris header: baris %(row)s berisi teks, "
            "padahal data di bawahnya angka."
        ) % {"row": row}
        if merged:
            message += " " + _("Sel header juga digabung (%(ranges)s).") % {"ranges": merged}
    else:
        message = _(
            "Sel header digabung (%(ranges)s): tabel tampaknya memakai lebih dari satu baris header."
        ) % {"ranges": merged}
    return Problem(
        code="header.multirow",
        severity=severity,
        message=message,
        hint=_(
            "Jadikan header satu baris saja, satu nama per kolom (misalnya 'penduduk_laki_laki'), "
            "tanpa sel yang digabung, lalu hapus baris header kedua."
        ),
        sheet=sheet,
        row=row,
    )


# --- the writer --------------------------------------------------------------------------------


class TableWriter:
    """Writes a sheet's data rows to Parquet in a background thread, applying the table rules."""

    def __init__(self, path: Path, header: Header, *, limits: Limits):
        self.path, self.header, self.limits = path, header, limits
        self.width = len(header.names)
        self.schema = pa.schema(
            [pa.field(data_column(i), pa.string()) for i in range(self.width)]
            + [pa.field(ROW_COLUMN, pa.int64())]
        )
        # A small dictionary page limit: unique columns (ids, amounts) fall back to plain
        # encoding at once instead of building a large dictionary first; twice as fast.
        # Min/max statistics of the text columns would cost as much as the rest of the write
        # together, and nothing filters on them: only the row numbers get statistics, and the
        # null count of each column goes into the footer (NULL_COUNTS_KEY) at close.
        # Uncompressed: the file lives only in the run's workdir, and compressing it cost more
        # than anything else in its write (1M rows: 0.23 s CPU less, 0.1 s wall; 5M rows: the
        # same peak memory, 496-502 MB against 505-509 MB with snappy, 2026-11-29, fourth
        # session; an earlier measurement of 625 MB did not reproduce). It is ~1.7× larger
        # on disk than with snappy.
        self.file = pq.ParquetWriter(
            path,
            self.schema,
            compression="none",
            dictionary_pagesize_limit=64 * 1024,
            write_statistics=[ROW_COLUMN],
        )
        self.queue: queue.Queue = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._drain, name="parquet-writer", daemon=True)
        self.thread.start()
        self.pending: pa.Table | None = None
        self.blank = array("q")  # row numbers of blank rows, ascending
        self.filled = [0] * self.width
        self.max_bytes = [0] * self.width  # longest cell seen per column, before any cut
        self.long_cells: list[tuple[int, int, int]] = []  # (row, column, length), the first LISTED
        self.long_count = 0
        self.rows = 0
        self.last_written = header.row
        self.notes: list[int] = []
        named = [i for i in range(self.width) if i not in header.blank]
        self.note_column = named[0] if named else 0  # notes sit in the table's first column

    def _drain(self) -> None:
        while (table := self.queue.get()) is not None:
            if self.error is None:
                try:
                    self.file.write_table(table)
                except BaseException as error:  # noqa: BLE001 - handed to the reading thread
                    self.error = error

    def _write(self, table: pa.Table) -> None:
        if self.error is not None:
            raise self.error
        if table.num_rows:
            self.queue.put(table)
            self.rows += table.num_rows
            self.last_written = table[ROW_COLUMN][-1].as_py()

    def add(self, table: pa.Table) -> None:
        """Data rows in the Parquet layout (c0..cN, _row), in file order."""
        if not table.num_rows:
            return
        if self.width:
            empty = pc.is_null(table.column(0))
            for i in range(1, self.width):
                empty = pc.and_(empty, pc.is_null(table.column(i)))
            if pc.any(empty).as_py():
                self.blank.extend(pc.filter(table[ROW_COLUMN], empty).to_pylist())
                table = table.filter(pc.invert(empty))
        table = self._cut_long_cells(table)
        for i in range(self.width):
            self.filled[i] += table.num_rows - table.column(i).null_count
        pending = table if self.pending is None else pa.concat_tables([self.pending, table])
        if pending.num_rows > TAIL_ROWS:
            cut = pending.num_rows - TAIL_ROWS
            self._write(pending.slice(0, cut))
            pending = pending.slice(cut)
        self.pending = pending

    def _cut_long_cells(self, table: pa.Table) -> pa.Table:
        limit = self.limits.max_cell_chars
        for i in range(self.width):
            column = table.column(i)
            longest = pc.max(pc.binary_length(column)).as_py() or 0
            self.max_bytes[i] = max(self.max_bytes[i], longest)
            if longest <= limit:
                continue  # bytes >= characters, so no cell can be too long
            lengths = pc.utf8_length(column)
            over = pc.fill_null(pc.greater(lengths, limit), False)
            if not pc.any(over).as_py():
                continue
            found = zip(
                pc.filter(table[ROW_COLUMN], over).to_pylist(),
                pc.filter(lengths, over).to_pylist(),
                strict=True,
            )
            for row, length in found:
                self.long_count += 1
                if len(self.long_cells) < LISTED:
                    self.long_cells.append((row, i, length))
            table = table.set_column(i, data_column(i), pc.utf8_slice_codeunits(column, 0, limit))
        return table

    def _notes_start(self, pending: pa.Table) -> int | None:
        """Where notes under the table begin in the held-back rows: rows with only the first cell
        filled, after a blank row or starting with Sumber/Catatan/Keterangan."""
        first = pc.coalesce(*[pending.column(i) for i in range(self.note_column + 1)]).to_pylist()
        filled = pc.cast(pc.is_valid(pending.column(0)), pa.int32())
        for i in range(1, self.width):
            filled = pc.add(filled, pc.cast(pc.is_valid(pending.column(i)), pa.int32()))
        alone = pc.equal(filled, 1).to_pylist()
        numbers = pending[ROW_COLUMN].to_pylist()
        if self.width == 1:
            # every row of a one-column table has one cell: notes are Sumber/Catatan… after a blank row
            for k in range(len(first) - 1, -1, -1):
                before = numbers[k - 1] if k else self.last_written
                gap = bisect_right(self.blank, before) < bisect_left(self.blank, numbers[k])
                if gap and first[k] and _NOTE.match(first[k]) and (k or self.rows):
                    return k
            return None
        start = len(first)
        while start > 0 and first[start - 1] is not None and alone[start - 1]:
            start -= 1
        if start == len(first) or (start == 0 and self.rows == 0):
            return None  # no such rows, or the whole table is like that (a list, not notes)
        last_data = numbers[start - 1] if start else self.last_written
        if bisect_right(self.blank, last_data) < bisect_left(self.blank, numbers[start]):
            return start
        return next((i for i in range(start, len(first)) if _NOTE.match(first[i])), None)

    def abort(self) -> None:
        """Stop the writer thread after a failure elsewhere; the file is left incomplete."""
        self.queue.put(None)
        self.thread.join()
        with contextlib.suppress(Exception):  # the failure being handled is the one to report
            self.file.close()

    def close(self) -> list[Problem]:
        """Write what is held back (without notes), finish the file; the table's problems."""
        pending, notes_text = self.pending, ""
        if pending is not None and pending.num_rows and self.width:
            start = self._notes_start(pending)
            if start is not None:
                notes = pending.slice(start)
                self.notes = notes[ROW_COLUMN].to_pylist()
                notes_text = pc.coalesce(*[notes.column(i) for i in range(self.note_column + 1)])[
                    0
                ].as_py()
                for i in range(self.width):
                    self.filled[i] -= notes.num_rows - notes.column(i).null_count
                pending = pending.slice(0, start)
        if pending is not None:
            self._write(pending)
        self.queue.put(None)
        self.thread.join()
        if self.error is None:
            nulls = [self.rows - filled for filled in self.filled] + [0]
            self.file.add_key_value_metadata(
                {NULL_COUNTS_KEY: json.dumps(nulls), MAX_BYTES_KEY: json.dumps(self.max_bytes)}
            )
        self.file.close()
        if self.error is not None:
            raise self.error
        return self._problems(notes_text)

    def _problems(self, notes_text: str) -> list[Problem]:
        sheet, names = self.header.sheet, self.header.names
        problems = blank_header_problems(self.header, self.filled)
        inside = bisect_left(self.blank, self.last_written)
        if inside:
            problems.append(
                Problem(
                    code="table.blank_rows",
                    severity=Severity.WARNING,
                    message=_("%(count)s baris kosong di tengah data dilewati (baris %(rows)s).")
                    % {"count": inside, "rows": row_list(self.blank[:inside])},
                    hint=_(
                        "Tidak perlu tindakan jika baris itu memang kosong. Jika lembar ini berisi "
                        "beberapa tabel, pisahkan tiap tabel ke lembar atau berkas sendiri."
                    ),
                    sheet=sheet,
                    row=self.blank[0],
                    count=inside,
                )
            )
        if self.notes:
            problems.append(
                Problem(
                    code="table.notes_below",
                    severity=Severity.WARNING,
                    message=_(
                        "%(count)s baris catatan di bawah tabel (baris %(rows)s) tidak dimasukkan ke data."
                    )
                    % {"count": len(self.notes), "rows": row_list(self.notes)},
                    hint=_("Tulis sumber dan catatan di metadata dataset, bukan di bawah tabel."),
                    sheet=sheet,
                    row=self.notes[0],
                    value=(notes_text or "")[:100],
                    count=len(self.notes),
                )
            )
        for row, index, length in self.long_cells:
            problems.append(
                Problem(
                    code="cell.too_long",
                    severity=Severity.ERROR,
                    message=_(
                        "Isi sel terlalu panjang (%(length)s karakter; batasnya %(limit)s) dan dipotong."
                    )
                    % {"length": length, "limit": self.limits.max_cell_chars},
                    hint=_("Pendekkan isi sel; teks panjang sebaiknya menjadi dokumen pendukung."),
                    sheet=sheet,
                    row=row,
                    column=names[index],
                    column_index=index,
                )
            )
        if self.long_count > len(self.long_cells):
            rest = self.long_count - len(self.long_cells)
            problems.append(
                Problem(
                    code="cell.too_long",
                    severity=Severity.ERROR,
                    message=_("… dan %(count)s sel lain juga terlalu panjang dan dipotong.")
                    % {"count": rest},
                    hint=_("Pendekkan isi sel; teks panjang sebaiknya menjadi dokumen pendukung."),
                    sheet=sheet,
                    count=rest,
                )
            )
        return problems


# --- rows to a sheet ---------------------------------------------------------------------------


def table_from_rows(
    rows: Iterator[Row],
    path: Path,
    *,
    width: int,
    limits: Limits,
    sheet: str = "",
    first_column: int = 0,
    header_cells: Cells | None = None,
    header_row: int = 1,
    merged: list[tuple[tuple[int, int], tuple[int, int]]] | None = None,
    progress=None,
    text_column=None,
    on_header=None,
) -> tuple[SheetTable, Header] | None:
    """A SheetTable from numbered rows of cells; None when no row has anything in it.

    header_cells: a header that is not in the rows (JSON keys); otherwise it is looked for.
    text_column: turns raw cells into text, a column of a batch at a time (see rows_table).
    """
    problems: list[Problem] = []
    below: list[Row] = []
    if header_cells is None:
        head = list(itertools.islice(rows, HEAD_ROWS))
        if text_column and head:
            table = rows_table(head, width, text_column)
            texts = zip(*[table.column(i).to_pylist() for i in range(width)], strict=True)
            head = [
                (number, list(cells)) for (number, _raw), cells in zip(head, texts, strict=True)
            ]
        index = locate_header(head)
        if index is None:
            return None
        header_row, header_cells = head[index]
        below = head[index + 1 :]
        problems += title_problem([n for n, cells in head[:index] if filled_count(cells)], sheet)
    header = build_header(
        header_cells, header_row, width=width, sheet=sheet, first_column=first_column, limits=limits
    )
    problems += header.problems
    if on_header:
        on_header(header)
    second = second_header_row(width, below)
    problems += merged_problems(merged or [], header, first_column, sheet, second=second)
    writer = TableWriter(path, header, limits=limits)
    try:
        writer.add(rows_table(below, width))
        # a batch at a time through islice: no Python step per row
        while batch := list(itertools.islice(rows, BATCH_ROWS)):
            writer.add(rows_table(batch, width, text_column))
            if progress:
                progress(batch[-1][0])
    except BaseException:
        writer.abort()
        raise
    problems += writer.close()
    table = SheetTable(
        name=sheet,
        header=header.names,
        header_row=header.row,
        data_path=path,
        row_count=writer.rows,
        problems=problems,
    )
    return table, header


def merged_problems(
    merged, header: Header, first_column: int, sheet: str, *, second: int | None
) -> list[Problem]:
    """header.multirow (a second header row and/or merged header cells) and sheet.merged_cells."""

    def a1(r0, c0, r1, c1):
        return f"{column_letter(c0)}{r0 + 1}:{column_letter(c1)}{r1 + 1}"

    top = header.row - 1
    in_header = [(a, b, c, d) for (a, b), (c, d) in merged if a <= top <= c]
    in_data = sorted((a, b, c, d) for (a, b), (c, d) in merged if a > top)
    problems = []
    if in_header or second is not None:
        vertical = any(c > top for _, _, c, _ in in_header)
        problems.append(
            multirow_problem(
                second or header.row,
                sheet,
                text_row=second is not None,
                merged=", ".join(a1(*m) for m in in_header[:10]),
                severity=Severity.ERROR if vertical or second is not None else Severity.WARNING,
            )
        )
    if in_data:
        problems.append(
            Problem(
                code="sheet.merged_cells",
                severity=Severity.WARNING,
                message=_(
                    "Ada %(count)s sel gabungan di area data (%(ranges)s); hanya sel kiri atasnya yang berisi nilai."
                )
                % {
                    "count": len(in_data),
                    "ranges": ", ".join(a1(*m) for m in in_data[:10])
                    + (", …" if len(in_data) > 10 else ""),
                },
                hint=_(
                    "Pisahkan sel gabungan (Merge & Center dimatikan) dan isi nilainya di setiap baris."
                ),
                sheet=sheet,
                row=in_data[0][0] + 1,
                column_index=in_data[0][1] - first_column,
                count=len(in_data),
            )
        )
    return problems


# --- workbooks (XLSX, XLSB, XLS, ODS) ----------------------------------------------------------


def looks_like_code(name: str) -> bool:
    words = set(re.split(r"[^a-z0-9_]+", name.lower())) | set(re.split(r"[^a-z0-9]+", name.lower()))
    return bool(words & _CODE_WORDS)


def read_workbook(
    path: Path, kind: str, workdir: Path, *, limits: Limits, progress: Progress
) -> list[SheetTable]:
    from python_calamine import CalamineWorkbook, PasswordError, SheetTypeEnum, SheetVisibleEnum

    try:
        book = CalamineWorkbook.from_path(str(path))
    except PasswordError as error:
        raise encrypted() from error
    with book:
        metadata = book.sheets_metadata
        if any(meta.typ == SheetTypeEnum.MacroSheet for meta in metadata):
            raise macros()
        sheets = []
        for index, meta in enumerate(metadata):
            if meta.typ != SheetTypeEnum.WorkSheet:
                continue  # chart and dialog sheets hold no table
            try:
                sheet = book.get_sheet_by_index(index)
            except PasswordError as error:
                raise encrypted() from error
            part = progress.part(index / len(metadata), (index + 1) / len(metadata))
            table = read_calamine_sheet(
                sheet, meta.name, workdir / f"sheet-{index}.parquet", limits=limits, progress=part
            )
            if table is not None:
                table.hidden = meta.visible != SheetVisibleEnum.Visible
                sheets.append(table)
    if not sheets:
        raise refuse(
            "file.empty",
            _("Buku kerja tidak berisi data: semua lembarnya kosong."),
            _(
                "Periksa bahwa Anda mengunggah berkas yang benar dan tabelnya ada di salah satu lembar."
            ),
        )
    return sheets


def read_calamine_sheet(
    sheet, name: str, path: Path, *, limits: Limits, progress: Progress
) -> SheetTable | None:
    if sheet.start is None:
        return None
    (first_row, first_column), (last_row, last_column) = sheet.start, sheet.end
    width = last_column - first_column + 1
    if width > limits.max_columns:
        raise too_many_columns(width, limits)
    fractional: dict[int, str] = {}  # column -> a non-integer number seen in it
    codes: set[int] | None = None  # columns named like codes, once the header is known

    def set_codes(columns: set[int]) -> None:
        nonlocal codes
        codes = columns

    # calamine yields rows from the sheet's first row, cells from its first used column; the
    # rows above the first used one are blank. Numbered without a Python step per row.
    rows: Iterator[Row] = zip(
        itertools.count(first_row + 1), itertools.islice(sheet.iter_rows(), first_row, None)
    )

    def text_column(values: tuple, j: int) -> list | pa.Array:
        if j not in fractional and (codes is None or j in codes):
            example = next((v for v in values if v.__class__ is float and not v.is_integer()), None)
            if example is not None:
                fractional[j] = float_text(example)
        texts = column_texts(values)
        if texts is not None:
            return texts
        # dates, times or booleans among the cells: rare enough to go one by one
        return [cell_text(v) for v in values]

    made = table_from_rows(
        rows,
        path,
        width=width,
        limits=limits,
        sheet=name,
        first_column=first_column,
        merged=sheet.merged_cell_ranges or [],
        progress=lambda number: progress(number / (last_row + 1)),
        text_column=text_column,
        on_header=lambda header: set_codes(
            {j for j, n in enumerate(header.names) if looks_like_code(n)}
        ),
    )
    if made is None:
        return None
    table, header = made
    for j, example in sorted(fractional.items()):
        if j < len(header.names) and looks_like_code(header.names[j]):
            table.problems.append(
                Problem(
                    code="cell.code_as_number",
                    severity=Severity.WARNING,
                    message=_(
                        "Kolom '%(column)s' berisi kode yang disimpan Excel sebagai angka (mis. %(value)s); "
                        "angka nol di belakang, seperti pada 53.10, sudah hilang di berkas ini."
                    )
                    % {"column": header.names[j], "value": example},
                    hint=_(
                        "Format kolom itu sebagai Teks di Excel, ketik ulang kodenya (53.10), lalu unggah lagi."
                    ),
                    sheet=name,
                    column=header.names[j],
                    column_index=j,
                    value=example,
                )
            )
    return table


def too_many_columns(count: int, limits: Limits):
    return refuse(
        "file.too_many_columns",
        _("Tabel memiliki %(count)s kolom; batasnya %(limit)s kolom.")
        % {
            "count": f"{count:,}".replace(",", "."),
            "limit": f"{limits.max_columns:,}".replace(",", "."),
        },
        _(
            "Periksa pemisah kolomnya, atau ubah tabel lebar menjadi tabel panjang "
            "(satu baris per wilayah dan periode, satu kolom per ukuran)."
        ),
        columns=count,
    )


# --- JSON --------------------------------------------------------------------------------------


class _Literal(str):
    """A JSON number kept as written, so that 53.10 stays '53.10'."""


_WHITESPACE = re.compile(r"[ \t\r\n]*")
JSON_CHUNK = 1024 * 1024
DATA_KEYS = ("data", "records")


class _JsonStream:
    """The records of a JSON array (top level, or under "data"/"records"), one at a time."""

    def __init__(self, f):
        self.f, self.buf, self.pos, self.eof = f, "", 0, False
        self.decoder = json.JSONDecoder(
            parse_float=_Literal, parse_int=_Literal, parse_constant=_Literal
        )
        self.consumed = 0

    def more(self) -> None:
        chunk = self.f.read(max(JSON_CHUNK, len(self.buf) - self.pos))
        self.consumed += len(chunk)
        self.eof = not chunk
        self.buf, self.pos = self.buf[self.pos :] + chunk, 0

    def peek(self) -> str:
        while True:
            self.pos = _WHITESPACE.match(self.buf, self.pos).end()
            if self.pos < len(self.buf) or self.eof:
                return self.buf[self.pos : self.pos + 1]
            self.more()

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise json.JSONDecodeError(f"'{char}' expected", self.buf, self.pos)
        self.pos += 1

    def value(self):
        self.peek()  # raw_decode does not skip whitespace
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buf, self.pos)
                if end < len(self.buf) or self.eof:
                    self.pos = end
                    return value
            except json.JSONDecodeError:
                if self.eof:
                    raise
            self.more()  # the value may continue in the next chunk

    def records(self) -> Iterator:
        self.more()
        if self.peek() == "{":
            self.pos += 1
            while self.peek() != "[":
                if self.peek() != '"':
                    raise json_shape_error()
                key = self.value()
                self.expect(":")
                if key.lower() in DATA_KEYS and self.peek() == "[":
                    break
                self.value()
                if self.peek() == ",":
                    self.pos += 1
        self.expect("[")
        if self.peek() == "]":
            return
        while True:
            yield self.value()
            following = self.peek()
            self.pos += 1
            if following == "]":
                return
            if following != ",":
                raise json.JSONDecodeError("',' or ']' expected", self.buf, self.pos - 1)


def json_text(value) -> str | None:
    if value is None:
        return None
    if value is True or value is False:
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return str(value) or None
    return json.dumps(_plain(value), ensure_ascii=False)


def _plain(value):
    if isinstance(value, _Literal):
        return json.loads(value) if value not in ("NaN", "Infinity", "-Infinity") else str(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def json_records(path: Path) -> Iterator:
    with open(path, "rb") as f:
        encoding = bom_encoding(f.read(4))[0] or "utf-8"
    # the BOM-aware codecs, so that the BOM is not read as a character
    encoding = {"utf-8": "utf-8-sig"}.get(encoding, encoding[:6])
    with open(path, encoding=encoding) as f:
        stream = _JsonStream(f)
        yield from ((stream.consumed, record) for record in stream.records())


def json_shape_error() -> Exception:
    return refuse(
        "file.json_shape",
        _(
            'Isi JSON bukan tabel: yang diterima adalah daftar objek, misalnya [{"tahun": 2024, "nilai": 5}, …].'
        ),
        _(
            'Simpan data sebagai daftar objek (satu objek per baris, kunci yang sama), atau di bawah kunci "data".'
        ),
    )


def read_json(path: Path, workdir: Path, *, limits: Limits, progress: Progress) -> SheetTable:
    size = max(1, path.stat().st_size)
    keys: dict[str, None] = {}
    kind, width = None, 0
    try:
        # First pass: the columns (every key, in order of appearance); second pass: the rows.
        for _consumed, record in json_records(path):
            if kind is None:
                kind = type(record)
            if not isinstance(record, dict | list) or type(record) is not kind:
                raise json_shape_error()
            if kind is dict:
                keys.update(dict.fromkeys(record))
                width = len(keys)
            else:
                width = max(width, len(record))
            if width > limits.max_columns:
                raise too_many_columns(width, limits)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise refuse(
            "file.json_invalid",
            _("Berkas JSON tidak valid atau bukan UTF-8 (%(error)s).")
            % {"error": str(error)[:200]},
            _("Periksa berkas dengan validator JSON, simpan sebagai UTF-8, lalu unggah lagi."),
            detail=str(error)[:2000],
        ) from error
    if kind is None or (kind is dict and not keys):
        raise refuse(
            "file.empty", _("Berkas JSON tidak berisi satu baris data pun."), resave_hint()
        )
    names = list(keys)

    def rows() -> Iterator[Row]:
        for number, (consumed, record) in enumerate(json_records(path), 2 if kind is dict else 1):
            if number % BATCH_ROWS == 0:
                progress(consumed / size)
            if kind is dict:
                yield number, [json_text(record.get(name)) for name in names]
            else:
                yield number, [json_text(value) for value in record]

    made = table_from_rows(
        rows(),
        workdir / "sheet-0.parquet",
        width=width,
        limits=limits,
        header_cells=names if kind is dict else None,
        header_row=1,
    )
    if made is None:
        raise refuse(
            "file.empty", _("Berkas JSON tidak berisi satu baris data pun."), resave_hint()
        )
    return made[0]
