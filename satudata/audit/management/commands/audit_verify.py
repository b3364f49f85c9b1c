"""`satudata audit-verify`: walk the whole audit chain and compare it with the witness file."""

from django.core.management.base import BaseCommand, CommandError

from satudata.audit import chain
from satudata.audit.models import AuditEvent

EXIT_TAMPERED = 1
EXIT_UNVERIFIABLE = 2


class Command(BaseCommand):
    help = (
        "Periksa seluruh rantai hash jejak audit dan bandingkan dengan berkas saksi "
        "(SATUDATA_AUDIT_WITNESS_FILE). Keluar 0 bila utuh; 1 bila ada peristiwa yang diubah, "
        "disisipkan atau dihapus (peristiwa rusak pertama disebutkan); 2 bila tidak dapat "
        "diperiksa (kunci HMAC tidak ada)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--expect-head",
            metavar="HASH",
            help="hash kepala yang dicatat sebelumnya dengan --anchor; harus masih ada",
        )
        parser.add_argument(
            "--anchor",
            action="store_true",
            help="setelah rantai utuh, cetak satu baris kepala untuk disimpan di luar server",
        )
        parser.add_argument(
            "--no-witness", action="store_true", help="periksa rantai saja, tanpa berkas saksi"
        )
        parser.add_argument(
            "--seed-witness",
            action="store_true",
            help=(
                "setelah rantai utuh, tambahkan ke berkas saksi peristiwa yang belum "
                "tercatat di sana (sekali, saat berkas saksi mulai dipakai)"
            ),
        )

    def handle(self, *args, **options):
        result = chain.verify(
            use_witness=not options["no_witness"], expect_head=options["expect_head"]
        )
        for note in result.notes:
            self.stderr.write(f"catatan: {note}")
        if not result.ok:
            code = EXIT_UNVERIFIABLE if result.finding.kind == "no_key" else EXIT_TAMPERED
            raise CommandError(result.summary(), returncode=code)
        chain.save_checkpoint(result)
        if options["seed_witness"]:
            self._seed(result)
        self.stdout.write(self.style.SUCCESS(result.summary()))
        if result.witness:
            self.stdout.write(
                f"{result.witnessed} peristiwa cocok dengan berkas saksi {result.witness}"
            )
        if options["anchor"] and result.head_id is not None:
            head = AuditEvent.objects.get(pk=result.head_id)
            self.stdout.write(
                f"kepala {head.id} {head.hash} {head.created_at.isoformat()} {result.count}"
            )

    def _seed(self, result):
        path = chain.witness_path()
        if path is None:
            raise CommandError("SATUDATA_AUDIT_WITNESS_FILE kosong: tidak ada berkas saksi.")
        known = chain.read_witness(path)[0] if path.exists() else {}
        missing = [e for e in AuditEvent.objects.order_by("id").iterator() if e.id not in known]
        chain.append_witness(missing)
        self.stdout.write(f"{len(missing)} peristiwa ditambahkan ke berkas saksi {path}")
