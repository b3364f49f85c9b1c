"""`satudata worker`: django-tasks-db's db_worker that also recovers runs a crash interrupted.

At start-up and then every --recover-interval seconds it calls ingest.recovery.recover_runs():
runs whose worker died are queued again (or end Gagal after three starts), runs whose task was
never queued (the web process died right after the commit) get one. Its task-queue worker id
is "host:pid", the name process_run records on a run, so the tasks of a dead worker can be
told apart from those of a live one.
"""

import logging
import threading

from django.db import close_old_connections, connection
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from satudata.ingest.recovery import recover_runs, worker_name

log = logging.getLogger("satudata.ingest.recovery")


def _recover(grace):
    try:
        recover_runs(queued_grace=grace)
    except Exception:  # noqa: BLE001 - a failed pass is logged and tried again next time
        log.exception("recovering interrupted ingestion runs failed")


class Command(DbWorkerCommand):
    help = (
        "Pekerja latar (db_worker) yang juga melanjutkan atau menggagalkan dengan rapi proses "
        "unggahan yang terputus karena proses mati."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(worker_id=None)
        parser.add_argument(
            "--recover-interval",
            type=float,
            default=60.0,
            help="detik antara pemeriksaan proses unggahan yang terputus (bawaan 60)",
        )

    def handle(self, *args, recover_interval, worker_id=None, **options):
        grace = max(recover_interval, 1.0)
        _recover(grace)
        close_old_connections()

        def periodically():
            stop = threading.Event()
            while not stop.wait(grace):
                _recover(grace)
                connection.close()  # this thread's own connection

        threading.Thread(target=periodically, name="recover-runs", daemon=True).start()
        super().handle(*args, worker_id=worker_id or worker_name()[:64], **options)
