"""Ingestion runs a crash left behind: queued again, or ended as a clean failure.

A run is processed by a task of the database queue (tasks.process_upload). Two crashes leave
a run nobody would ever finish:

* the web process dies after the run's row committed but before the task was queued
  (start_upload queues it on commit): the run stays Menunggu with no task;
* the worker dies while processing (SIGKILL, out of memory, power): the run stays Diproses,
  and django-tasks-db leaves its task row "running" for ever.

recover_runs() finds both and queues them again; process_run() is safe to repeat (stored files
are content-addressed, the version is created once, in the transaction that finishes the run).
A run that was started MAX_ATTEMPTS times and never finished (a file that kills the worker
each time) ends Gagal with a message asking for a new upload, instead of looping for ever.
`satudata worker` calls it at start-up and then periodically.

Whether a worker is dead: run.worker is "host:pid". On this host, a process that no longer
exists (or is a zombie) is dead; a run of another host counts as dead only after STALE_AFTER,
far beyond the longest processing allowed by the upload limits.
"""

import logging
import os
import socket
from datetime import timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .constants import RunStatus, Stage
from .models import IngestRun

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
STALE_AFTER = timedelta(hours=6)
TASK_PATH = "satudata.ingest.tasks.process_upload"


class RunInterrupted(Exception):
    """The worker processing a run stopped without finishing it."""


def worker_name() -> str:
    """How process_run names the process working on a run (`satudata worker` uses it as its
    task-queue worker id, cut to 64 characters)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed child its parent has not reaped yet still answers kill(0)
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[0] != "Z"


def worker_dead(name: str, started, *, now=None) -> bool:
    """Whether the worker `name` ("host:pid") that started something at `started` is gone."""
    host, _sep, pid = (name or "").rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        return not process_alive(int(pid))
    return started is not None and started < (now or timezone.now()) - STALE_AFTER


def _tasks(status):
    """(task row, run id) of process_upload tasks in `status`."""
    from django_tasks_db.models import DBTaskResult

    for task in DBTaskResult.objects.filter(task_path=TASK_PATH, status=status):
        args = (task.args_kwargs or {}).get("args") or []
        if args and isinstance(args[0], int):
            yield task, args[0]


def recover_runs(*, queued_grace: float = 60.0) -> dict[str, int]:
    """Queue again (or fail) the runs a crash interrupted; returns the counts.

    queued_grace: a Menunggu run younger than this many seconds is left alone (its task is
    queued right after its commit).
    """
    from django_tasks_db.compat import TaskResultStatus

    counts = {"requeued": 0, "failed": 0, "enqueued": 0, "dead_tasks": 0}
    # Task rows of dead workers stay "running" for ever: end them (the run row is the truth).
    alive = set()
    for task, run_id in _tasks(TaskResultStatus.RUNNING):
        if worker_dead((task.worker_ids or [""])[-1], task.started_at):
            task.set_failed(RunInterrupted(f"worker {task.worker_ids[-1]} stopped"))
            counts["dead_tasks"] += 1
        else:
            alive.add(run_id)
    pending = alive | {run_id for _task, run_id in _tasks(TaskResultStatus.READY)}
    handled = set()
    for run in IngestRun.objects.filter(status=RunStatus.RUNNING).order_by("pk"):
        if worker_dead(run.worker, run.started_at or run.created_at):
            outcome = _recover(run, queue=run.pk not in pending)
            if outcome:
                counts[outcome] += 1
                handled.add(run.pk)
    cutoff = timezone.now() - timedelta(seconds=queued_grace)
    queued = IngestRun.objects.filter(status=RunStatus.QUEUED, created_at__lt=cutoff)
    for run in queued.exclude(pk__in=pending | handled).order_by("pk"):
        _enqueue(run)
        counts["enqueued"] += 1
    if any(counts.values()):
        log.warning(
            "recovered ingestion runs: %(requeued)d queued again, %(failed)d failed, "
            "%(enqueued)d queued that had no task, %(dead_tasks)d tasks of dead workers ended",
            counts,
        )
    return counts


def _enqueue(run):
    from .actions import enqueue

    enqueue(run)


def _recover(run, *, queue: bool) -> str | None:
    """Queue an interrupted run again, or end it Gagal after MAX_ATTEMPTS starts."""
    from .actions import _finish
    from .problems import Problem, Severity

    with transaction.atomic():
        locked = IngestRun.objects.select_for_update().get(pk=run.pk)
        if locked.status != RunStatus.RUNNING or locked.worker != run.worker:
            return None  # finished, or taken up again, meanwhile
        if locked.attempts >= MAX_ATTEMPTS:
            problem = Problem(
                code="run.interrupted",
                severity=Severity.ERROR,
                message=_(
                    "Pemrosesan berkas terhenti %(n)s kali karena gangguan di sistem, "
                    "bukan karena berkas Anda."
                )
                % {"n": locked.attempts},
                hint=_(
                    "Berkas Anda tersimpan. Unggah lagi untuk mencoba kembali; bila terus "
                    "gagal, hubungi Walidata dengan menyebut nomor proses ini."
                ),
            )
            _finish(locked, [problem], status=RunStatus.FAILED)
            IngestRun.objects.filter(pk=run.pk).update(
                failure=f"interrupted {locked.attempts} times (last worker {run.worker})"
            )
            return "failed"
        IngestRun.objects.filter(pk=run.pk).update(
            status=RunStatus.QUEUED, stage=Stage.RECEIVED, percent=0
        )
        if queue:
            transaction.on_commit(lambda: _enqueue(run))
    return "requeued"
