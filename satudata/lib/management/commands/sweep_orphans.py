from django.core.management.base import BaseCommand, CommandError

from satudata.lib.sweep import sweep_orphans


def _hours(value):
    hours = float(value)
    if not hours >= 0:  # also refuses nan
        raise ValueError(value)
    return hours


class Command(BaseCommand):
    help = (
        "Hapus berkas tersimpan yang tidak dirujuk basis data dan lebih tua dari ambang "
        "(sisa unggahan atau pemrosesan yang terputus), serta berkas sementara yang basi."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=_hours,
            default=24.0,
            metavar="JAM",
            help="hanya berkas yang lebih tua dari sekian jam (bawaan 24)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="hanya hitung dan tampilkan, tanpa menghapus"
        )

    def handle(self, *args, older_than, dry_run, **options):
        try:
            result = sweep_orphans(older_than_hours=older_than, dry_run=dry_run)
        except ValueError as error:
            raise CommandError(str(error)) from None
        verb = "akan dihapus" if dry_run else "dihapus"
        if options["verbosity"] > 1:
            for key in result.removed:
                self.stdout.write(f"yatim {verb}: {key}")
        self.stdout.write(
            f"{result.stored:,} berkas tersimpan, {result.referenced:,} dirujuk basis data; "
            f"{len(result.removed):,} berkas yatim {verb}, {result.young:,} berkas yatim yang "
            f"lebih muda dari {older_than:g} jam dibiarkan; "
            f"{result.tmp_removed:,} berkas sementara basi {verb}."
        )
