"""`satudata import`: upload a file from the command line, processed like a browser upload."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from satudata.accounts.models import User
from satudata.accounts.permissions import can
from satudata.catalog.constants import ResourceKind
from satudata.catalog.models import Dataset, Resource
from satudata.ingest import actions
from satudata.ingest.constants import RunStatus


class Command(BaseCommand):
    help = "Unggah berkas CSV/XLSX/XLS/ODS/JSON ke sebuah dataset dan periksa (seperti unggah di peramban)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="berkas yang diunggah")
        parser.add_argument("--dataset", required=True, help="slug dataset")
        parser.add_argument(
            "--user", required=True, help="nama pengguna pengunggah (haknya diperiksa)"
        )
        parser.add_argument("--table", help="nama tabel (sumber daya); dibuat bila belum ada")
        parser.add_argument(
            "--publish", action="store_true", help="terbitkan bila lolos (perlu hak Walidata)"
        )
        parser.add_argument(
            "--background", action="store_true", help="serahkan ke pekerja latar, jangan tunggu"
        )

    def handle(self, *args, file, dataset, user, table, publish, background, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Berkas tidak ditemukan: {file}")
        actor = User.objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise CommandError(f"Pengguna tidak ditemukan atau tidak aktif: {user}")
        target = Dataset.objects.filter(slug=dataset).first()
        if target is None or not can(actor, "dataset.upload", target):
            raise CommandError(
                f"Dataset tidak ditemukan atau {user} tidak berhak mengunggah ke sana: {dataset}"
            )
        with transaction.atomic():
            resource = None
            if table:
                resource = target.resources.filter(name=table).first()
            elif target.resources.filter(kind=ResourceKind.TABLE).count() == 1:
                resource = target.resources.get(kind=ResourceKind.TABLE)
            if resource is None:
                resource = Resource.objects.create(
                    dataset=target,
                    name=table or path.stem,
                    kind=ResourceKind.TABLE,
                    position=target.resources.count(),
                )
            with open(path, "rb") as stream:
                try:
                    run = actions.start_upload(resource, stream, path.name, actor=actor)
                except actions.UploadRefused as refused:
                    raise CommandError(str(refused)) from None
        if background:
            self.stdout.write(f"Proses {run.pk} diantrekan untuk pekerja latar.")
            return
        run = actions.process_run(run.pk)
        for problem in run.problems.all()[:50]:
            where = " ".join(
                x
                for x in (
                    problem.sheet,
                    f"baris {problem.row}" if problem.row else "",
                    problem.column,
                )
                if x
            )
            self.stdout.write(f"[{problem.severity}] {where}: {problem.message}")
        self.stdout.write(
            f"Proses {run.pk}: {run.get_status_display()} — {run.row_count or 0} baris, "
            f"{run.error_count} kesalahan, {run.warning_count} peringatan."
        )
        if run.status != RunStatus.SUCCEEDED:
            raise CommandError(
                "Berkas belum dapat dipakai; perbaiki masalah di atas lalu unggah ulang."
            )
        if publish:
            # Publication goes through review (/kelola/alur/): only an approved version may be published.
            if not can(actor, "version.publish", run.version):
                raise CommandError(
                    f"{user} tidak dapat menerbitkan versi ini: ajukan dan tinjau dulu di /kelola/alur/."
                )
            from satudata.workflow.transitions import TransitionRefused, publish_approved

            try:
                publish_approved(run.version, actor=actor)
            except TransitionRefused as refused:
                raise CommandError(str(refused)) from None
            self.stdout.write(f"Versi {run.version.number} diterbitkan.")
