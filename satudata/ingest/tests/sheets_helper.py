"""Sheets for tests, written the way a reader writes them, without depending on the reader."""

import pyarrow as pa
import pyarrow.parquet as pq

from satudata.ingest.table import ROW_COLUMN, SheetTable, data_column


def make_sheet(tmp_path, header, rows, name="", *, first_row=2):
    """A SheetTable of text cells: "" and None become null, rows numbered from first_row."""
    columns = {data_column(i): [] for i in range(len(header))}
    for row in rows:
        row = list(row) + [None] * (len(header) - len(row))
        for i, value in enumerate(row[: len(header)]):
            columns[data_column(i)].append(None if value in ("", None) else str(value))
    table = pa.table(
        {
            **{key: pa.array(values, pa.string()) for key, values in columns.items()},
            ROW_COLUMN: pa.array(range(first_row, first_row + len(rows)), pa.int64()),
        }
    )
    path = tmp_path / f"sheet-{name or 'data'}-{len(list(tmp_path.glob('sheet-*')))}.parquet"
    pq.write_table(table, path)
    return SheetTable(
        name=name,
        header=list(header),
        header_row=first_row - 1,
        data_path=path,
        row_count=len(rows),
    )
