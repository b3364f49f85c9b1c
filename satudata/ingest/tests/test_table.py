"""The sheet files' footer: null counts stored by the writer agree with the data."""

import pyarrow.parquet as pq

from satudata.ingest import read
from satudata.ingest.table import NULL_COUNTS_KEY, null_counts


def test_sheet_file_carries_exact_null_counts_and_no_text_statistics(tmp_path):
    lines = ["kode,nama,jumlah"]
    for i in range(3000):
        lines.append(
            f"53.{i % 22 + 1:02d},{'' if i % 3 == 0 else 'nama'},{'' if i % 7 == 0 else i}"
        )
    lines += ["", "Sumber: data contoh"]  # a note under the table is not data
    path = tmp_path / "data.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "work").mkdir()
    sheet = read.read_upload(path, path.name, tmp_path / "work")[0]

    table = pq.read_table(sheet.data_path)
    assert table.num_rows == 3000
    assert null_counts(sheet.data_path) == [column.null_count for column in table.columns]
    assert null_counts(sheet.data_path)[1:3] == [1000, 429]
    meta = pq.ParquetFile(sheet.data_path).metadata
    assert NULL_COUNTS_KEY in meta.metadata
    assert meta.row_group(0).column(1).statistics is None  # text columns: no min/max to compute


def test_null_counts_fall_back_to_statistics(tmp_path):
    import pyarrow as pa

    path = tmp_path / "plain.parquet"
    pq.write_table(pa.table({"a": [1, None, 3], "b": ["x", None, None]}), path)
    assert null_counts(path) == [1, 2]
    pq.write_table(pa.table({"a": [1, None, 3]}), path, write_statistics=False)
    assert null_counts(path) is None
