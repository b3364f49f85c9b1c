"""`satudata serve`: the web server and the background workers together, one command to stop.

One web process (the default, `make run`): waitress with threads in this process. Several
(`--processes N`, production): gunicorn with N gthread processes on one address, as a child.
Either way `--workers M` background workers (`satudata worker`: django-tasks-db's db_worker
that also recovers ingestion runs a crash interrupted) run as children.

This process is the only one a signal has to reach: every child runs in its own process group,
so Ctrl+C in a terminal reaches only us, and we stop each child exactly once (a second signal
would make db_worker abandon the task it is running). SIGTERM or SIGINT stops everything
gracefully (`--grace` seconds, then SIGKILL to the child's whole process group); when any
child stops on its own, the others are stopped too and the command fails, so a supervisor
(systemd `Restart=on-failure`) starts the whole set again. On Linux each child also gets
SIGTERM from the kernel if this process dies without cleaning up (SIGKILL), so nothing is
left running.
"""

import ctypes
import os
import signal
import subprocess  # nosec B404  # fixed argument lists, never a shell
import sys
import threading
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with_parent():
    """A function for the child to run before exec: the kernel sends it SIGTERM when this
    process dies. Only async-signal-safe work happens in the child (libc is loaded here)."""
    if sys.platform != "linux":
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()

    def in_child():
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl: stop now
            os.kill(os.getpid(), signal.SIGTERM)

    return in_child


class Children:
    """The child processes of `serve`, each in its own process group."""

    def __init__(self, grace):
        self.grace = grace
        self.procs = []  # (name, Popen)

    def start(self, name, argv):
        proc = subprocess.Popen(  # nosec B603  # fixed program and argument list, never a shell
            argv,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "satudata.settings"},
            process_group=0,
            preexec_fn=_die_with_parent(),
        )
        self.procs.append((name, proc))
        return proc

    def exited(self):
        """(name, exit code) of the first child that has stopped, or None."""
        for name, proc in self.procs:
            if proc.poll() is not None:
                return name, proc.returncode
        return None

    def stop(self):
        """SIGTERM to each child still running, wait up to `grace` s, then SIGKILL its group."""
        for _name, proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.grace
        for _name, proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for _name, proc in self.procs:
            # The group also holds what the child forked (gunicorn's web processes).
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            proc.wait()


def gunicorn_argv(*, host, port, processes, threads, grace):
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return [
        sys.executable,
        "-m",
        "gunicorn",
        # Django behind SATUDATA_TRUSTED_PROXIES (the client's address from the proxy).
        "satudata.lib.proxy:application",
        "--bind",
        bind,
        "--workers",
        str(processes),
        # Threads let one process wait on DuckDB, the database or a slow client while another
        # request runs; processes give the parallelism the GIL does not.
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--timeout",
        "60",
        "--graceful-timeout",
        str(int(grace)),
        "--keep-alive",
        "5",
        # Long CKAN fq/q and /api/v1 filter query strings (gunicorn's default is 4094).
        "--limit-request-line",
        "8190",
        # A process is replaced after this many requests: bounds slow memory growth (DuckDB,
        # caches) without a restart of the service.
        "--max-requests",
        "5000",
        "--max-requests-jitter",
        "500",
        # Several portals (or a test and a bench) on one machine must not share a control
        # socket under ~/.gunicorn.
        "--no-control-socket",
        "--error-logfile",
        "-",
        "--log-level",
        "warning",
    ]


class Command(BaseCommand):
    help = (
        "Jalankan server web (waitress, atau gunicorn dengan beberapa proses) dan pekerja latar "
        "bersama-sama; Ctrl+C atau SIGTERM menghentikan semuanya."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--processes",
            type=int,
            default=settings.WEB_PROCESSES,
            help="proses web; 1 = waitress dalam proses ini, lebih = gunicorn (bawaan "
            "SATUDATA_WEB_PROCESSES)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=settings.WEB_THREADS,
            help="utas per proses web (bawaan SATUDATA_WEB_THREADS; 0 = 8 untuk waitress, "
            "4 untuk gunicorn)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=settings.TASK_WORKERS,
            help="proses pekerja latar (bawaan SATUDATA_TASK_WORKERS)",
        )
        parser.add_argument("--no-worker", action="store_true", help="tanpa pekerja latar")
        parser.add_argument(
            "--grace",
            type=float,
            default=30.0,
            help="detik menunggu permintaan dan tugas yang sedang berjalan saat berhenti",
        )
        parser.add_argument(
            "--no-collectstatic",
            action="store_true",
            help="jangan jalankan collectstatic lebih dulu (bila SATUDATA_STATIC_COLLECTED)",
        )

    def handle(self, *args, host, port, processes, threads, workers, no_worker, grace, **options):
        if processes < 1 or workers < 0 or threads < 0:
            raise CommandError("--processes minimal 1, --workers dan --threads tidak negatif.")
        if no_worker:
            workers = 0
        if settings.STATIC_COLLECTED and not options["no_collectstatic"]:
            # Hashed, compressed names with their manifest, before any process serves a page.
            call_command("collectstatic", interactive=False, verbosity=0)

        self.stopping = False

        def on_signal(_signum, _frame):
            # Only a flag, seen within a second by the loops below: raising here could leave a
            # waitress channel half-updated, and a second signal must not start a second stop.
            self.stopping = True

        children = Children(grace)
        failed = None
        # Handlers first: a signal during start-up must still stop what was started.
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        try:
            for number in range(1, workers + 1):
                if not self.stopping:
                    children.start(
                        f"pekerja {number}",
                        [sys.executable, "-m", "satudata", "worker", "--interval", "1"],
                    )
            url = f"http://{host}:{port}/"
            server = "gunicorn" if processes > 1 else "waitress"
            if processes > 1 and not self.stopping:
                argv = gunicorn_argv(
                    host=host, port=port, processes=processes, threads=threads or 4, grace=grace
                )
                children.start("gunicorn", argv)
            self.stdout.write(
                self.style.SUCCESS(f"Satu Data berjalan di {url}  (hentikan dengan Ctrl+C)")
            )
            self.stdout.write(
                f"Basis data: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}; "
                f"web: {server}, {processes} proses; pekerja latar: {workers}"
            )
            self.stdout.flush()
            if processes > 1:
                failed = self._supervise(children)
            else:
                failed = self._run_waitress(children, host, port, threads or 8, grace)
        finally:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # nothing may interrupt the clean-up
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            children.stop()
        if failed:
            name, code = failed
            raise CommandError(f"{name} berhenti (kode {code}); semua proses dihentikan.")

    def _supervise(self, children):
        """Wait for a signal (None) or for a child to stop (that child)."""
        while not self.stopping:
            failed = children.exited()
            if failed:
                return failed
            time.sleep(0.2)
        return None

    def _run_waitress(self, children, host, port, threads, grace):
        """Serve in this process until a signal or a child stops; then let the requests in
        progress finish (at most `grace` s) before closing, all from this thread (closing
        waitress from elsewhere gives "Bad file descriptor")."""
        from waitress import create_server

        from satudata.lib.proxy import application

        server = create_server(application, host=host, port=port, threads=threads, ident="satudata")
        failed = None

        def watch_children():  # the loop below sees `failed` within a second
            nonlocal failed
            while failed is None and not self.stopping:
                failed = children.exited()
                time.sleep(0.2)

        if children.procs:
            threading.Thread(target=watch_children, daemon=True).start()
        run_once = dict(map=server._map, use_poll=server.adj.asyncore_use_poll, count=1)
        try:
            while not self.stopping and failed is None:
                server.asyncore.loop(timeout=server.adj.asyncore_loop_timeout, **run_once)
            server.accepting = False  # no new connections; finish the requests in progress
            dispatcher = server.task_dispatcher
            deadline = time.monotonic() + grace
            while (dispatcher.active_count or dispatcher.queue) and time.monotonic() < deadline:
                server.asyncore.loop(timeout=0.05, **run_once)
        finally:
            server.close()
        return failed
