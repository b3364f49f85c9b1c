from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from satudata.lib.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Tulis cadangan portal ke satu arsip .tar: potret basis data yang konsisten, semua "
        "berkas, dan manifes berisi checksum."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "archive", help="berkas arsip yang ditulis, mis. /cadangan/satudata-2026-11-28.tar"
        )

    def handle(self, *args, archive, **options):
        try:
            manifest = create_backup(Path(archive), progress=self.stdout.write)
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(count for count, _ in manifest["tables"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(manifest['tables'])} tabel ({rows:,} baris) dan {len(manifest['files']):,} "
                f"berkas dicadangkan; periksa dengan: satudata restore --check {archive}"
            )
        )
