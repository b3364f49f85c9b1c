"""Mixed load on loopback: `make run`'s configuration against the production configuration.

    make bench-load              # LOAD_SECONDS=60 LOAD_CLIENTS=16 by default

For each configuration, in one run:
  * run:        `satudata serve` as `make run` starts it: waitress (8 threads) and one worker,
                SQLite, default settings;
  * production: `satudata serve --processes P --workers 2` (gunicorn, P = LOAD_PROCESSES,
                default the number of CPU cores, at least 2) in production mode
                (SATUDATA_PRODUCTION=1, collected static files, persistent database
                connections) behind a pretend TLS proxy (`X-Forwarded-Proto: https`), on a
                throwaway PostgreSQL started with scripts/lib.sh (on SQLite if that fails:
                the report says so). LOAD_PRODUCTION_DB=sqlite forces SQLite;
  * production_sqlite (only with LOAD_PRODUCTION_SQLITE=1): the production configuration on
                SQLite, to tell the database's share of a difference from the processes'.
a fresh SATUDATA_VAR_DIR gets `satudata migrate` and `satudata demo`, the server is started on
a free loopback port, the catalogue is read (not timed) and LOAD_WARMUP seconds (5) of load
are thrown away. Then LOAD_CLIENTS threads (16), each with its own keep-alive connection, send
requests back to back for LOAD_SECONDS (60) per configuration, in LOAD_SLICES (4) slices that
alternate between the two servers (both stay up), so that both see the same background load
of a shared machine. Each request picks a kind by weight:

  browse      home, dataset list and its pages, OPD and topic lists and pages
  search      /dataset/?q=… with Indonesian words (stemmed full-text search)
  dataset     a dataset page (preview table, metadata, charts)
  indicator   an indicator page (server-rendered chart and map)
  api_rows    /api/v1/resources/{id}/rows with a limit and sometimes a sort
  ckan        /api/3/action/package_search with q, sometimes fq and facets
  download    a published file: original, CSV, XLSX, JSON
  upload      client 0 only: signed in as the demo Produsen, opens the upload form and posts
              a corrected copy (one row less) of a Dinkes table, about one upload per 15 s;
              the processing is left to the background workers and awaited after the load
              (`uploads_processed`, `upload_statuses`)

Reported per configuration: requests per second, p50/p95/p99 latency overall and per kind, and
errors (any status outside 2xx/3xx or a failed connection; no request here is meant to 404).
The table ends with the ratios to `run`; the last line printed is JSON.
"""

import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))
WARMUP = float(os.environ.get("LOAD_WARMUP", "5"))
CLIENTS = int(os.environ.get("LOAD_CLIENTS", "16"))
PROCESSES = int(os.environ.get("LOAD_PROCESSES", str(max(2, os.cpu_count() or 2))))
PRODUCTION_DB = os.environ.get("LOAD_PRODUCTION_DB", "postgresql")
PASSWORD = "Beban-Uji-" + uuid.uuid4().hex[:8] + "!"  # the demo accounts' password in this run
PRODUCER = "produsen.dinkes"
PRODUCER_ORG = "dinas-kesehatan"
UPLOAD_EVERY = 15.0  # seconds between the Produsen's uploads
SEED = int(os.environ.get("LOAD_SEED", "53"))
SLICES = max(1, int(os.environ.get("LOAD_SLICES", "4")))
EXTRA_SQLITE = os.environ.get("LOAD_PRODUCTION_SQLITE", "0") == "1"

WEIGHTS = {
    "browse": 15,
    "search": 15,
    "dataset": 20,
    "indicator": 10,
    "api_rows": 15,
    "ckan": 12,
    "download": 13,
}
KINDS = [*WEIGHTS, "upload"]
COLUMNS = ("req", "p50 ms", "p95 ms", "p99 ms", "errors")
SEARCH_WORDS = [
    "kemiskinan",
    "penduduk miskin",
    "kesehatan",
    "puskesmas",
    "sekolah",
    "guru",
    "jagung",
    "ternak",
    "wisatawan",
    "air minum",
    "stunting",
    "pengangguran",
    "jalan",
    "bencana",
    "kupang",
    "perikanan",
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(sorted_values, p):
    """Nearest-rank percentile of an already sorted list (ms)."""
    if not sorted_values:
        return None
    rank = max(1, min(len(sorted_values), round(p / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


# --- the portal under test -----------------------------------------------------------------------


class Postgres:
    """A throwaway cluster from scripts/lib.sh (the one the test suite uses)."""

    def __init__(self):
        script = (
            "set -e; source scripts/lib.sh; ensure_postgres >&2; start_postgres >&2; "
            'echo "$PG_DIR"; echo "$PG_BIN"; echo "$PG_URL"'
        )
        done = subprocess.run(
            ["bash", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=600
        )
        if done.returncode != 0:
            raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr else "failed")
        self.dir, self.bin, self.url = done.stdout.strip().splitlines()[-3:]
        self.version = subprocess.run(
            [f"{self.bin}/postgres", "--version"], capture_output=True, text=True
        ).stdout.split()[2]  # "postgres (PostgreSQL) 15.18 (Debian …)"

    def stop(self):
        script = f"source scripts/lib.sh; PG_DIR='{self.dir}'; PG_BIN='{self.bin}'; stop_postgres"
        subprocess.run(["bash", "-c", script], cwd=ROOT, timeout=120)


class Portal:
    def __init__(self, name, work, *, production, database_url=""):
        self.name, self.production = name, production
        self.port = free_port()
        self.var = work / name
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("SATUDATA_", "DJANGO_"))}
        self.env = {
            **clean,
            "SATUDATA_VAR_DIR": str(self.var),
            "SATUDATA_DATABASE_URL": database_url,
            "SATUDATA_SITE_URL": f"http://127.0.0.1:{self.port}",
            "SATUDATA_LOG_LEVEL": "ERROR",
        }
        if production:
            import secrets

            self.env.update(
                {
                    "SATUDATA_PRODUCTION": "1",
                    "SATUDATA_SECRET_KEY": secrets.token_urlsafe(64),
                    "SATUDATA_ALLOWED_HOSTS": "127.0.0.1",
                    "SATUDATA_PROXY_SSL_HEADER": "X-Forwarded-Proto",
                    "SATUDATA_DB_CONN_MAX_AGE": "600",
                }
            )
        self.server = None
        self.output = []

    def satudata(self, *args):
        done = subprocess.run(
            [sys.executable, "-m", "satudata", *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=1200,
        )
        if done.returncode != 0:
            raise SystemExit(f"satudata {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def prepare(self):
        started = time.perf_counter()
        self.satudata("migrate", "--noinput", "-v", "0")
        self.satudata("demo", "--password", PASSWORD)
        return time.perf_counter() - started

    def start(self, *serve_args):
        self.server = subprocess.Popen(
            [sys.executable, "-m", "satudata", "serve", "--port", str(self.port), *serve_args],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=lambda: self.output.extend(self.server.stdout), daemon=True).start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise SystemExit(f"{self.name}: server stopped:\n{''.join(self.output)}")
            try:
                if Client(self).get("/healthz", kind=None)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"{self.name}: server did not start")

    def stop(self):
        """SIGTERM, as systemd does; (exit code, seconds to stop)."""
        started = time.perf_counter()
        self.server.send_signal(signal.SIGTERM)
        try:
            code = self.server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.server.kill()
            code = "killed"
        return code, time.perf_counter() - started


# --- the clients ---------------------------------------------------------------------------------


class Client:
    """One keep-alive connection with its own cookies, as one browser or script."""

    def __init__(self, portal, recorder=None):
        self.portal, self.recorder = portal, recorder
        self.headers = {"Accept-Language": "id", "Accept-Encoding": "gzip"}
        if portal.production:
            self.headers["X-Forwarded-Proto"] = "https"  # what the TLS proxy adds
        self.scheme = "https" if portal.production else "http"
        self.cookies = {}
        self.con = None

    def _connection(self):
        if self.con is None:
            self.con = http.client.HTTPConnection("127.0.0.1", self.portal.port, timeout=120)
        return self.con

    def _cookie_header(self):
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(self, method, path, *, kind, body=None, headers=None):
        """(status, headers, body); recorded under `kind` unless kind is None."""
        all_headers = {**self.headers, **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = self._cookie_header()
        started = time.perf_counter()
        status, response_headers, data = None, {}, b""
        try:
            for attempt in (1, 2):
                con = self._connection()
                try:
                    con.request(method, path, body=body, headers=all_headers)
                    response = con.getresponse()
                    data = response.read()
                    status = response.status
                    response_headers = {}
                    for key, value in response.getheaders():
                        if key.lower() == "set-cookie":
                            for morsel in SimpleCookie(value).values():
                                self.cookies[morsel.key] = morsel.value
                        response_headers[key.lower()] = value
                    if response_headers.get("connection", "").lower() == "close":
                        self.close()
                    break
                except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                    # A keep-alive connection the server closed while idle: nothing was
                    # processed, so one retry on a fresh connection is safe.
                    self.close()
                    if attempt == 2 or method != "GET":
                        raise
        except (OSError, http.client.HTTPException) as error:
            self.close()
            if self.recorder and kind:
                self.recorder.record(kind, time.perf_counter() - started, None, path, repr(error))
            raise
        if self.recorder and kind:
            self.recorder.record(kind, time.perf_counter() - started, status, path)
        return status, response_headers, data

    def get(self, path, *, kind):
        return self.request("GET", path, kind=kind)

    def close(self):
        if self.con is not None:
            self.con.close()
            self.con = None

    def csrf_form(self, path):
        status, _h, body = self.get(path, kind=None)
        assert status == 200, (path, status)
        html = decompress(body, _h).decode()
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    def referer(self, path):
        return f"{self.scheme}://127.0.0.1:{self.portal.port}{path}"

    def sign_in(self, username, password):
        token = self.csrf_form("/masuk/")
        form = urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password})
        status, headers, body = self.request(
            "POST",
            "/masuk/",
            kind=None,
            body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": self.referer("/masuk/"),
            },
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"sign-in of {username} failed: {status} {body[:300]!r}")


def decompress(body, headers):
    if headers.get("content-encoding") == "gzip":
        import gzip

        return gzip.decompress(body)
    return body


def multipart(fields, file_field, file_name, file_bytes):
    boundary = "----satudata" + uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    parts.append(
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
            f'filename="{file_name}"\r\nContent-Type: text/csv\r\n\r\n'
        ).encode()
        + file_bytes
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.samples = []  # (kind, ms, status)
        self.errors = []  # (kind, status, path, detail)
        self.active = False

    def record(self, kind, seconds, status, path, detail=""):
        if not self.active:
            return
        ok = status is not None and 200 <= status < 400
        with self.lock:
            self.samples.append((kind, seconds * 1000, status))
            if not ok:
                self.errors.append((kind, status, path, detail))


class Catalogue:
    """What the clients pick from, read once through the public API (not timed)."""

    def __init__(self, portal):
        client = Client(portal)

        def api(path):
            status, headers, body = client.get(path, kind=None)
            assert status == 200, (path, status, body[:300])
            return json.loads(decompress(body, headers))

        self.datasets = api("/api/3/action/package_list")["result"]
        self.indicators = [i["slug"] for i in api("/api/v1/indicators")["results"]]
        self.organizations = [o["slug"] for o in api("/api/v1/organisations")]
        self.topics = [t["slug"] for t in api("/api/v1/topics")]
        self.tables, self.downloads, self.uploadable = [], [], []
        for slug in self.datasets:
            dataset = api(f"/api/v1/datasets/{slug}")
            for resource in dataset["resources"]:
                version = resource.get("latest_version")
                if not version:
                    continue
                base = f"/dataset/{slug}/berkas/{resource['id']}/v{version['number']}/"
                self.downloads.append(base + "unduh/")
                if resource["kind"] == "table":
                    self.tables.append(resource["id"])
                    self.downloads += [base + f"unduh.{fmt}" for fmt in ("csv", "xlsx", "json")]
                    if dataset["organisation"]["slug"] == PRODUCER_ORG and version["format"] == (
                        "CSV"
                    ):
                        self.uploadable.append((slug, resource["id"], base + "unduh/"))
        client.close()
        assert self.datasets and self.indicators and self.tables and self.uploadable

    def pick(self, kind, rng):
        if kind == "browse":
            return rng.choice(
                [
                    "/",
                    "/dataset/",
                    "/dataset/?page=2",
                    "/organisasi/",
                    "/topik/",
                    f"/organisasi/{rng.choice(self.organizations)}/",
                    f"/topik/{rng.choice(self.topics)}/",
                ]
            )
        if kind == "search":
            return "/dataset/?q=" + quote(rng.choice(SEARCH_WORDS))
        if kind == "dataset":
            return f"/dataset/{rng.choice(self.datasets)}/"
        if kind == "indicator":
            return f"/indikator/{rng.choice(self.indicators)}/"
        if kind == "api_rows":
            path = f"/api/v1/resources/{rng.choice(self.tables)}/rows?limit={rng.choice([10, 50, 100])}"
            if rng.random() < 0.3:
                path += f"&offset={rng.choice([10, 50])}"
            return path
        if kind == "ckan":
            params = {"q": rng.choice(SEARCH_WORDS), "rows": rng.choice([10, 20])}
            if rng.random() < 0.3:
                params["fq"] = f"organization:{rng.choice(self.organizations)}"
            if rng.random() < 0.3:
                params["facet.field"] = '["organization","tags"]'
            return "/api/3/action/package_search?" + urlencode(params)
        if kind == "download":
            return rng.choice(self.downloads)
        raise ValueError(kind)


def upload_once(client, catalogue, rng, runs):
    """The Produsen's upload: the form, then a changed copy of one of the OPD's tables."""
    slug, resource_id, download = rng.choice(catalogue.uploadable)
    form_path = f"/kelola/dataset/{slug}/unggah/"
    status, headers, body = client.get(form_path, kind="upload")
    if status != 200:
        return
    token = re.search(
        rb'name="csrfmiddlewaretoken" value="([^"]+)"', decompress(body, headers)
    ).group(1)
    _s, h, original = client.get(download, kind=None)
    lines = decompress(original, h).decode("utf-8-sig").rstrip("\n").split("\n")
    # A correction that keeps the table valid: one data row taken out (a new file each time).
    del lines[rng.randrange(1, len(lines))]
    data, content_type = multipart(
        {"csrfmiddlewaretoken": token.decode(), "resource": resource_id, "new_name": ""},
        "file",
        f"{slug}-koreksi.csv",
        ("\n".join(lines) + "\n").encode(),
    )
    client.close()  # a POST goes on a fresh connection: never retried
    status, headers, _b = client.request(
        "POST",
        form_path,
        kind="upload",
        body=data,
        headers={"Content-Type": content_type, "Referer": client.referer(form_path)},
    )
    match = re.search(r"/unggahan/(\d+)/", headers.get("location", ""))
    if status == 302 and match:
        runs.append(int(match.group(1)))


def drive(portal, catalogue, recorder, seconds, runs, producer):
    """LOAD_CLIENTS threads sending requests back to back for `seconds`."""
    stop_at = time.monotonic() + seconds
    kinds, weights = list(WEIGHTS), list(WEIGHTS.values())

    def client_loop(number):
        rng = random.Random(SEED * 1000 + number + int(seconds * 1000))
        client = producer if number == 0 else Client(portal, recorder)
        next_upload = time.monotonic() + rng.uniform(1, 3)
        while time.monotonic() < stop_at:
            try:
                if number == 0 and time.monotonic() >= next_upload:
                    next_upload += UPLOAD_EVERY
                    upload_once(client, catalogue, rng, runs)
                    continue
                kind = rng.choices(kinds, weights)[0]
                client.get(catalogue.pick(kind, rng), kind=kind)
            except (OSError, http.client.HTTPException):
                time.sleep(0.05)  # recorded as an error; a new connection next time
        if number != 0:
            client.close()

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def wait_for_runs(client, runs, timeout=300):
    """Statuses of the uploads' processing runs once the workers have finished them."""
    deadline = time.monotonic() + timeout
    statuses = {}
    while time.monotonic() < deadline:
        for pk in runs:
            if pk in statuses:
                continue
            status, headers, body = client.get(f"/kelola/unggahan/{pk}/status.json", kind=None)
            if status == 200:
                answer = json.loads(decompress(body, headers))
                if answer["finished"]:
                    statuses[pk] = answer["status"]
        if len(statuses) == len(runs):
            break
        time.sleep(0.5)
    return statuses


def summarize(samples, seconds):
    by_kind = {}
    for kind, ms, status in samples:
        by_kind.setdefault(kind, []).append((ms, status))
    summary = {"requests": len(samples), "rps": round(len(samples) / seconds, 1)}
    every = sorted(ms for _k, ms, _s in samples)
    for p in (50, 95, 99):
        summary[f"p{p}_ms"] = round(percentile(every, p), 1) if every else None
    summary["errors"] = sum(1 for _k, _m, s in samples if s is None or not 200 <= s < 400)
    summary["kinds"] = {}
    for kind in KINDS:
        values = by_kind.get(kind, [])
        times = sorted(ms for ms, _s in values)
        summary["kinds"][kind] = {
            "requests": len(values),
            "p50_ms": round(percentile(times, 50), 1) if times else None,
            "p95_ms": round(percentile(times, 95), 1) if times else None,
            "p99_ms": round(percentile(times, 99), 1) if times else None,
            "errors": sum(1 for _m, s in values if s is None or not 200 <= s < 400),
        }
    return summary


class Run:
    """One configuration under test: its portal, server, catalogue and measurements."""

    def __init__(self, portal, serve_args, label):
        self.portal, self.serve_args, self.label = portal, serve_args, label
        self.recorder, self.runs, self.elapsed, self.load = Recorder(), [], 0.0, []

    def start(self):
        print(f"== {self.portal.name}: {self.label}", flush=True)
        prepared = self.portal.prepare()
        print(f"   migrate + demo in {prepared:.0f} s", flush=True)
        self.portal.start(*self.serve_args)
        self.catalogue = Catalogue(self.portal)
        print(
            f"   catalogue: {len(self.catalogue.datasets)} datasets, "
            f"{len(self.catalogue.tables)} tables, {len(self.catalogue.downloads)} downloads, "
            f"{len(self.catalogue.indicators)} indicators",
            flush=True,
        )
        self.producer = Client(self.portal, self.recorder)
        self.producer.sign_in(PRODUCER, PASSWORD)
        if WARMUP:
            drive(self.portal, self.catalogue, self.recorder, WARMUP, [], self.producer)

    def slice(self, seconds):
        self.load.append(os.getloadavg()[0])
        self.recorder.active = True
        started = time.perf_counter()
        drive(self.portal, self.catalogue, self.recorder, seconds, self.runs, self.producer)
        self.elapsed += time.perf_counter() - started
        self.recorder.active = False

    def finish(self):
        statuses = wait_for_runs(self.producer, self.runs)
        summary = summarize(self.recorder.samples, self.elapsed)
        summary["seconds"] = round(self.elapsed, 1)
        summary["load_average_1m"] = round(sum(self.load) / len(self.load), 2)
        summary["uploads_acknowledged"] = len(self.runs)
        summary["uploads_processed"] = len(statuses)
        summary["upload_statuses"] = sorted(set(statuses.values()))
        summary["error_samples"] = [
            f"{kind} {status} {path} {detail}".strip()
            for kind, status, path, detail in self.recorder.errors[:5]
        ]
        code, stop_seconds = self.portal.stop()
        summary["stop_exit_code"], summary["stop_seconds"] = code, round(stop_seconds, 1)
        print(
            f"== {self.portal.name}: {summary['requests']} requests in {summary['seconds']} s: "
            f"{summary['rps']} req/s, p50 {summary['p50_ms']} ms, p95 {summary['p95_ms']} ms, "
            f"p99 {summary['p99_ms']} ms, {summary['errors']} errors; uploads {len(self.runs)} "
            f"acknowledged, {len(statuses)} processed "
            f"({', '.join(summary['upload_statuses']) or '-'}); SIGTERM: exit {code} in "
            f"{stop_seconds:.1f} s",
            flush=True,
        )
        for sample in summary["error_samples"]:
            print(f"   error: {sample}", flush=True)
        return summary


def table(results):
    names = list(results)
    print(f"{'':<11}" + "".join(f"{n:>45}" for n in names))
    print(f"{'kind':<11}" + "".join(f"{c:>9}" for _n in names for c in COLUMNS))
    for kind in ["all", *KINDS]:
        line = f"{kind:<11}"
        for n in names:
            data = results[n] if kind == "all" else results[n]["kinds"][kind]
            line += f"{data['requests']:>9}"
            for p in ("p50_ms", "p95_ms", "p99_ms"):
                line += f"{data[p] if data[p] is not None else '-':>9}"
            line += f"{data['errors']:>9}"
        print(line)


def ratio(a, b):
    return round(a / b, 2) if a is not None and b else None


def main():
    random.seed(SEED)
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    results, notes, runs = {}, [], []
    postgres = None
    try:
        runs.append(
            Run(
                Portal("run", work, production=False),
                [],
                "satudata serve (waitress, 8 threads, 1 worker), SQLite",
            )
        )
        database_url, database = "", "SQLite"
        if PRODUCTION_DB == "postgresql":
            try:
                postgres = Postgres()
                database_url, database = postgres.url, f"PostgreSQL {postgres.version}"
            except (RuntimeError, OSError, subprocess.TimeoutExpired) as error:
                notes.append(f"PostgreSQL could not be started ({error}); production ran on SQLite")
                print(f"!! {notes[-1]}", flush=True)
        runs.append(
            Run(
                Portal("production", work, production=True, database_url=database_url),
                ["--processes", str(PROCESSES), "--workers", "2"],
                f"satudata serve --processes {PROCESSES} --workers 2 (gunicorn gthread, "
                f"4 threads), {database}, SATUDATA_PRODUCTION=1",
            )
        )
        if EXTRA_SQLITE:
            runs.append(
                Run(
                    Portal("production_sqlite", work, production=True),
                    ["--processes", str(PROCESSES), "--workers", "2"],
                    "as production, on SQLite (tells the database's part from the processes')",
                )
            )
        for run in runs:
            run.start()
        # Alternate short slices, so that both configurations see the same background load
        # of the machine (others' work drifts over minutes).
        for number in range(SLICES):
            for run in runs:
                print(f"   slice {number + 1}/{SLICES}: {run.portal.name}", flush=True)
                run.slice(SECONDS / SLICES)
        for run in runs:
            results[run.portal.name] = run.finish()
        for name in results:
            results[name]["database"] = database if name == "production" else "SQLite"
    finally:
        for run in runs:
            if run.portal.server is not None and run.portal.server.poll() is None:
                run.portal.stop()
        if postgres:
            postgres.stop()
        shutil.rmtree(work, ignore_errors=True)

    print()
    print(
        f"{CLIENTS} clients, {SECONDS:.0f} s per configuration in {SLICES} alternating slices "
        f"after {WARMUP:.0f} s of warm-up, {os.cpu_count()} CPU cores (shared with the clients); "
        "load average "
        + ", ".join(f"{name} {result['load_average_1m']}" for name, result in results.items())
    )
    table(results)
    run = results["run"]
    ratios = {}
    for name, other in results.items():
        if name == "run":
            continue
        ratios[name] = {
            "rps": ratio(other["rps"], run["rps"]),
            **{p: ratio(other[f"{p}_ms"], run[f"{p}_ms"]) for p in ("p50", "p95", "p99")},
        }
        r = ratios[name]
        print(f"{name}/run: req/s x{r['rps']}, p50 x{r['p50']}, p95 x{r['p95']}, p99 x{r['p99']}")
    errors = {name: result["errors"] for name, result in results.items()}
    print(f"errors: {errors} (goal: 0)")
    for note in notes:
        print(f"note: {note}")
    print(
        json.dumps(
            {
                "clients": CLIENTS,
                "seconds": SECONDS,
                "warmup": WARMUP,
                "slices": SLICES,
                "processes": PROCESSES,
                "cpu_cores": os.cpu_count(),
                "ratio_to_run": ratios,
                "notes": notes,
                **{name: result for name, result in results.items()},
            }
        )
    )
    if any(errors.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
