import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from satudata.planning.reminders import send_reminders


class Command(BaseCommand):
    help = (
        "Kirim pengingat Daftar Data hari ini: 'segera jatuh tempo' kepada Produsen Data dan "
        "'terlambat' kepada Produsen Data dan Walidata. Aman dijalankan berulang pada hari yang sama."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="hari pengingat (TTTT-BB-HH); bawaan: hari ini (WITA)")
        parser.add_argument(
            "--dry-run", action="store_true", help="hanya hitung, tidak mengirim atau mencatat"
        )

    def handle(self, *args, date=None, dry_run=False, **options):
        today = None
        if date:
            try:
                today = dt.date.fromisoformat(date)
            except ValueError as error:
                raise CommandError("Tanggal harus berbentuk TTTT-BB-HH.") from error
        counts = send_reminders(today, dry_run=dry_run)
        verb = "akan dikirim" if dry_run else "terkirim"
        self.stdout.write(
            f"Pengingat {verb}: {counts['sent']}; sudah terkirim sebelumnya: {counts['skipped']}; "
            f"tanpa penerima: {counts['no_recipients']}."
        )
