"""`satudata rotate-keys`: re-wrap every encrypted file's data key with the current master key.

Run it after installing a new master key (SATUDATA_MASTER_KEY / SATUDATA_MASTER_KEY_FILE)
with the old one still given in SATUDATA_MASTER_KEY_OLD or SATUDATA_MASTER_KEY_OLD_FILE.
Each file is rewritten on its own, atomically (temporary file, fsync, rename), so an
interrupted run leaves every file readable and a second run finishes the work. Before it
rotates, it encrypts any file of a Terbatas/Tertutup dataset still stored as plaintext (one
whose classification change has not been processed yet).
"""

from django.core.management.base import BaseCommand, CommandError

from satudata.lib import crypto, filestore
from satudata.lib.backup import stored_keys
from satudata.lib.encryption import encrypt_restricted


class Command(BaseCommand):
    help = (
        "Bungkus ulang kunci setiap berkas terenkripsi dengan kunci induk yang sekarang (kunci "
        "lama diberikan lewat SATUDATA_MASTER_KEY_OLD atau SATUDATA_MASTER_KEY_OLD_FILE). Aman "
        "dijalankan ulang."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reencrypt",
            action="store_true",
            help="enkripsi ulang isi berkas dengan kunci berkas baru juga (lebih lama)",
        )

    def handle(self, *args, reencrypt=False, **options):
        try:
            kid, _key = crypto.current_key()
        except crypto.CryptoError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Kunci induk sekarang: {kid.hex()}")
        encrypted_now = encrypt_restricted()
        counts = {"rewrapped": 0, "current": 0, "plain": 0}
        failed = []
        for key in stored_keys():
            owner = filestore.key_id_of(key)
            if owner is None:
                counts["plain"] += 1
                continue
            try:
                changed = filestore.rewrap(key, reencrypt=reencrypt)
            except crypto.CryptoError as error:
                failed.append(key)
                self.stderr.write(f"GAGAL: {key}: {error}")
                continue
            counts["rewrapped" if changed else "current"] += 1
        verb = "dienkripsi ulang" if reencrypt else "dibungkus ulang"
        summary = (
            f"{counts['rewrapped']:,} berkas {verb}, {counts['current']:,} sudah memakai kunci "
            f"induk sekarang, {counts['plain']:,} berkas Terbuka tidak terenkripsi, "
            f"{encrypted_now:,} berkas Terbatas/Tertutup baru dienkripsi."
        )
        if failed:
            raise CommandError(
                f"{summary} {len(failed):,} berkas gagal: jangan buang kunci lama sebelum "
                "semuanya berhasil."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{summary} Setelah cadangan berikutnya selesai, kunci lama boleh dilepas."
            )
        )
