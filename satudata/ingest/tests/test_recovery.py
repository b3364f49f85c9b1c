"""Runs a crash interrupted are queued again or end cleanly failed (ingest/recovery.py)."""

import os
import subprocess
import time
from datetime import timedelta

import pytest
from django_tasks_db.models import DBTaskResult

from satudata.ingest import actions, recovery
from satudata.ingest.constants import RunStatus
from satudata.ingest.models import IngestRun
from satudata.ingest.tasks import process_upload
from satudata.lib import filestore

CLEAN = b"kode_wilayah,tahun,jumlah\n53.01,2023,120\n53.10,2023,95\n53.71,2023,210\n"


@pytest.fixture(autouse=True)
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def dead_worker():
    child = subprocess.Popen(["true"])  # noqa: S607
    child.wait()
    return f"{recovery.socket.gethostname()}:{child.pid}"


def make_run(catalog, **fields):
    resource = catalog["open"].resources.get()
    key = filestore.put(CLEAN).key
    return IngestRun.objects.create(
        resource=resource, file_key=key, size=len(CLEAN), original_name="data.csv", **fields
    )


def ready_tasks(run):
    return [
        t for t in DBTaskResult.objects.filter(status="READY") if t.args_kwargs["args"] == [run.pk]
    ]


@pytest.mark.django_db
def test_a_run_of_a_dead_worker_is_queued_again_and_finishes(
    catalog, django_capture_on_commit_callbacks
):
    worker = dead_worker()
    run = make_run(catalog, status=RunStatus.RUNNING, worker=worker, attempts=1)
    task = process_upload.enqueue(run.pk)
    DBTaskResult.objects.filter(pk=task.id).update(status="RUNNING", worker_ids=[worker])
    alive = make_run(catalog, status=RunStatus.RUNNING, worker=recovery.worker_name())
    with django_capture_on_commit_callbacks(execute=True):
        counts = recovery.recover_runs()
    assert counts == {"requeued": 1, "failed": 0, "enqueued": 0, "dead_tasks": 1}
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED and len(ready_tasks(run)) == 1
    assert DBTaskResult.objects.get(pk=task.id).status == "FAILED"
    alive.refresh_from_db()
    assert alive.status == RunStatus.RUNNING  # this process is alive: left alone
    run = actions.process_run(run.pk)
    assert run.status == RunStatus.SUCCEEDED and run.attempts == 2 and run.version is not None


@pytest.mark.django_db
def test_a_run_interrupted_three_times_ends_failed_with_a_message(catalog):
    run = make_run(catalog, status=RunStatus.RUNNING, worker=dead_worker(), attempts=3)
    assert recovery.recover_runs()["failed"] == 1
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.is_finished and run.version is None
    problem = run.problems.get()
    assert problem.code == "run.interrupted" and "Unggah lagi" in problem.hint
    assert not ready_tasks(run)
    assert recovery.recover_runs() == {"requeued": 0, "failed": 0, "enqueued": 0, "dead_tasks": 0}


@pytest.mark.django_db
def test_a_queued_run_without_a_task_gets_one(catalog):
    orphaned = make_run(catalog)
    queued = make_run(catalog)
    process_upload.enqueue(queued.pk)
    IngestRun.objects.update(created_at=IngestRun.objects.get(pk=queued.pk).created_at)
    assert recovery.recover_runs(queued_grace=3600)["enqueued"] == 0  # young: its task may come
    IngestRun.objects.update(created_at=orphaned.created_at - timedelta(seconds=120))
    assert recovery.recover_runs()["enqueued"] == 1
    assert len(ready_tasks(orphaned)) == 1 and len(ready_tasks(queued)) == 1


def test_a_reaped_or_zombie_process_is_dead():
    assert recovery.process_alive(os.getpid())
    child = subprocess.Popen(["sleep", "30"])  # noqa: S607
    try:
        assert recovery.process_alive(child.pid)
        child.kill()
        for _ in range(100):  # killed, not reaped yet: a zombie
            if not recovery.process_alive(child.pid):
                break
            time.sleep(0.02)
        assert not recovery.process_alive(child.pid)
    finally:
        child.wait()
    assert not recovery.process_alive(child.pid)
