"""What a reader hands to validation and the personal-data guard: one sheet as text columns.

Every cell is kept as text exactly as the Produsen typed it (so `53.10` stays `53.10` and
`007` stays `007`); types come only from the Table Schema, in validation.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq

from .problems import Problem

ROW_COLUMN = "_row"  # int64: 1-based row number in the original file/sheet
# Footer key of a sheet's Parquet: JSON list of the null count of each column, in file order.
# The sheet files carry no min/max statistics for their text columns (see TableWriter).
NULL_COUNTS_KEY = b"satudata.null_counts"
# Footer key: JSON list of an upper bound of each data column's longest cell in bytes (the
# personal-data guard leaves out columns too short to hold anything it looks for).
MAX_BYTES_KEY = b"satudata.max_bytes"


def data_column(index: int) -> str:
    """Name of the index-th data column in the sheet's Parquet file ("c0", "c1", …)."""
    return f"c{index}"


@dataclass
class SheetTable:
    name: str  # sheet name; "" for CSV/JSON
    header: list[str]  # header texts as found (cleaned of surrounding spaces), one per column
    header_row: int  # 1-based row of the header in the original file
    data_path: Path  # Parquet: columns c0..cN (string, null for an empty cell) and _row (int64)
    row_count: int
    hidden: bool = False  # a hidden or very hidden XLSX sheet
    problems: list[Problem] = field(default_factory=list)


def null_counts(path: Path) -> list[int] | None:
    """Null count per column, in file order: from the footer key a sheet file carries, else from
    the Parquet statistics; None when neither is there for every column."""
    meta = pq.ParquetFile(path).metadata
    stored = (meta.metadata or {}).get(NULL_COUNTS_KEY)
    if stored is not None:
        counts = json.loads(stored)
        if len(counts) == meta.num_columns:
            return counts
    counts = [0] * meta.num_columns
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        for c in range(meta.num_columns):
            stats = group.column(c).statistics
            if stats is None or not stats.has_null_count:
                return None
            counts[c] += stats.null_count
    return counts


def max_bytes(path: Path) -> list[int] | None:
    """The MAX_BYTES_KEY list of a sheet file, or None when it has none."""
    stored = (pq.ParquetFile(path).metadata.metadata or {}).get(MAX_BYTES_KEY)
    return json.loads(stored) if stored is not None else None
