import time

from django.core.management.base import BaseCommand

from satudata.regions.actions import bundled_codes, codes_from_csv, load_regions
from satudata.regions.constants import SOURCE, Level


class Command(BaseCommand):
    help = "Muat ulang kode wilayah (Kemendagri) dari data bawaan atau dari CSV kode,nama."

    def add_arguments(self, parser):
        parser.add_argument(
            "--csv", help="CSV dengan kolom kode,nama (untuk Kepmendagri yang lebih baru)"
        )

    def handle(self, *args, csv=None, **options):
        started = time.monotonic()
        pairs = codes_from_csv(csv) if csv else bundled_codes()
        counts = load_regions(pairs)
        summary = ", ".join(f"{Level(level).label}: {n:,}" for level, n in counts.items())
        self.stdout.write(
            f"{sum(counts.values()):,} kode wilayah dimuat ({summary}) dalam "
            f"{time.monotonic() - started:.1f} detik. Sumber: {csv or SOURCE}"
        )
