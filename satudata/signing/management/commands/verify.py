import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from satudata.signing.manifest import (
    InvalidRelease,
    keyring_from_json,
    keyring_from_pem,
    listed_file,
    sha256_of,
    verify_manifest,
)


class Command(BaseCommand):
    help = (
        "Periksa apakah BERKAS adalah rilis resmi yang tidak diubah. Dengan --manifest dan "
        "--signature (diunduh dari halaman versi) dan --keys (kunci publik portal) pemeriksaan "
        "berjalan tanpa jaringan dan tanpa basis data; tanpa --manifest hash berkas dicari di "
        "basis data portal ini."
    )
    # Offline use: no system checks, which would open the database.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="BERKAS")
        parser.add_argument("--manifest", help="manifest.json dari halaman versi")
        parser.add_argument("--signature", help="manifest.sig dari halaman versi (base64)")
        parser.add_argument(
            "--keys",
            help="kunci publik: satudata-signing-keys.json dari /.well-known/ atau sebuah berkas PEM",
        )

    def handle(self, *args, file, manifest=None, signature=None, keys=None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Berkas tidak ditemukan: {path}")
        with path.open("rb") as stream:
            sha256, size = sha256_of(stream)
        self.stdout.write(f"SHA-256 {path.name}: {sha256} ({size:,} bita)")
        if manifest is None:
            if signature or keys:
                raise CommandError("--signature dan --keys dipakai bersama --manifest.")
            return self.lookup(sha256)
        if not signature or not keys:
            raise CommandError("Dengan --manifest, berikan juga --signature dan --keys.")
        try:
            ring = self.keyring(Path(keys))
            data = Path(manifest).read_bytes()
            signed = verify_manifest(
                data, Path(signature).read_text(encoding="ascii", errors="replace"), ring
            )
        except (OSError, InvalidRelease) as error:
            raise CommandError(f"TIDAK SAH: {error}") from None
        entry = listed_file(signed, sha256)
        if entry is None:
            raise CommandError(
                "TIDAK COCOK: tanda tangan manifes sah, tetapi berkas ini tidak tercantum di dalamnya; "
                "isinya berbeda dari berkas yang dirilis (diubah, atau berkas lain)."
            )
        self.stdout.write(self.style.SUCCESS(self.statement(signed, entry)))

    def keyring(self, path):
        raw = path.read_bytes()
        if raw.lstrip().startswith(b"-----BEGIN"):
            return keyring_from_pem(raw)
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise InvalidRelease("berkas kunci bukan JSON atau PEM") from None
        return keyring_from_json(data)

    def statement(self, manifest, entry):
        return (
            f"SAH: berkas ini adalah rilis resmi yang tidak diubah ({entry.get('format')}, "
            f'{entry.get("name")}) dari "{manifest["dataset"]["title"]}" — '
            f"{manifest['resource']['name']}, versi {manifest['version']}, diterbitkan "
            f"{manifest['published_at']} oleh {manifest['organization']['name']}; "
            f"ditandatangani {manifest['portal']['url']} dengan kunci {manifest['key_id']}. "
            f"Halaman versi: {manifest['page']}"
        )

    def lookup(self, sha256):
        from satudata.catalog.constants import State
        from satudata.signing.actions import check_release
        from satudata.signing.models import ReleaseFile

        found = 0
        for row in ReleaseFile.objects.filter(sha256=sha256).select_related(
            "release__version__resource__dataset"
        ):
            try:
                signed = check_release(row.release)
            except InvalidRelease as error:
                self.stderr.write(f"Rilis {row.release_id} tidak sah: {error}")
                continue
            entry = listed_file(signed, sha256)
            if entry is None:
                continue
            found += 1
            self.stdout.write(self.style.SUCCESS(self.statement(signed, entry)))
            dataset = row.release.version.resource.dataset
            if dataset.state == State.WITHDRAWN:
                self.stdout.write(
                    self.style.WARNING(
                        "Catatan: dataset ini sudah DITARIK; rilis ini tidak berlaku lagi."
                    )
                )
        if not found:
            raise CommandError(
                "TIDAK DITEMUKAN: berkas ini tidak cocok dengan rilis resmi mana pun di portal ini."
            )
