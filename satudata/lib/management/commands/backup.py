from django.core.management.base import BaseCommand, CommandError

from satudata.lib.archive_crypto import key_source
from satudata.lib.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Tulis cadangan portal ke satu arsip .tar (berkas lokal atau s3://bucket/awalan/nama): "
        "potret basis data yang konsisten, semua berkas, dan manifes berisi checksum."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "archive",
            help=(
                "arsip yang ditulis, mis. /cadangan/satudata-2026-11-28.tar atau "
                "s3://cadangan-satudata/harian/satudata-2026-11-28.tar"
            ),
        )
        parser.add_argument(
            "--encrypt",
            action="store_true",
            help=(
                "enkripsi arsip (AES-256-GCM) dengan kunci dari SATUDATA_BACKUP_PASSPHRASE, "
                "atau dari kunci induk bila kata sandi itu tidak disetel"
            ),
        )

    def handle(self, *args, archive, encrypt=False, **options):
        try:
            manifest = create_backup(archive, encrypt=encrypt, progress=self.stdout.write)
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(count for count, _ in manifest["tables"].values())
        sealed = ""
        if encrypt:
            source = "kata sandi cadangan" if key_source() == "passphrase" else "kunci induk"
            sealed = f" Arsip terenkripsi dengan kunci dari {source}."
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(manifest['tables'])} tabel ({rows:,} baris) dan {len(manifest['files']):,} "
                f"berkas dicadangkan.{sealed} Periksa dengan: satudata restore --check {archive}"
            )
        )
