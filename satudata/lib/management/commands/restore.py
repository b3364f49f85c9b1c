from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from satudata.lib.backup import BackupError, check_archive, restore_backup


class Command(BaseCommand):
    help = (
        "Bangun kembali portal dari arsip satudata backup: periksa setiap isi arsip, pulihkan "
        "berkas dan basis data, lalu bandingkan tabel hasil pemulihan dengan cadangannya."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "archive",
            help=(
                "arsip yang ditulis oleh satudata backup: berkas lokal atau "
                "s3://bucket/awalan/nama; arsip terenkripsi dibuka dengan "
                "SATUDATA_BACKUP_PASSPHRASE atau kunci induk"
            ),
        )
        parser.add_argument(
            "--check", action="store_true", help="hanya periksa arsip; tidak ada yang diubah"
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="timpa basis data tujuan meskipun sudah berisi portal",
        )

    def handle(self, *args, archive, check=False, force=False, **options):
        try:
            if check:
                manifest = check_archive(archive)
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Arsip utuh: basis data {manifest['database']['engine']}, "
                        f"{len(manifest['tables'])} tabel, {len(manifest['files']):,} berkas, "
                        f"dibuat {manifest['created_at']}."
                    )
                )
                return
            restore_backup(archive, force=force, progress=self.stdout.write)
        except BackupError as error:
            raise CommandError(str(error)) from error
        # An archive from an older release gets this release's schema changes.
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(self.style.SUCCESS("Portal dipulihkan."))
