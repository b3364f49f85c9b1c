from django.core.management.base import BaseCommand, CommandError

from satudata.lib.backup import verify_integrity


class Command(BaseCommand):
    help = (
        "Periksa setiap berkas tersimpan terhadap hash-nya, dan setiap berkas yang dirujuk basis "
        "data ada di penyimpanan. Keluar dengan status bukan nol bila ada masalah."
    )

    def handle(self, *args, **options):
        result = verify_integrity(progress=self.stdout.write)
        for key in result["corrupt"]:
            self.stderr.write(f"RUSAK: {key} (isinya tidak cocok dengan hash-nya)")
        for key, where in sorted(result["missing"].items()):
            self.stderr.write(f"HILANG: {key}, dirujuk oleh {', '.join(where)}")
        # encryption at rest (docs/security.md)
        for key in result["locked"]:
            self.stderr.write(f"TERKUNCI: {key} (kunci induknya tidak tersedia)")
        for key in result["unencrypted"]:
            self.stderr.write(
                f"TIDAK TERENKRIPSI: {key} (milik dataset Terbatas/Tertutup; jalankan "
                "satudata rotate-keys)"
            )
        if result["corrupt"] or result["missing"]:
            raise CommandError(
                f"{len(result['corrupt'])} berkas rusak dan {len(result['missing'])} berkas hilang "
                f"dari {result['files']:,} berkas. Pulihkan dari cadangan terakhir yang utuh."
            )
        if result["locked"] or result["unencrypted"]:
            raise CommandError(
                f"{len(result['locked'])} berkas terenkripsi tanpa kunci induk dan "
                f"{len(result['unencrypted'])} berkas Terbatas/Tertutup belum terenkripsi."
            )
        self.stdout.write(self.style.SUCCESS(f"Semua {result['files']:,} berkas utuh dan lengkap."))
