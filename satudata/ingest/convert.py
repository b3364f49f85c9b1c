"""Downloads made from the typed Parquet: CSV, XLSX, JSON and Parquet, streamed in batches.

Memory stays bounded whatever the table size: every format is written one Arrow record
batch at a time. Spreadsheet safety: a CSV text cell that begins with = + - @ or a tab or
carriage return gets a leading apostrophe, so Excel or LibreOffice never runs it as a
formula (numbers are numbers and are left alone); XLSX cells are written as typed values,
text always as text, so no formula is ever created, and text that starts like a formula gets
Excel's quote prefix, so it stays text even when edited (xlsx_writer; satudata.lib.spreadsheet).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from django.utils.translation import gettext as _

from satudata.lib.spreadsheet import neutralise_arrow, neutralise_formula

from . import xlsx_writer
from .schema import connect

BATCH_ROWS = 50_000
EXCEL_MAX_ROWS = 1_048_576  # the header row included
BOM = "\ufeff".encode()
FORMATS = ("csv", "xlsx", "json", "parquet")


def write_downloads(
    typed_path: Path, schema: dict, workdir: Path, formats=FORMATS
) -> dict[str, Path]:
    """Write each requested format next to the typed file; returns {format: path}."""
    workdir = Path(workdir)
    writers = {"csv": write_csv, "xlsx": write_xlsx, "json": write_json, "parquet": write_parquet}
    paths = {}
    for fmt in formats:
        path = workdir / f"unduhan.{fmt}"
        writers[fmt](Path(typed_path), schema, path)
        paths[fmt] = path
    return paths


# A text cell as a spreadsheet will not run it: formula starts get an apostrophe
# (satudata.lib.spreadsheet, shared by every CSV and XLSX writer).
safe_text = neutralise_formula
_safe_strings = neutralise_arrow


def write_csv(typed_path: Path, schema: dict, path: Path) -> None:
    """UTF-8 with a BOM (Excel then reads the accents right), RFC 4180 quoting, CRLF."""
    source = pq.ParquetFile(typed_path)
    header = io.StringIO()
    csv.writer(header, lineterminator="\r\n").writerow(
        [safe_text(n) for n in source.schema_arrow.names]
    )
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed", eol="\r\n")
    with open(path, "wb") as out:
        out.write(BOM + header.getvalue().encode("utf-8"))
        writer = None
        for batch in source.iter_batches(batch_size=BATCH_ROWS):
            columns = [
                _safe_strings(col)
                if pa.types.is_string(col.type) or pa.types.is_large_string(col.type)
                else col
                for col in batch.columns
            ]
            batch = pa.RecordBatch.from_arrays(columns, schema=batch.schema)
            if writer is None:
                writer = pacsv.CSVWriter(out, batch.schema, write_options=options)
            writer.write_batch(batch)
        if writer is not None:
            writer.close()


def write_xlsx(typed_path: Path, schema: dict, path: Path) -> None:
    """One "Data" sheet, values typed, text as text; past Excel's row limit, a note sheet."""
    source = pq.ParquetFile(typed_path)
    fields = {f.get("name"): f for f in schema.get("fields", [])}
    columns = [
        xlsx_writer.Column(
            index,
            column.type,
            is_code=fields.get(column.name, {}).get("satudata:role") == "region_code",
        )
        for index, column in enumerate(source.schema_arrow)
    ]
    limit = EXCEL_MAX_ROWS - 1
    total = source.metadata.num_rows
    note = None
    if total > limit:
        note = _(
            "Excel memuat paling banyak %(limit)s baris data; berkas ini berisi %(limit)s baris "
            "pertama dari %(total)s baris. Unduh CSV atau Parquet untuk data lengkap."
        ) % {"limit": f"{limit:,}".replace(",", "."), "total": f"{total:,}".replace(",", ".")}

    def batches():
        row = 0
        for batch in source.iter_batches(batch_size=BATCH_ROWS):
            take = min(batch.num_rows, limit - row)
            if take <= 0:
                return
            yield batch.slice(0, take)
            row += take

    xlsx_writer.write_workbook(path, source.schema_arrow.names, columns, batches(), note)


def write_json(typed_path: Path, schema: dict, path: Path) -> None:
    """``{"fields": [...], "data": [{...}, ...]}``, the rows streamed out by DuckDB.

    DuckDB writes the row array in bounded memory (ten times faster than json.dumps per
    row); the typed file never holds NaN or infinity (validation types them as missing).
    """
    source = pq.ParquetFile(typed_path)
    by_name = {f.get("name"): f for f in schema.get("fields", [])}
    fields = [
        by_name.get(name, {"name": name, "type": "string"}) for name in source.schema_arrow.names
    ]
    rows = path.with_name(path.name + ".rows")
    con = connect(path.parent)
    try:
        con.execute(
            "COPY (SELECT * FROM read_parquet($source)) TO $rows (FORMAT json, ARRAY true, PRESERVE_ORDER true)",
            {"source": str(typed_path), "rows": str(rows)},
        ).fetchall()
    finally:
        con.close()
    try:
        with open(path, "wb") as out, open(rows, "rb") as data:
            out.write(
                b'{"fields": '
                + json.dumps(fields, ensure_ascii=False).encode("utf-8")
                + b', "data": '
            )
            shutil.copyfileobj(data, out, 1 << 20)
            out.write(b"}\n")
    finally:
        rows.unlink(missing_ok=True)


def write_parquet(typed_path: Path, schema: dict, path: Path) -> None:
    shutil.copyfile(typed_path, path)
