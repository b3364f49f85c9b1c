"""What a reader hands to validation and the personal-data guard: one sheet as text columns.

Every cell is kept as text exactly as the Produsen typed it (so `53.10` stays `53.10` and
`007` stays `007`); types come only from the Table Schema, in validation.
"""

from dataclasses import dataclass, field
from pathlib import Path

from .problems import Problem

ROW_COLUMN = "_row"  # int64: 1-based row number in the original file/sheet


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
