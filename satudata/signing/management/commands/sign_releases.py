from django.core.management.base import BaseCommand

from satudata.signing.actions import current_key, sign_missing


class Command(BaseCommand):
    help = (
        "Tandatangani manifes setiap versi terbit yang belum punya (versi yang terbit sebelum "
        "penandatanganan ada, atau dimuat pemuat data). Aman dijalankan berulang."
    )

    def handle(self, *args, **options):
        _private, kid = current_key()
        signed = sign_missing()
        if signed:
            self.stdout.write(
                self.style.SUCCESS(f"{signed} manifes rilis ditandatangani dengan kunci {kid}.")
            )
        else:
            self.stdout.write(
                f"Semua versi terbit sudah punya manifes bertanda tangan (kunci saat ini: {kid})."
            )
