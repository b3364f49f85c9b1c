"""`satudata serve`: the web server and the background worker together, for `make run`.

The worker runs as a child process (django-tasks-db's db_worker); when either process
stops, the other is stopped too, so Ctrl+C leaves nothing running.
"""

import os
import signal
import subprocess  # nosec B404  # fixed argument lists, never a shell
import sys
import threading

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Jalankan server web (waitress) dan pekerja latar (db_worker) bersama-sama."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-worker", action="store_true", help="hanya server web")

    def handle(self, *args, host, port, threads, no_worker, **options):
        from waitress import create_server

        from satudata.wsgi import application

        worker = None
        if not no_worker:
            worker = subprocess.Popen(  # nosec B603  # fixed program and argument list, never a shell
                [sys.executable, "-m", "satudata", "db_worker", "--interval", "1"],
                env={**os.environ, "DJANGO_SETTINGS_MODULE": "satudata.settings"},
            )
        server = create_server(application, host=host, port=port, threads=threads, ident="satudata")

        def stop(*_):
            server.close()

        signal.signal(signal.SIGTERM, stop)
        if worker:

            def watch_worker():
                worker.wait()
                stop()

            threading.Thread(target=watch_worker, daemon=True).start()

        url = f"http://{host}:{port}/"
        self.stdout.write(
            self.style.SUCCESS(f"Satu Data berjalan di {url}  (hentikan dengan Ctrl+C)")
        )
        self.stdout.write(
            f"Basis data: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}"
        )
        try:
            server.run()
        except KeyboardInterrupt:
            pass
        finally:
            if worker and worker.poll() is None:
                worker.terminate()
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
