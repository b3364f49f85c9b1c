"""The production configuration for real: `satudata serve --processes 2 --workers 2`.

A portal in its own SATUDATA_VAR_DIR (on PostgreSQL: its own database in the suite's cluster),
in production mode behind a pretend TLS proxy, is served on a free loopback port. The test
reads pages, a hashed static file, the APIs; checks that two web processes both serve and
that a background worker of this very server processes an upload; then stops everything
with SIGTERM (or SIGKILL) and checks that no process is left.
"""

import base64
import http.client
import json
import os
import re
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
SATUDATA = [sys.executable, "-m", "satudata"]
PROXY = {"X-Forwarded-Proto": "https", "Accept-Encoding": "gzip", "Accept-Language": "id"}
CSV = "kode_wilayah,tahun,nilai\n53.71,2023,12.5\n53.71,2024,11.9\n"

SETUP = f"""
import io
from django.db import transaction
from django.utils import timezone
from satudata.accounts.constants import Role
from satudata.accounts.models import Membership, Organization, User
from satudata.catalog.actions import add_version, refresh_search_document
from satudata.catalog.constants import Access, ResourceKind, State
from satudata.catalog.models import Dataset, Resource
from satudata.ingest.actions import start_upload
from satudata.regions.models import Region

province = Region.objects.create(code="53", name="Nusa Tenggara Timur", level=1, bps_code="53")
Region.objects.create(code="53.71", name="Kota Kupang", level=2, parent=province, bps_code="5371")
opd = Organization.objects.create(
    slug="dinas-kesehatan", name="Dinas Kesehatan", short_name="Dinkes", region=province
)
producer = User.objects.create_user("produsen", full_name="Produsen Dinkes")
Membership.objects.create(user=producer, role=Role.PRODUCER, organization=opd)
with transaction.atomic():
    dataset = Dataset.objects.create(
        organization=opd, slug="angka-kesakitan", title="Angka Kesakitan Kota Kupang",
        description="Data uji konfigurasi produksi.", access=Access.OPEN,
        state=State.PUBLISHED, temporal_start=2023, temporal_end=2024,
        spatial_coverage_id="53", published_at=timezone.now(),
    )
    resource = Resource.objects.create(dataset=dataset, name="Tabel", kind=ResourceKind.TABLE)
    add_version(resource, {CSV!r}.encode(), "angka-kesakitan.csv", published=True)
    refresh_search_document(dataset)
# An upload by the Produsen: its processing is queued for a background worker.
run = start_upload(resource, io.BytesIO({CSV!r}.encode()), "pembaruan.csv", actor=producer)
print("RUN", run.pk)
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Instance:
    """A separate portal: environment, database and a way to read its tables."""

    def __init__(self, tmp_path):
        self.var = tmp_path / "var"
        self.url = os.environ.get("SATUDATA_DATABASE_URL", "")
        self.admin_url, self.database = self.url, None
        if self.url:
            self.database = f"prod_{uuid.uuid4().hex[:10]}"
            self._admin(f'CREATE DATABASE "{self.database}"')
            self.url = urlunsplit(urlsplit(self.url)._replace(path="/" + self.database))
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("SATUDATA_", "DJANGO_"))}
        self.env = {
            **clean,
            "SATUDATA_VAR_DIR": str(self.var),
            "SATUDATA_DATABASE_URL": self.url,
            "SATUDATA_PRODUCTION": "1",
            "SATUDATA_SECRET_KEY": secrets.token_urlsafe(64),
            "SATUDATA_ALLOWED_HOSTS": "127.0.0.1",
            "SATUDATA_PROXY_SSL_HEADER": "X-Forwarded-Proto",
            "SATUDATA_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
            "SATUDATA_LOG_LEVEL": "ERROR",
            "SATUDATA_TRUSTED_PROXIES": "127.0.0.1",  # the pretend proxy; 127.0.0.2 is not one
        }

    def _admin(self, sql):
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as con:
            con.execute(sql)

    def run(self, *args):
        done = subprocess.run(
            [*SATUDATA, *args], env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def row(self, sql):
        if self.url:
            import psycopg

            with psycopg.connect(self.url) as con:
                return con.execute(sql).fetchone()
        with sqlite3.connect(self.var / "satudata.sqlite3", timeout=10) as con:
            return con.execute(sql).fetchone()

    def drop(self):
        if self.database:
            self._admin(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    portal = Instance(tmp_path_factory.mktemp("produksi"))
    try:
        portal.run("migrate", "--noinput", "-v", "0")
        out = portal.run("shell", "-c", SETUP)
        portal.run_id = int(re.search(r"RUN (\d+)", out).group(1))
        yield portal
    finally:
        portal.drop()


# --- processes, read from /proc ------------------------------------------------------------------


def children(pid):
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        found = []
        for task in tasks:
            found += [int(p) for p in (task / "children").read_text().split()]
        return found
    except (FileNotFoundError, ProcessLookupError):
        return []


def descendants(pid):
    found = []
    for child in children(pid):
        found += [child, *descendants(child)]
    return found


def command_line(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except FileNotFoundError:
        return ""


def running(pid):
    """True while the process exists and is not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def cpu_ticks(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def wait_until(condition, timeout, step=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    return condition()


# --- HTTP ------------------------------------------------------------------------------------------


def get(port, path, headers=PROXY):
    con = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        con.request("GET", path, headers=headers)
        response = con.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        con.close()


def failed_sign_in(port, *, source, forwarded):
    """A wrong password posted from `source` with an X-Forwarded-For header."""
    con = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    try:
        con.request("GET", "/masuk/", headers=PROXY)
        response = con.getresponse()
        cookies = response.getheader("Set-Cookie")
        page = text({k.lower(): v for k, v in response.getheaders()}, response.read())
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        csrf = re.search(r"csrftoken=([^;]+)", cookies).group(1)
        form = f"csrfmiddlewaretoken={token}&username=tamu&password=salah-sekali"
        headers = {
            **PROXY,
            "X-Forwarded-For": forwarded,
            "Cookie": f"csrftoken={csrf}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"https://127.0.0.1:{port}/masuk/",
        }
        con.request("POST", "/masuk/", body=form, headers=headers)
        response = con.getresponse()
        response.read()
        return response.status
    finally:
        con.close()


def text(headers, body):
    if headers.get("content-encoding") == "gzip":
        import gzip

        body = gzip.decompress(body)
    return body.decode()


def ready(port):
    try:
        return get(port, "/healthz")[0] == 200
    except OSError:
        return False


class Server:
    def __init__(self, instance, *args):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [*SATUDATA, "serve", "--port", str(self.port), *args],
            env=instance.env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.output = []
        threading.Thread(target=lambda: self.output.extend(self.proc.stdout), daemon=True).start()
        if not wait_until(lambda: ready(self.port) or self.proc.poll() is not None, 60):
            self.kill()
            pytest.fail("server did not start:\n" + "".join(self.output))
        assert self.proc.poll() is None, "".join(self.output)

    def kill(self):
        for pid in [*descendants(self.proc.pid), self.proc.pid]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()


def web_and_workers(pid):
    tree = descendants(pid)
    workers = [p for p in tree if " worker " in command_line(p)]
    web = [p for p in tree if "gunicorn" in command_line(p)]
    return web, workers


# --- the tests -------------------------------------------------------------------------------------


def test_production_configuration_serves_processes_and_stops(instance):
    server = Server(instance, "--processes", "2", "--workers", "2")
    port, pid = server.port, server.proc.pid
    try:
        web, workers = wait_until(lambda: (w := web_and_workers(pid)) and len(w[0]) == 3 and w, 30)
        assert len(workers) == 2, [command_line(p) for p in descendants(pid)]
        masters = [p for p in web if p in children(pid)]
        assert len(masters) == 1  # one gunicorn master with two web processes
        web_processes = children(masters[0])
        assert len(web_processes) == 2

        # Pages, behind the pretend TLS proxy (production redirects plain HTTP to HTTPS).
        assert get(port, "/", headers={})[0] == 301
        status, headers, body = get(port, "/")
        home = text(headers, body)
        assert status == 200 and "Angka Kesakitan" in home
        assert "max-age=31536000" in headers["strict-transport-security"]
        status, headers, body = get(port, "/dataset/angka-kesakitan/")
        assert status == 200 and "Angka Kesakitan Kota Kupang" in text(headers, body)

        # Static files: only collected, hashed, compressed names, cached for a year.
        stylesheet = re.search(r'href="(/static/[^"]+\.css)"', home).group(1)
        assert re.search(r"\.[0-9a-f]{12}\.css$", stylesheet), stylesheet
        status, headers, body = get(port, stylesheet)
        assert status == 200 and headers["content-encoding"] == "gzip"
        assert "max-age=315360000" in headers["cache-control"]
        assert "immutable" in headers["cache-control"]
        assert get(port, "/static/../satudata/settings.py")[0] == 404

        # The APIs.
        status, _h, body = get(
            port, "/api/v1/datasets?q=kesakitan", headers={**PROXY, "Accept-Encoding": ""}
        )
        assert status == 200, body[:300]
        assert "angka-kesakitan" in body.decode()
        status, _h, body = get(
            port,
            "/api/3/action/package_search?q=kesakitan",
            headers={**PROXY, "Accept-Encoding": ""},
        )
        assert status == 200 and json.loads(body)["result"]["count"] == 1

        # Behind the trusted proxy the client's address is the one it forwarded (sign-in
        # lockout and audit use it); from any other peer the header is ignored.
        assert failed_sign_in(port, source="127.0.0.1", forwarded="203.0.113.9") == 200
        assert failed_sign_in(port, source="127.0.0.2", forwarded="198.51.100.4") == 200
        addresses = {
            instance.row(f"SELECT COUNT(*) FROM accounts_failedlogin WHERE ip_address = '{ip}'")[0]
            and ip
            for ip in ("203.0.113.9", "127.0.0.2", "198.51.100.4", "127.0.0.1")
        }
        assert addresses - {0} == {"203.0.113.9", "127.0.0.2"}

        # Both web processes serve: their CPU time grows under concurrent requests.
        before = {p: cpu_ticks(p) for p in web_processes}

        def load():
            for _ in range(6):
                assert get(port, "/dataset/angka-kesakitan/")[0] == 200

        def both_busy():
            threads = [threading.Thread(target=load) for _ in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            return all(cpu_ticks(p) - before[p] >= 5 for p in web_processes)

        assert wait_until(both_busy, 30, step=0), {
            p: cpu_ticks(p) - before[p] for p in web_processes
        }

        # The queued upload is processed by one of this server's background workers.
        def finished():
            status, worker = instance.row(
                f"SELECT status, worker FROM ingest_ingestrun WHERE id = {instance.run_id}"
            )
            return status in {"succeeded", "needs_fix", "failed"} and (status, worker)

        status, worker = wait_until(finished, 30) or (None, "")
        assert status == "succeeded", status
        assert int(worker.rsplit(":", 1)[1]) in workers

        # SIGTERM stops everything, gracefully, and nothing is left.
        everyone = [pid, *descendants(pid)]
        server.proc.send_signal(signal.SIGTERM)
        assert server.proc.wait(timeout=40) == 0, "".join(server.output)
        assert wait_until(lambda: not any(running(p) for p in everyone), 10), [
            command_line(p) for p in everyone if running(p)
        ]
        output = "".join(server.output)
        assert "Traceback" not in output, output
    finally:
        if server.proc.poll() is None:
            server.kill()


def test_nothing_is_left_when_serve_is_killed(instance):
    """SIGKILL cannot be caught: the kernel stops the children (PR_SET_PDEATHSIG)."""
    server = Server(instance, "--processes", "2", "--workers", "1")
    pid = server.proc.pid
    everyone = []
    try:
        wait_until(lambda: len(web_and_workers(pid)[0]) == 3, 30)
        everyone = descendants(pid)
        assert len(everyone) == 4, [command_line(p) for p in everyone]
        os.kill(pid, signal.SIGKILL)
        server.proc.wait(timeout=10)
        assert wait_until(lambda: not any(running(p) for p in everyone), 40), [
            command_line(p) for p in everyone if running(p)
        ]
    finally:
        if server.proc.poll() is None:
            server.kill()
        for orphan in [p for p in everyone if running(p)]:  # only when the test failed
            os.kill(orphan, signal.SIGKILL)


def test_waitress_stops_cleanly_on_sigterm(instance):
    """`make run`'s configuration: SIGTERM ends waitress and its worker without a traceback
    (waitress closed from a signal handler used to print "Bad file descriptor")."""
    server = Server(instance, "--workers", "1")
    pid = server.proc.pid
    try:
        everyone = [pid, *descendants(pid)]
        assert len(everyone) == 2
        time.sleep(1.5)  # idle, so that the signal arrives while waitress waits in select()
        server.proc.send_signal(signal.SIGTERM)
        assert server.proc.wait(timeout=30) == 0
        assert not any(running(p) for p in everyone)
        output = "".join(server.output)
        assert "Traceback" not in output and "Bad file descriptor" not in output, output
    finally:
        if server.proc.poll() is None:
            server.kill()
