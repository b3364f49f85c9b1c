"""Runs share one DuckDB database per process, each through its own connection."""

from concurrent.futures import ThreadPoolExecutor

from satudata.ingest import schema
from satudata.ingest.validate import validate

from .sheets_helper import make_sheet
from .test_validate import REGIONS


def test_one_database_per_process_and_a_connection_per_run():
    first, second = schema.connect(), schema.connect()
    try:
        assert schema._shared_database() is schema._shared_database()
        first.execute("CREATE TABLE shared_probe AS SELECT 1 AS x")  # the same database …
        try:
            assert second.execute("SELECT x FROM shared_probe").fetchall() == [(1,)]
        finally:
            first.execute("DROP TABLE shared_probe")
        first.execute("CREATE TEMP TABLE rows_of_run AS SELECT 1 AS x")
        # another run does not see this run's temporary tables …
        tables = "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'rows_of_run'"
        assert second.execute(tables).fetchall() == [(0,)]
        # … and its bounds are the ingestion bounds
        settings = dict(
            second.execute(
                "SELECT name, value FROM duckdb_settings() WHERE name IN ('threads', 'preserve_insertion_order')"
            ).fetchall()
        )
        assert settings == {"threads": str(schema.THREADS), "preserve_insertion_order": "true"}
    finally:
        first.close()
    third = schema.connect()
    try:  # closed with its connection
        assert third.execute(tables).fetchall() == [(0,)]
    finally:
        third.close()
        second.close()


def test_a_forked_child_opens_its_own_database(monkeypatch):
    database = schema._shared_database()
    monkeypatch.setattr(schema.os, "getpid", lambda: -1)
    assert schema._shared_database() is not database


def test_runs_side_by_side_give_the_answers_they_give_alone(tmp_path):
    fields = {
        "fields": [
            {"name": "kode", "type": "string", "satudata:role": "region_code"},
            {"name": "tahun", "type": "integer", "constraints": {"minimum": 2000}},
            {"name": "nilai", "type": "number", "constraints": {"minimum": 0}},
        ]
    }
    sheets = []
    for k in range(6):
        rows = [
            ["53.01" if i % 7 else "53.99", str(1990 + (i + k) % 40), str(i - k * 3)]
            for i in range(2000)
        ]
        sheets.append(make_sheet(tmp_path, ["kode", "tahun", "nilai"], rows, name=f"s{k}"))

    def summary(k):
        workdir = tmp_path / f"run-{k}-{len(list(tmp_path.glob('run-*')))}"
        result = validate(sheets[k], fields, REGIONS, workdir)
        return result.counts_by_code, result.error_count, result.typed_path.read_bytes()

    alone = [summary(k) for k in range(len(sheets))]
    with ThreadPoolExecutor(max_workers=3) as pool:
        together = list(pool.map(summary, range(len(sheets))))
    assert [a[:2] for a in together] == [a[:2] for a in alone]
    assert [a[2] for a in together] == [a[2] for a in alone]
    assert all(a[1] > 0 for a in alone)  # each sheet has its own errors to find
