"""Crash trials: upload, process and publish while the web server and the worker are SIGKILLed.

    make crash-trials N=200          # PostgreSQL when the machine has its binaries, else SQLite
    .venv/bin/python scripts/crash_trials.py -n 20 [--seed S] [--database-url URL]

A fresh portal is made in a temporary SATUDATA_VAR_DIR (migrate, then a minimal fixture: the
province and three kab/kota, one OPD, a Produsen of it and a Walidata with passwords, second
factor not enforced, and a Terbuka and a Tertutup dataset). The web server (`satudata serve
--no-worker`) and the worker (`satudata worker`) run as separate processes on loopback. Each
trial, as the Produsen and the Walidata over HTTP, like a browser or an integration:

  1. uploads a generated CSV with unique content (the upload form or the HTTP API, sometimes
     sent slowly, like over a poor connection) and records its SHA-256 when the server
     acknowledges it (the redirect to the run page, or 202 with the run's number);
  2. waits for ingestion, then for some versions submits (Produsen), approves and publishes
     (Walidata) through the workflow's own forms;
  3. meanwhile SIGKILLs the web process or the worker at a random moment (anchored at the
     start of the trial, of the upload, of ingestion or of publication, plus a random delay),
     and starts it again; requests that fail because the server is gone are retried, as a user
     would.

At the end, with no more kills, every run is allowed to settle and the portal is reconciled:
every acknowledged upload has its run row and a stored file whose SHA-256 is the recorded one
(else: lost); every version's files exist and match their hashes, and a published version has
its signed release whose files match (else: corrupt); publication is all-or-nothing (a
published version without files, release, published submission or published dataset, or a
file of an unpublished version downloadable by the public, is half-visible); no run is left
Menunggu/Diproses (stuck) and a failed run carries its message for the user; `satudata
verify-integrity` and `satudata audit-verify` pass; `satudata sweep-orphans --older-than 0`
removes what the kills left and nothing referenced. The counts are printed, then one line of
JSON; the exit status is non-zero on any loss, corruption, half-visible version, stuck run or
failed check.

What SIGKILL proves and what it does not: killing a process loses what that process had not
yet handed to the kernel or the database, so the trials prove the *ordering* (file durable
before the row commits, row committed before the acknowledgement, publication in one
transaction) and that interrupted work resumes or fails cleanly. Written data survives a
process kill in the page cache even without fsync, so the trials cannot prove the fsyncs
(power loss). `--fault late-commit` (acknowledge, commit 2 s later) and `--fault late-file`
(commit, write the file 2 s later), with the web server killed right after each
acknowledgement, are the self-test: the reconciliation must report losses
(tests/test_crash_trials.py).
"""

from __future__ import annotations

import argparse
import base64
import collections
import hashlib
import http.client
import io
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

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Sandi-Uji-Krash-2025!"
OPEN, CLOSED = "uji-krash-terbuka", "uji-krash-tertutup"
FAULT_DELAY = 2.0  # seconds the faulty server waits before doing what it should have done first
REQUEST_TIMEOUT = 30
READY_TIMEOUT = 90
RUN_TIMEOUT = 120
SETTLE_TIMEOUT = 240
COMMAND_TIMEOUT = 600

SETUP = f"""
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from satudata.accounts.constants import Role
from satudata.accounts.models import Membership, Organization, User
from satudata.catalog.constants import Access, State
from satudata.catalog.models import Dataset
from satudata.regions.models import Region

province = Region.objects.create(code="53", name="Nusa Tenggara Timur", level=1, bps_code="53")
for code, name, bps in [("53.01", "Kabupaten Kupang", "5303"),
                        ("53.10", "Kabupaten Manggarai", "5313"), ("53.71", "Kota Kupang", "5371")]:
    Region.objects.create(code=code, name=name, level=2, parent=province, bps_code=bps)
opd = Organization.objects.create(slug="dinas-uji", name="Dinas Uji", region=province)
for username, role, org in [("produsen", Role.PRODUCER, opd), ("walidata", Role.STEWARD, None)]:
    user = User.objects.create_user(username, password={PASSWORD!r}, full_name=username.title())
    Membership.objects.create(user=user, role=role, organization=org)
for slug, access in [({OPEN!r}, Access.OPEN), ({CLOSED!r}, Access.CLOSED)]:
    Dataset.objects.create(organization=opd, slug=slug, title="Uji " + slug, access=access,
                           state=State.DRAFT, temporal_start=2020, temporal_end=2024,
                           spatial_coverage_id="53")
print("fixture ok")
"""

# The database's view, as JSON on the last line: first (worker still running) it waits, bounded,
# until no run is Menunggu or Diproses; then the acknowledged uploads, runs and versions, and
# the verdicts of `satudata verify-integrity` and `satudata audit-verify`.
RECONCILE = """
import collections, io, json, os, time
from django.core.management import CommandError, call_command
from satudata.catalog.constants import State
from satudata.catalog.models import ResourceVersion
from satudata.ingest.models import IngestRun
from satudata.lib import filestore
from satudata.signing.models import Release
from satudata.workflow.models import Submission

def sha(key):
    try:
        return filestore.plaintext_sha256(key)
    except FileNotFoundError:
        return None

deadline = time.monotonic() + float(os.environ.get("CRASH_SETTLE", "0"))
while IngestRun.objects.filter(status__in=["queued", "running"]).exists():
    if time.monotonic() > deadline:
        break
    time.sleep(0.5)

def command(name, *args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(name, *args, stdout=out, stderr=err)
        return {"ok": True, "output": out.getvalue()}
    except CommandError as error:
        return {"ok": False, "output": out.getvalue()[-3000:] + err.getvalue()[-3000:] + str(error)}

checks = {}
if os.environ.get("CRASH_SWEEP"):
    checks["sweep"] = command("sweep_orphans", "--older-than", "0")
checks["verify_integrity"] = command("verify_integrity")
checks["audit_verify"] = command("audit_verify")

acked = json.loads(open(os.environ["CRASH_ACKED"]).read())
lost = []
for item in acked:
    run = IngestRun.objects.filter(pk=item["run"]).first()
    if run is None:
        lost.append({**item, "why": "no run row"})
    elif run.file_key != item["sha256"]:
        lost.append({**item, "why": "run refers to another file"})
    elif sha(run.file_key) != item["sha256"]:
        lost.append({**item, "why": "stored file missing or different"})

runs = collections.Counter()
stuck, unclean, resumed = [], [], 0
for run in IngestRun.objects.all():
    runs[run.status] += 1
    if run.status in ("queued", "running"):
        stuck.append(run.pk)
    if run.status == "failed" and not run.problems.exists():
        unclean.append(run.pk)
    if run.attempts > 1 and run.status != "failed":
        resumed += 1

corrupt, half, versions = [], [], []
submissions = {s.version_id: s.state for s in Submission.objects.all()}
for v in ResourceVersion.objects.select_related("resource__dataset"):
    files = {"asli": v.file_key, **{fmt: d["key"] for fmt, d in (v.downloads or {}).items()}}
    if v.parquet_key:
        files.setdefault("parquet", v.parquet_key)
    bad = {name: key for name, key in files.items() if sha(key) != key}
    if v.sha256 != v.file_key:
        bad["sha256"] = v.sha256
    if bad:
        corrupt.append({"version": v.pk, "files": bad})
    release = Release.objects.filter(version=v).first()
    dataset = v.resource.dataset
    state = submissions.get(v.pk)
    if v.published_at is not None:
        if bad:
            half.append({"version": v.pk, "why": "published without its files"})
        if release is None:
            half.append({"version": v.pk, "why": "published without a signed release"})
        else:
            for f in release.files.all():
                if sha(f.sha256) != f.sha256:
                    corrupt.append({"version": v.pk, "release_file": f.name})
        if state is not None and state != "published":
            half.append({"version": v.pk, "why": f"published, submission {state}"})
        if dataset.state != State.PUBLISHED:
            half.append({"version": v.pk, "why": f"published, dataset {dataset.state}"})
    else:
        if release is not None:
            half.append({"version": v.pk, "why": "unpublished with a signed release"})
        if state == "published":
            half.append({"version": v.pk, "why": "submission published, version not"})
    versions.append({
        "pk": v.pk, "slug": dataset.slug, "resource": v.resource_id, "number": v.number,
        "published": v.published_at is not None, "open": dataset.access == "open",
        "dataset_published": dataset.state == State.PUBLISHED, "files": files,
    })
print(json.dumps({
    "checks": checks, "lost": lost, "runs": dict(runs), "stuck": stuck, "unclean_failures": unclean,
    "resumed": resumed, "corrupt": corrupt, "half_visible": half, "versions": versions,
}))
"""


def log(message):
    print(message, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the portal's processes --------------------------------------------------------------------


class Process:
    """One of the portal's processes; its output goes to a log file in the var dir."""

    def __init__(self, name, argv, env, logdir):
        self.name, self.argv, self.env = name, argv, env
        self.log_path = logdir / f"{name}.log"
        self.popen = None
        self.started = []  # every process ever started, so that none is left behind
        # The killer's kill-pause-restart and the client's "start it if it is down" must not
        # interleave, or two servers would be started and one left running.
        self.lock = threading.RLock()

    def ensure_running(self):
        with self.lock:
            if not self.alive():
                self.start()

    def kill_and_restart(self, downtime):
        """SIGKILL, stay down for `downtime` seconds, start again; False when it was not up."""
        with self.lock:
            if not self.alive():
                return False
            self.kill()
            time.sleep(downtime)
            self.start()
            return True

    def start(self):
        out = open(self.log_path, "ab")  # noqa: SIM115 - kept by the child
        try:
            self.popen = subprocess.Popen(  # nosec B603  # fixed argument list, no shell
                self.argv,
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        finally:
            out.close()
        self.started.append(self.popen)

    def alive(self):
        return self.popen is not None and self.popen.poll() is None

    def kill(self):
        """SIGKILL and reap (a zombie would look alive to the run recovery)."""
        if self.popen is None:
            return
        try:
            self.popen.send_signal(signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.popen.wait(timeout=30)

    def stop(self):
        with self.lock:
            if self.alive():
                self.popen.send_signal(signal.SIGTERM)
                try:
                    self.popen.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    self.kill()
            for popen in self.started:  # none may outlive the trials
                if popen.poll() is None:
                    popen.kill()
                    popen.wait(timeout=30)


class Portal:
    def __init__(self, var_dir: Path, database_url: str, fault: str | None):
        self.var_dir = var_dir
        self.port = free_port()
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith(("SATUDATA_", "DJANGO_"))
        }
        (var_dir / "systmp").mkdir(parents=True, exist_ok=True)
        self.env.update(
            SATUDATA_VAR_DIR=str(var_dir),
            SATUDATA_DATABASE_URL=database_url,
            SATUDATA_TWO_FACTOR_ENFORCED="0",
            SATUDATA_SITE_URL=f"http://127.0.0.1:{self.port}",
            SATUDATA_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            # Django keeps large uploads in temporary files; a killed server leaves them behind
            TMPDIR=str(var_dir / "systmp"),
            PYTHONUNBUFFERED="1",
        )
        logs = var_dir / "logs"
        logs.mkdir(exist_ok=True)
        python = sys.executable
        if fault:
            web = [python, str(Path(__file__).resolve()), "--serve-with-fault", fault]
            web += ["--port", str(self.port)]
        else:
            web = [python, "-m", "satudata", "serve", "--no-worker", "--port", str(self.port)]
            web += ["--threads", "4"]
        worker = [python, "-m", "satudata", "worker", "--interval", "0.2", "--no-reload"]
        worker += ["--no-startup-delay", "--recover-interval", "3", "-v", "0"]
        self.web = Process("web", web, self.env, logs)
        self.worker = Process("worker", worker, self.env, logs)

    def command(self, *args, extra_env=None, check=True):
        done = subprocess.run(  # nosec B603  # fixed argument list, no shell
            [sys.executable, "-m", "satudata", *args],
            env={**self.env, **(extra_env or {})},
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
        )
        if check and done.returncode:
            raise RuntimeError(f"satudata {args[0]} gagal:\n{done.stdout}\n{done.stderr}")
        return done

    def shell(self, code, **kwargs):
        out = self.command("shell", "-c", code, **kwargs).stdout.strip().splitlines()
        return json.loads(out[-1]) if out else None

    def setup(self, snapshot: Path | None = None):
        """Migrate and load the fixture; on SQLite, from (or into) `snapshot`, a copy of a
        freshly set-up var dir, so that repeated runs (the tests) skip the migrations."""
        sqlite = not self.env["SATUDATA_DATABASE_URL"]
        if snapshot and sqlite and (snapshot / "secret_key").exists():
            for path in snapshot.iterdir():
                shutil.copy2(path, self.var_dir / path.name)
            return
        self.command("shell", "-c", SETUP)
        if snapshot and sqlite:
            snapshot.mkdir(parents=True, exist_ok=True)
            for path in self.var_dir.glob("satudata.sqlite3*"):  # the database (and any WAL)
                shutil.copy2(path, snapshot / path.name)
            shutil.copy2(self.var_dir / "secret_key", snapshot / "secret_key")  # last: complete

    def start(self):
        self.web.ensure_running()
        self.worker.ensure_running()
        self.wait_ready()

    def wait_ready(self, timeout=READY_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.web.ensure_running()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            finally:
                conn.close()
            time.sleep(0.1)
        raise TimeoutError(f"server web tidak siap dalam {timeout} detik")

    def stop(self):
        self.web.stop()
        self.worker.stop()


# --- an HTTP client with cookies, over loopback only ---------------------------------------------


class Unreachable(Exception):
    """The server went away (killed) or did not answer in time."""


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    @property
    def location(self):
        return self.headers.get("location", "")

    def text(self):
        return self.body.decode("utf-8", "replace")


class Client:
    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def request(self, method, path, body=b"", headers=None, slow=0.0):
        headers = {"Accept-Language": "id", "Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            headers["Content-Length"] = str(len(body))
            if "csrftoken" in self.cookies:
                headers["X-CSRFToken"] = self.cookies["csrftoken"]
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for name, value in headers.items():
                conn.putheader(name, value)
            conn.endheaders()
            if body:
                step = 64 * 1024
                pieces = max(1, len(body) // step)
                for start in range(0, len(body), step):
                    conn.send(body[start : start + step])
                    if slow:
                        time.sleep(slow / pieces)
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as error:
            raise Unreachable(repr(error)) from None
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        headers = {k.lower(): v for k, v in response.getheaders()}
        return Response(response.status, headers, data)

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, fields=None, files=None, headers=None, slow=0.0):
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in (fields or {}).items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        for name, (filename, data) in (files or {}).items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
                + data
                + b"\r\n"
            )
        parts.append(f"--{boundary}--\r\n".encode())
        content = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        return self.request("POST", path, b"".join(parts), {**content, **(headers or {})}, slow)

    def sign_in(self, username):
        self.get("/masuk/")  # the CSRF cookie
        response = self.post("/masuk/", {"username": username, "password": PASSWORD})
        if response.status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"{username} tidak dapat masuk: HTTP {response.status}")


def patiently(action, *, timeout=READY_TIMEOUT, pause=0.25):
    """Retry `action` while the server is unreachable (being restarted), at most `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return action()
        except Unreachable:
            if time.monotonic() > deadline:
                raise
            time.sleep(pause)


# --- the trials ----------------------------------------------------------------------------------


def make_csv(rng, trial, *, bad=False, max_rows=60000):
    """A CSV whose content no other trial has (the trial number and random values)."""
    rows = rng.choice([n for n in (20, 200, 2000, 20000, 60000) if n <= max_rows] or [max_rows])
    codes = ["53.01", "53.10", "53.71"]
    lines = ["kode_wilayah,tahun,jumlah,persen,catatan"]
    for i in range(rows):
        code = "53.99" if bad and i == rows // 2 else codes[i % 3]
        lines.append(
            f"{code},{2020 + i % 5},{rng.randint(0, 10**6)},{rng.randint(0, 9999) / 100},"
            f"uji {trial}-{i}"
        )
    return ("\n".join(lines) + "\n").encode()


ANCHORS = ("start", "upload", "ack", "publish", "approve")


class Killer:
    """Kills one of the portal's processes at a planned moment of a trial, then restarts it."""

    PLANS = [  # (weight, target, anchor, maximum delay in seconds; None: the upload's length)
        (20, "web", "upload", None),
        (10, "web", "ack", 0.3),
        (25, "worker", "ack", 2.5),
        (12, "web", "publish", 0.4),
        (8, "web", "start", 3.0),
        (10, "worker", "start", 3.0),
        (15, None, None, 0),
    ]

    def __init__(self, portal, rng, forced=None, always=False):
        """forced: (target, anchor, maximum delay) for every trial instead of a random plan."""
        self.portal, self.rng = portal, rng
        self.plans = [(1, *forced)] if forced else [p for p in self.PLANS if p[1] or not always]
        self.lock = threading.Lock()
        self.plan = None
        self.timers = []
        self.phase = "idle"
        self.kills = collections.Counter()
        self.phases = collections.Counter()

    def new_trial(self):
        weights = [p[0] for p in self.plans]
        _w, target, anchor, most = self.rng.choices(self.plans, weights)[0]
        delay = None if most is None else self.rng.uniform(0, most)
        self.plan = (target, anchor, delay) if target else None

    def planned(self, target, anchor):
        return bool(self.plan) and self.plan[:2] == (target, anchor)

    def at(self, anchor, phase, span=1.0):
        """The client reached `anchor`; `span`: how long what starts now should take."""
        self.phase = phase
        if self.plan and self.plan[1] == anchor:
            target, _anchor, delay = self.plan
            if delay is None:
                delay = self.rng.uniform(0, span)
            self.plan = None
            timer = threading.Timer(delay, self._kill, [target])
            timer.daemon = True
            self.timers.append(timer)
            timer.start()

    def _kill(self, target):
        process = self.portal.web if target == "web" else self.portal.worker
        phase = self.phase
        with self.lock:
            downtime = self.rng.uniform(0, 0.3)  # down for a moment
        if process.kill_and_restart(downtime):
            with self.lock:
                self.kills[target] += 1
                self.phases[f"{target}/{phase}"] += 1

    def finish_trial(self):
        for timer in self.timers:  # a kill whose anchor was reached happens, even if late
            timer.join(timeout=30)
        self.timers = []
        self.portal.web.ensure_running()
        self.portal.worker.ensure_running()


class Trials:
    def __init__(self, portal, rng, killer, *, verbose=True, max_rows=60000):
        self.portal, self.rng, self.killer, self.verbose = portal, rng, killer, verbose
        self.max_rows = max_rows
        self.produsen = Client(portal.port)
        self.walidata = Client(portal.port)
        self.acked = []
        self.tables = collections.defaultdict(list)  # dataset slug -> table names used
        self.stats = collections.Counter()

    def sign_in(self):
        self.produsen.sign_in("produsen")
        self.walidata.sign_in("walidata")

    def run(self, trial):
        self.killer.new_trial()
        self.killer.at("start", "idle")
        slug = OPEN if self.rng.random() < 0.7 else CLOSED
        bad = self.rng.random() < 0.1
        data = make_csv(self.rng, trial, bad=bad, max_rows=self.max_rows)
        if self.tables[slug] and self.rng.random() < 0.3:
            table = self.rng.choice(self.tables[slug])  # a new version of an earlier table
        else:
            table = f"Tabel uji {trial}"
            self.tables[slug].append(table)
        run = None
        for _attempt in range(3):  # a user tries again when the upload got no answer
            run = self.upload(slug, table, data)
            if run is not None:
                break
            self.portal.wait_ready()
        outcome = "tidak diterima"
        if run is not None:
            self.acked.append(
                {"run": run, "sha256": hashlib.sha256(data).hexdigest(), "trial": trial}
            )
            status = self.wait_for(run)
            outcome = status or "belum selesai"
            if status == "succeeded" and self.rng.random() < 0.6:
                outcome += ", " + self.publish(run)
        self.killer.at("end", "idle")
        self.killer.finish_trial()
        self.stats[outcome] += 1
        if self.verbose:
            kb = len(data) // 1024
            log(f"  percobaan {trial}: {kb} KB ke {slug} ({table}) -> {outcome}")

    def upload(self, slug, table, data):
        """The run number once the server acknowledged the upload, else None."""
        slow = self.rng.choice([0, 0, 0.3, 1.0])
        if self.killer.planned("web", "upload"):  # sent slowly, so that the kill lands in it
            slow = self.rng.uniform(0.5, 1.5)
        name = f"unggahan-{uuid.uuid4().hex[:8]}.csv"
        form = self.rng.random() < 0.7
        try:
            resources = self.resource_ids(slug) if form else {}
            # the body's sending, then the request's handling (storing, committing)
            self.killer.at("upload", "upload", span=slow + 0.1 + len(data) / 20e6)
            if form:
                fields = (
                    {"resource": resources[table]}
                    if table in resources
                    else {"resource": "new", "new_name": table}
                )
                response = self.produsen.post(
                    f"/kelola/dataset/{slug}/unggah/", fields, {"file": (name, data)}, slow=slow
                )
                found = re.fullmatch(r"/kelola/unggahan/(\d+)/", response.location)
                run = int(found.group(1)) if response.status == 302 and found else None
            else:
                token = base64.b64encode(f"produsen:{PASSWORD}".encode()).decode()
                response = Client(self.portal.port).post(
                    f"/kelola/api/dataset/{slug}/unggah",
                    {"table": table},
                    {"file": (name, data)},
                    headers={"Authorization": f"Basic {token}"},
                    slow=slow,
                )
                run = json.loads(response.body)["run"] if response.status == 202 else None
        except Unreachable:
            self.stats["unggahan tanpa jawaban"] += 1
            return None
        if run is None:
            self.stats[f"unggahan HTTP {response.status}"] += 1
            return None
        self.killer.at("ack", "ingest")
        return run

    def resource_ids(self, slug):
        page = patiently(lambda: self.produsen.get(f"/kelola/dataset/{slug}/unggah/")).text()
        return {
            name.strip(): pk
            for pk, name in re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', page)
        }

    def wait_for(self, run):
        deadline = time.monotonic() + RUN_TIMEOUT
        while time.monotonic() < deadline:
            try:
                response = self.produsen.get(f"/kelola/unggahan/{run}/status.json")
                if response.status == 200:
                    body = json.loads(response.body)
                    if body["finished"]:
                        return body["status"]
                elif response.status == 404:  # acknowledged, yet not there: lost
                    return "tidak ada (404)"
            except Unreachable:
                pass
            time.sleep(0.2)
        return None

    def publish(self, run):
        self.killer.at("publish", "publish")
        try:
            page = patiently(lambda: self.produsen.get(f"/kelola/unggahan/{run}/")).text()
            found = re.search(r"/kelola/alur/versi/(\d+)/ajukan/", page)
            if not found:
                return "tidak dapat diajukan"
            version = found.group(1)
            submit = patiently(lambda: self.produsen.post(f"/kelola/alur/versi/{version}/ajukan/"))
            found = re.search(r"/kelola/alur/pengajuan/(\d+)/", submit.location)
            if not found:  # refused (another submission of this table is open): left as draft
                return "pengajuan ditolak"
            submission = found.group(1)
            for _step in range(8):
                page = patiently(
                    lambda: self.walidata.get(f"/kelola/alur/pengajuan/{submission}/")
                ).text()
                actions = set(re.findall(rf"/kelola/alur/pengajuan/{submission}/(\w+)/", page))
                step = next((a for a in ("publish", "approve") if a in actions), None)
                if step is None:
                    state = re.search(r"Status: ([^<]+)</strong>", page)
                    return state.group(1).strip().lower() if state else "?"
                self.killer.at(step, "publish")
                try:
                    self.walidata.post(f"/kelola/alur/pengajuan/{submission}/{step}/")
                except Unreachable:
                    self.portal.wait_ready()
            return "diajukan"
        except Unreachable:
            return "server tidak terjangkau"


# --- reconciliation ------------------------------------------------------------------------------


def public_check(port, versions):
    """Every file of every version, downloaded as the public: exactly the published ones of
    published Terbuka datasets are served, each with the recorded hash."""
    public = Client(port)
    problems, served = [], 0
    for v in versions:
        base = f"/dataset/{v['slug']}/berkas/{v['resource']}/v{v['number']}/unduh"
        for name, key in v["files"].items():
            path = base + "/" if name == "asli" else f"{base}.{name}"
            response = patiently(lambda path=path: public.get(path))
            expected = v["published"] and v["open"] and v["dataset_published"]
            if expected and response.status != 200:
                problems.append({"version": v["pk"], "file": name, "why": "published, not served"})
            elif not expected and response.status != 404:
                problems.append(
                    {
                        "version": v["pk"],
                        "file": name,
                        "why": f"unpublished, HTTP {response.status}",
                    }
                )
            elif expected:
                served += 1
                if hashlib.sha256(response.body).hexdigest() != key:
                    problems.append(
                        {"version": v["pk"], "file": name, "why": "served bytes differ"}
                    )
    return problems, served


def swept_counts(output):
    orphans = re.search(r"([\d,.]+) berkas yatim dihapus", output)
    tmp = re.search(r"([\d,.]+) berkas sementara basi dihapus", output)

    def number(found):
        return int(re.sub(r"\D", "", found.group(1))) if found else None

    return number(orphans), number(tmp)


def reconcile(portal, acked, killer, trials, started, args):
    log("== rekonsiliasi")
    acked_file = portal.var_dir / "acknowledged.json"
    acked_file.write_text(json.dumps(acked))
    env = {"CRASH_ACKED": str(acked_file)}
    # Everything runs again, nothing is killed any more: the worker finishes or fails what the
    # kills interrupted, within SETTLE_TIMEOUT.
    portal.wait_ready()
    portal.worker.ensure_running()
    state = portal.shell(RECONCILE, extra_env={**env, "CRASH_SETTLE": str(SETTLE_TIMEOUT)})
    log(f"   basis data diperiksa pada detik {time.monotonic() - started:.1f}")
    visibility, served = public_check(portal.port, state["versions"])
    portal.stop()
    log(f"   unduhan publik diperiksa, portal berhenti pada detik {time.monotonic() - started:.1f}")
    # Quiet now (no process writes): orphans of any age may go; then check again that nothing
    # acknowledged or referenced went with them.
    after = portal.shell(RECONCILE, extra_env={**env, "CRASH_SWEEP": "1"})
    orphans, tmp = swept_counts(after["checks"]["sweep"]["output"])
    checks = state["checks"]
    published = sum(1 for v in state["versions"] if v["published"])
    summary = {
        "database": "postgresql" if args.database_url else "sqlite",
        "fault": args.fault,
        "seed": args.seed,
        "trials": args.n,
        "kills_web": killer.kills["web"],
        "kills_worker": killer.kills["worker"],
        "kills_by_phase": dict(sorted(killer.phases.items())),
        "acknowledged": len(acked),
        "lost": len(state["lost"]),
        "lost_after_sweep": len(after["lost"]),
        "corrupt": len(state["corrupt"]) + len(after["corrupt"]),
        "half_visible": len(state["half_visible"]) + len(visibility),
        "stuck_runs": len(state["stuck"]),
        "unclean_failures": len(state["unclean_failures"]),
        "runs": state["runs"],
        "runs_resumed": state["resumed"],
        "versions": len(state["versions"]),
        "published": published,
        "public_files_checked": served,
        "verify_integrity_ok": checks["verify_integrity"]["ok"],
        "verify_integrity_after_sweep_ok": after["checks"]["verify_integrity"]["ok"],
        "audit_chain_ok": checks["audit_verify"]["ok"] and after["checks"]["audit_verify"]["ok"],
        "orphans_swept": orphans,
        "tmp_swept": tmp,
        "outcomes": dict(trials.stats),
        "seconds": round(time.monotonic() - started, 1),
    }
    for label, items in (
        ("HILANG", state["lost"]),
        ("HILANG setelah penyapuan", after["lost"]),
        ("RUSAK", state["corrupt"] + after["corrupt"]),
        ("SETENGAH TERLIHAT", state["half_visible"] + visibility),
        ("MACET", state["stuck"]),
    ):
        for item in items[:20]:
            log(f"  {label}: {json.dumps(item)}")
    for name, check in (
        ("verify-integrity", checks["verify_integrity"]),
        ("audit-verify", checks["audit_verify"]),
        ("verify-integrity setelah penyapuan", after["checks"]["verify_integrity"]),
    ):
        if not check["ok"]:
            log(f"  {name} gagal:\n{check['output']}")
    return summary


def failed(summary):
    return bool(
        summary["lost"]
        or summary["lost_after_sweep"]
        or summary["corrupt"]
        or summary["half_visible"]
        or summary["stuck_runs"]
        or summary["unclean_failures"]
        or not summary["verify_integrity_ok"]
        or not summary["verify_integrity_after_sweep_ok"]
        or not summary["audit_chain_ok"]
    )


def print_summary(summary):
    log("== hasil")
    rows = [
        ("percobaan", summary["trials"]),
        ("proses web dibunuh (SIGKILL)", summary["kills_web"]),
        ("pekerja dibunuh (SIGKILL)", summary["kills_worker"]),
        ("  menurut tahap", summary["kills_by_phase"]),
        ("unggahan yang diakui server", summary["acknowledged"]),
        ("hilang", summary["lost"]),
        ("hilang setelah penyapuan", summary["lost_after_sweep"]),
        ("versi rusak", summary["corrupt"]),
        ("versi setengah terlihat", summary["half_visible"]),
        ("proses macet", summary["stuck_runs"]),
        ("gagal tanpa pesan", summary["unclean_failures"]),
        ("proses menurut status", summary["runs"]),
        ("proses dilanjutkan setelah terputus", summary["runs_resumed"]),
        ("versi / terbit", f"{summary['versions']} / {summary['published']}"),
        ("berkas publik diperiksa", summary["public_files_checked"]),
        ("verify-integrity", "lulus" if summary["verify_integrity_ok"] else "GAGAL"),
        ("rantai audit", "utuh" if summary["audit_chain_ok"] else "GAGAL"),
        ("berkas yatim disapu", summary["orphans_swept"]),
        ("berkas sementara disapu", summary["tmp_swept"]),
        ("durasi (detik)", summary["seconds"]),
    ]
    for label, value in rows:
        log(f"{label:40} {value}")


# --- the faulty web server of the self-test ---------------------------------------------------


def serve_with_fault(mode, port):
    """`satudata serve --no-worker` with the write path deliberately broken (self-test only)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satudata.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from satudata.ingest import actions
    from satudata.ingest.models import IngestRun
    from satudata.lib import filestore

    def later(work):
        def target():
            time.sleep(FAULT_DELAY)
            try:
                work()
            finally:
                connection.close()

        threading.Thread(target=target, daemon=True).start()

    if mode == "late-commit":  # the acknowledgement goes out before the run's row commits
        original = actions.start_upload

        class Undo(Exception):
            pass

        def start_upload(resource, stream, original_name, *, actor, request=None):
            try:  # the run's row (its audit event, its task) undone, the file kept
                with transaction.atomic():
                    run = original(resource, stream, original_name, actor=actor, request=request)
                    row = {f.attname: getattr(run, f.attname) for f in run._meta.concrete_fields}
                    raise Undo
            except Undo:
                pass

            def commit():
                actions.enqueue(IngestRun.objects.create(**row))

            later(commit)
            return run

        actions.start_upload = start_upload
    elif mode == "late-file":  # the row commits before the file is durable in the store
        original_store = actions.store_upload

        def store_upload(stream, original_name, *, max_bytes, encrypt=False):
            data = stream.read()
            later(
                lambda: original_store(
                    io.BytesIO(data), original_name, max_bytes=max_bytes, encrypt=encrypt
                )
            )
            return filestore.StoredFile(hashlib.sha256(data).hexdigest(), len(data))

        actions.store_upload = store_upload
    else:
        raise SystemExit(f"unknown fault {mode}")
    call_command("serve", "--no-worker", "--port", str(port), "--threads", "4")


# --- main ----------------------------------------------------------------------------------------


def kill_plan(text):
    target, anchor, most = text.split(":")
    if target not in ("web", "worker") or anchor not in ANCHORS:
        raise argparse.ArgumentTypeError(f"not a kill plan: {text}")
    return target, anchor, float(most)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=int(os.environ.get("N", "20")), help="trials")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("CRASH_DATABASE_URL", ""),
        help="an empty PostgreSQL database (default: SQLite in the temporary var dir)",
    )
    parser.add_argument("--fault", choices=["late-commit", "late-file"], default=None)
    parser.add_argument(
        "--max-rows", type=int, default=60000, help="largest CSV (rows; 60000 is about 2 MB)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary var dir")
    parser.add_argument(
        "--snapshot", type=Path, help="SQLite: reuse (or make) a set-up copy of the var dir here"
    )
    parser.add_argument("--quiet", action="store_true", help="no line per trial")
    parser.add_argument("--always-kill", action="store_true", help="a kill in every trial")
    parser.add_argument(
        "--kill-plan",
        type=kill_plan,
        help="TARGET:ANCHOR:SECONDS, the same kill in every trial, e.g. worker:ack:2 (web or "
        "worker; start, upload, ack, publish, approve; a random delay up to SECONDS)",
    )
    parser.add_argument("--serve-with-fault", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_with_fault:
        return serve_with_fault(args.serve_with_fault, args.port)
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(2**32)
    rng = random.Random(args.seed)
    started = time.monotonic()
    var_dir = Path(tempfile.mkdtemp(prefix="satudata-crash-"))
    portal = Portal(var_dir, args.database_url, args.fault)
    log(
        f"== uji tabrakan: {args.n} percobaan, benih {args.seed}, basis data "
        f"{'PostgreSQL' if args.database_url else 'SQLite'}"
        f"{', KESALAHAN SENGAJA ' + args.fault if args.fault else ''}; direktori {var_dir}"
    )
    summary = None
    try:
        portal.setup(args.snapshot)
        portal.start()
        log(f"   portal siap dalam {time.monotonic() - started:.1f} detik")
        # The self-test kills the web server right after every acknowledgement.
        forced = ("web", "ack", 0.05) if args.fault else args.kill_plan
        killer = Killer(portal, rng, forced=forced, always=args.always_kill)
        trials = Trials(portal, rng, killer, verbose=not args.quiet, max_rows=args.max_rows)
        patiently(trials.sign_in)
        for trial in range(1, args.n + 1):
            trials.run(trial)
        log(f"   percobaan selesai pada detik {time.monotonic() - started:.1f}")
        summary = reconcile(portal, trials.acked, killer, trials, started, args)
    finally:
        portal.stop()
        # kept for inspection on failure (unless the failure was the self-test's purpose)
        if summary is None or args.keep or (failed(summary) and not args.fault):
            log(f"direktori disimpan untuk diperiksa: {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)
    print_summary(summary)
    print(json.dumps(summary, sort_keys=True), flush=True)
    return 1 if failed(summary) else 0


if __name__ == "__main__":
    sys.exit(main())
