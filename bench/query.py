"""Query benchmark: our /api/v1 (DuckDB on Parquet) against Datasette (SQLite), same rows, same load.

    make bench-query                 # ROWS=1000000, DURATION=10 s per run, CONCURRENCY=8
    ROWS=20000 DURATION=3 make bench-query

One table (kode_wilayah, tahun, kategori, nilai) is published through our ingestion pipeline
and loaded into SQLite for Datasette (facet suggestions off, kode_wilayah indexed; with
DATASETTE_IMMUTABLE=1 also immutable mode, which pre-counts the table). Both servers listen on 127.0.0.1; a threaded keep-alive HTTP
client puts the same bounded concurrency on each, one after the other, for
(a) a 100-row page, (b) a filter on the region with a facet on the category (the region
cycles over all 22 codes, the same sequence for both) and (c) a group-by sum by region.
The last line printed is JSON.
"""

import http.client
import json
import os
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CODES = [f"53.{i:02d}" for i in range(1, 22)] + ["53.71"]
CATEGORIES = ["Laki-laki", "Perempuan", "Perkotaan", "Perdesaan", "Lainnya"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def generate_rows(n, seed=42):
    rng = random.Random(seed)
    for _ in range(n):
        yield (
            rng.choice(CODES),
            rng.randint(2015, 2024),
            rng.choice(CATEGORIES),
            round(rng.uniform(0, 10000), 2),
        )


def write_csv(path, n):
    with open(path, "w", encoding="utf-8") as f:
        f.write("kode_wilayah,tahun,kategori,nilai\n")
        buf = []
        for row in generate_rows(n):
            buf.append(f"{row[0]},{row[1]},{row[2]},{row[3]}\n")
            if len(buf) == 50000:
                f.write("".join(buf))
                buf = []
        f.write("".join(buf))


def write_sqlite(path, n):
    con = sqlite3.connect(path)
    con.execute(
        "CREATE TABLE data (id INTEGER PRIMARY KEY, kode_wilayah TEXT, tahun INTEGER, kategori TEXT, nilai REAL)"
    )
    con.executemany(
        "INSERT INTO data (kode_wilayah, tahun, kategori, nilai) VALUES (?, ?, ?, ?)",
        generate_rows(n),
    )
    con.execute("CREATE INDEX data_kode_wilayah ON data (kode_wilayah)")
    con.commit()
    con.close()


def publish(csv_path):
    """Publish the CSV through our ingestion pipeline; the version id."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from satudata.accounts.models import Organization
    from satudata.catalog.constants import Access, State
    from satudata.catalog.models import Dataset, Resource
    from satudata.ingest.actions import ingest_now

    call_command("migrate", verbosity=0)
    call_command("load_regions", verbosity=0)
    org = Organization.objects.create(slug="bps-bench", name="Bench", region_id="53")
    dataset = Dataset.objects.create(
        organization=org,
        slug="bench-query",
        title="Bench",
        access=Access.OPEN,
        state=State.PUBLISHED,
        published_at=timezone.now(),
    )
    resource = Resource.objects.create(dataset=dataset, name="Tabel")
    run = ingest_now(
        resource, Path(csv_path).read_bytes(), "bench.csv", actor=None, published_at=timezone.now()
    )
    if run.version is None or not run.version.parquet_key:
        raise SystemExit(f"ingestion failed: {run.status}")
    return run.version.pk


def wait_ready(port, path, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            con = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            con.request("GET", path)
            if con.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"server on port {port} did not start")


def fetch(port, path):
    con = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    con.request("GET", path)
    response = con.getresponse()
    return response.status, json.loads(response.read())


def load(port, paths, duration, concurrency):
    """(requests per second, p50 ms, p95 ms, errors) of a closed-loop load."""
    latencies, errors = [], [0]
    lock = threading.Lock()
    deadline = time.monotonic() + duration
    counter = iter(range(10**9))

    def worker():
        con = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        while time.monotonic() < deadline:
            path = paths[next(counter) % len(paths)]
            started = time.perf_counter()
            try:
                con.request("GET", path)
                response = con.getresponse()
                response.read()
                ok = response.status == 200
                if response.getheader("Connection", "").lower() == "close":
                    con.close()
                    con = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            except (OSError, http.client.HTTPException):
                ok = False
                con.close()
                con = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            if ok:
                mine.append(time.perf_counter() - started)
            else:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    if not latencies:
        return 0.0, None, None, errors[0]
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))]
    return len(latencies) / elapsed, statistics.median(latencies) * 1000, p95 * 1000, errors[0]


def main():
    rows = int(os.environ.get("ROWS", "1000000"))
    duration = float(os.environ.get("DURATION", "10"))
    concurrency = int(os.environ.get("CONCURRENCY", "8"))
    # the peer set-up: suggestions off, filter column indexed; DATASETTE_IMMUTABLE=1 adds -i
    immutable = os.environ.get("DATASETTE_IMMUTABLE", "0") == "1"
    work = Path(tempfile.mkdtemp(prefix="bench-query-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "satudata.settings",
        "SATUDATA_VAR_DIR": str(work / "var"),
        "SATUDATA_DEBUG": "0",
        "SATUDATA_LOG_LEVEL": "ERROR",
        # a deployment keeps database connections open (documented setting)
        "SATUDATA_DB_CONN_MAX_AGE": os.environ.get("SATUDATA_DB_CONN_MAX_AGE", "600"),
    }
    os.environ.update(env)
    servers = []
    try:
        t0 = time.perf_counter()
        csv_path = work / "bench.csv"
        write_csv(csv_path, rows)
        version = publish(csv_path)
        publish_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        db = work / "bench.db"
        write_sqlite(db, rows)
        sqlite_s = time.perf_counter() - t0
        print(
            f"rows={rows} published in ours {publish_s:.1f} s (CSV + ingestion); SQLite load {sqlite_s:.1f} s",
            flush=True,
        )

        ours_port, ds_port = free_port(), free_port()
        servers.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "satudata",
                    "serve",
                    "--no-worker",
                    "--port",
                    str(ours_port),
                    "--threads",
                    "8",
                ],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
            )
        )
        servers.append(
            subprocess.Popen(
                [
                    str(BIN / "datasette"),
                    "serve",
                    *(["-i"] if immutable else []),
                    str(db),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(ds_port),
                    "--setting",
                    "suggest_facets",
                    "off",
                    "--setting",
                    "sql_time_limit_ms",
                    "30000",
                    "--setting",
                    "facet_time_limit_ms",
                    "30000",
                ],
                cwd=work,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        base = f"/api/v1/versions/{version}"
        wait_ready(ours_port, base)
        wait_ready(ds_port, "/bench.json")

        group_sql = "select kode_wilayah, sum(nilai) as sum_nilai from data group by kode_wilayah order by kode_wilayah"
        scenarios = {
            "page": (
                [f"{base}/rows?limit=100"],
                ["/bench/data.json?_size=100&_shape=objects"],
            ),
            "filter_facet": (
                [
                    f"{base}/rows?{urlencode({'filter': f'kode_wilayah:eq:{c}', 'facet': 'kategori', 'limit': 100})}"
                    for c in CODES
                ],
                [
                    f"/bench/data.json?kode_wilayah={quote(c)}&_facet=kategori&_size=100&_shape=objects"
                    for c in CODES
                ],
            ),
            "groupby": (
                [f"{base}/aggregate?group_by=kode_wilayah&metric=sum:nilai"],
                [f"/bench.json?{urlencode({'sql': group_sql, '_shape': 'objects'})}"],
            ),
        }
        # the two answer the same questions
        _s, ours = fetch(ours_port, scenarios["filter_facet"][0][0])
        _s, theirs = fetch(ds_port, scenarios["filter_facet"][1][0])
        assert ours["total"] == theirs["filtered_table_rows_count"], (
            ours["total"],
            theirs["filtered_table_rows_count"],
        )
        _s, ours = fetch(ours_port, scenarios["groupby"][0][0])
        _s, theirs = fetch(ds_port, scenarios["groupby"][1][0])
        assert [r["kode_wilayah"] for r in ours["records"]] == [
            r["kode_wilayah"] for r in theirs["rows"]
        ]
        assert all(
            abs(a["sum_nilai"] - b["sum_nilai"]) < 1
            for a, b in zip(ours["records"], theirs["rows"], strict=True)
        )

        result = {
            "rows": rows,
            "duration_s": duration,
            "concurrency": concurrency,
            "datasette_immutable": immutable,
        }
        print(
            f"{'scenario':<14}{'server':<11}{'req/s':>9}{'p50 ms':>10}{'p95 ms':>10}{'errors':>8}",
            flush=True,
        )
        for name, (ours_paths, ds_paths) in scenarios.items():
            for who, port, paths in (
                ("ours", ours_port, ours_paths),
                ("datasette", ds_port, ds_paths),
            ):
                load(port, paths, min(2.0, duration), concurrency)  # warm-up, not counted
                rps, p50, p95, errors = load(port, paths, duration, concurrency)
                result[f"{who}_rps_{name}"] = round(rps, 1)
                result[f"{who}_p50_ms_{name}"] = round(p50, 1) if p50 is not None else None
                result[f"{who}_p95_ms_{name}"] = round(p95, 1) if p95 is not None else None
                result[f"{who}_errors_{name}"] = errors
                print(
                    f"{name:<14}{who:<11}{rps:>9.1f}{p50 or 0:>10.1f}{p95 or 0:>10.1f}{errors:>8}",
                    flush=True,
                )
            theirs = result[f"datasette_rps_{name}"]
            result[f"ratio_{name}"] = (
                round(result[f"ours_rps_{name}"] / theirs, 2) if theirs else None
            )
        print(json.dumps(result))
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
