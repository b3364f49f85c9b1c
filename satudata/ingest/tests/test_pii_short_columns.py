"""The guard leaves unread the columns too short to hold anything it looks for, and only those."""

import random

import pyarrow.parquet as pq

from satudata.ingest import pii, read
from satudata.ingest import synthetic as syn


def upload(tmp_path, rows):
    path = tmp_path / "data.csv"
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    (tmp_path / "work").mkdir()
    return read.read_upload(path, "data.csv", tmp_path / "work")[0]


def test_short_columns_are_not_read_and_the_findings_stay_the_same(tmp_path, monkeypatch):
    r = random.Random(53)
    rows = [["jumlah", "tahun", "nik", "telepon", "kode"]]
    for _ in range(30_000):  # more than the sample: the guard samples with DuckDB
        rows.append(
            [str(r.randint(0, 9999)), str(r.randint(2015, 2025)), syn.nik(r), "0812", "53.01"]
        )
    sheet = upload(tmp_path, rows)
    read_columns = []
    original = pii.read_sample

    def spy(path, columns, sample_size):
        read_columns.append(list(columns))
        return original(path, columns, sample_size)

    monkeypatch.setattr(pii, "read_sample", spy)
    found = [p.as_dict() for p in pii.scan_sheet(sheet)]
    # nik (16 characters) and telepon (a hinted header, short values) are read; jumlah, tahun
    # and kode (no hint, shorter than 8) are not
    assert read_columns == [["c2", "c3"]]
    assert [p["column"] for p in found] == ["nik"]

    # the same file without the footer key: every column read, the same findings
    table = pq.read_table(sheet.data_path)
    meta = dict(pq.ParquetFile(sheet.data_path).metadata.metadata)
    del meta[b"satudata.max_bytes"]
    pq.write_table(table.replace_schema_metadata(meta), sheet.data_path)
    assert [p.as_dict() for p in pii.scan_sheet(sheet)] == found
    assert read_columns[-1] == ["c0", "c1", "c2", "c3", "c4"]


def test_a_long_cell_anywhere_in_the_column_gets_it_read(tmp_path):
    r = random.Random(54)
    rows = [["jumlah"]] + [[str(r.randint(0, 99))] for _ in range(25_000)]
    rows[20_000] = [syn.nik(r)]  # one long cell far down
    sheet = upload(tmp_path, rows)
    assert pq.read_metadata(sheet.data_path).metadata[b"satudata.max_bytes"] == b"[16]"
