import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from satudata.portal.demo import DemoError, accounts_path, load_demo


class Command(BaseCommand):
    help = (
        "Muat data contoh (sintetis) Satu Data NTT: perangkat daerah, topik, dataset, dan satu akun "
        "per peran. Aman dijalankan berulang; yang sudah ada tidak diubah."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            help="pakai kata sandi ini untuk semua akun contoh (juga akun yang sudah ada)",
        )

    def handle(self, *args, password=None, **options):
        started = time.monotonic()
        try:
            result = load_demo(password=password)
        except DemoError as error:
            raise CommandError(str(error)) from error
        elapsed = time.monotonic() - started
        out = self.stdout
        if result.regions_loaded:
            out.write(f"Referensi kode wilayah dimuat: {result.regions_loaded:,} kode.")
        t = result.totals
        summary = (
            f"{t['organizations']} perangkat daerah, {t['topics']} topik, {t['datasets']} dataset "
            f"({t['published']} terbit, {t['drafts']} draf; {t['restricted']} terbatas, "
            f"{t['closed']} tertutup; {t['priority']} Data Prioritas), {t['versions']} versi berkas, "
            f"{t['accounts']} akun"
        )
        created = result.created
        if created["passwords"]:
            out.write(f"Kata sandi {created['passwords']} akun contoh diganti.")
        if any(
            created[k] for k in ("organizations", "topics", "datasets", "accounts", "memberships")
        ):
            out.write(
                self.style.SUCCESS(
                    f"Data contoh NTT dimuat dalam {elapsed:.1f} detik: {created['datasets']} dataset, "
                    f"{created['versions']} versi berkas, {created['accounts']} akun baru."
                )
            )
        elif result.changed:
            out.write(f"Data contoh NTT sudah dimuat ({elapsed:.1f} detik).")
        else:
            out.write(f"Data contoh NTT sudah dimuat; tidak ada yang diubah ({elapsed:.1f} detik).")
        out.write(f"Isi data contoh: {summary}.")
        out.write("Semua angka adalah data contoh (sintetis), bukan statistik resmi.")
        from satudata.stats.demo import load_indicators

        made = load_indicators()
        if made:
            out.write(f"{made} indikator contoh dibuat.")
        from satudata.planning.demo import load_plans

        planned = load_plans()
        if planned:
            out.write(f"Daftar Data contoh dimuat: {planned} data yang direncanakan.")
        self.print_accounts(result)

    def print_accounts(self, result):
        out = self.stdout
        site = settings.SITE_URL.rstrip("/")
        out.write("")
        out.write(f"Portal : {site}/")
        out.write(f"Masuk  : {site}{reverse('login')}")
        out.write(f"Admin  : {site}{reverse('admin:index')} (akun admin)")
        out.write(f"Akun contoh (kata sandi tersimpan di {accounts_path()}):")
        rows = [("Peran", "Nama pengguna", "Kata sandi", "Perangkat daerah")]
        for account, org, secret in result.accounts:
            rows.append(
                (
                    account.role.label,
                    account.username,
                    secret or "(tidak diketahui; jalankan dengan --password)",
                    org.short_name if org else "-",
                )
            )
        widths = [max(len(str(row[i])) for row in rows) for i in range(3)]
        for row in rows:
            out.write(
                "  "
                + "  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=False))
                + f"  {row[3]}"
            )
