"""Crash trials, short: SIGKILL the web server and the worker while uploading, processing and
publishing, then reconcile (scripts/crash_trials.py; `make crash-trials N=200` for the long run).

The self-tests break the write path on purpose and check that the reconciliation notices:
SIGKILL cannot show a missing fsync (the page cache survives a killed process), but it does
show an acknowledgement sent before the commit, or a commit made before the file is stored.
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
HARNESS = ROOT / "scripts" / "crash_trials.py"
# PostgreSQL: CREATE DATABASE cannot run inside a transaction, and transaction=True tests run
# outside one.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    """A migrated SQLite var dir shared by the runs of this module (they skip the migrations)."""
    return tmp_path_factory.mktemp("crash-snapshot")


@pytest.fixture
def database_url():
    """'' on SQLite; on PostgreSQL a new, empty database on the test run's server."""
    url = os.environ.get("SATUDATA_DATABASE_URL", "")
    if not url:
        yield ""
        return
    name = f"crash_{uuid.uuid4().hex[:10]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield urlunsplit(urlsplit(url)._replace(path="/" + name))
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def trials(*args, database_url, snapshot):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SATUDATA_", "DJANGO_"))}
    command = [sys.executable, str(HARNESS), "--quiet", "--max-rows", "2000", *args]
    command += ["--database-url", database_url] if database_url else ["--snapshot", str(snapshot)]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    output = done.stdout + done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    return done.returncode, summary, output


def test_killed_processes_lose_nothing(database_url, snapshot):
    code, summary, output = trials(
        "-n", "3", "--always-kill", database_url=database_url, snapshot=snapshot
    )
    assert code == 0, output
    assert summary["acknowledged"] >= 1, output
    assert summary["kills_web"] + summary["kills_worker"] >= 1, output
    assert summary["lost"] == summary["corrupt"] == summary["half_visible"] == 0, output
    assert summary["stuck_runs"] == 0 and summary["verify_integrity_ok"], output


@pytest.mark.parametrize("fault", ["late-commit", "late-file"])
def test_the_reconciliation_notices_a_broken_write_path(database_url, snapshot, fault):
    # late-commit: acknowledged, committed 2 s later; late-file: committed, file stored 2 s
    # later. The web server is killed right after the acknowledgement.
    code, summary, output = trials(
        "-n", "1", "--fault", fault, database_url=database_url, snapshot=snapshot
    )
    assert code != 0, output
    assert summary["acknowledged"] == 1 and summary["lost"] == 1, output
    if fault == "late-file":
        assert not summary["verify_integrity_ok"], output
