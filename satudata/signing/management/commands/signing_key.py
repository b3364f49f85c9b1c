from django.core.management.base import BaseCommand

from satudata.signing import keys
from satudata.signing.actions import current_key, published_keys, rotate_key
from satudata.signing.manifest import public_pem


class Command(BaseCommand):
    help = (
        "Tampilkan kunci tanda tangan rilis (ID dan kunci publik PEM) beserta kunci lama; "
        "--rotate mengganti kunci (kunci lama tetap diterbitkan sebagai kunci pensiun)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rotate", action="store_true", help="buat kunci baru; kunci lama dipensiunkan"
        )

    def handle(self, *args, rotate=False, **options):
        if rotate:
            old, new = rotate_key()
            self.stdout.write(
                self.style.SUCCESS(
                    f"Kunci diganti: {old} dipensiunkan, {new} dipakai mulai sekarang. Berkas kunci lama "
                    f"dipindah ke {keys.key_path()}.retired-{old}; simpan di luar server atau hapus."
                )
            )
        private, kid = current_key()
        current, rows = published_keys()
        self.stdout.write(f"Berkas kunci privat: {keys.key_path()}")
        self.stdout.write(f"Kunci saat ini: {kid}")
        self.stdout.write(public_pem(private.public_key()).rstrip())
        for row_kid, _public, _created, retired_at in rows:
            if row_kid != current:
                when = retired_at.date().isoformat() if retired_at else "?"
                self.stdout.write(f"Kunci pensiun: {row_kid} (dipensiunkan {when})")
