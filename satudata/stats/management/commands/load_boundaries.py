from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from satudata.regions.models import Region
from satudata.stats.maps import BoundaryError, read_boundaries
from satudata.stats.models import Boundary


class Command(BaseCommand):
    help = (
        "Muat batas kabupaten/kota (GeoJSON atau TopoJSON, bujur/lintang WGS 84) untuk peta "
        "koroplet indikator. Batas yang sudah ada diganti seluruhnya."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="berkas .geojson, .json atau .topojson")
        parser.add_argument(
            "--code-property",
            help="nama properti yang memuat kode wilayah Kemendagri (bawaan: kode, kode_wilayah, code …)",
        )
        parser.add_argument("--source", default="", help="keterangan sumber batas wilayah")

    def handle(self, *args, file, code_property=None, source="", **options):
        try:
            text = Path(file).read_text(encoding="utf-8")
        except OSError as error:
            raise CommandError(f"Berkas tidak dapat dibaca: {error}") from error
        try:
            shapes = read_boundaries(text, code_property)
        except BoundaryError as error:
            raise CommandError(str(error)) from error
        known = dict(
            Region.objects.filter(code__in=[c for c, _n, _g in shapes]).values_list("code", "name")
        )
        unknown = sorted({c or "(kosong)" for c, _n, _g in shapes if c not in known})
        if unknown:
            raise CommandError(
                "Kode wilayah tidak dikenal: "
                + ", ".join(unknown[:10])
                + ". Pakai --code-property untuk memilih properti kodenya."
            )
        merged = {}
        for code, name, geometry in shapes:  # several features of one code become one shape
            polygons = (
                geometry["coordinates"]
                if geometry["type"] == "MultiPolygon"
                else [geometry["coordinates"]]
            )
            merged.setdefault(code, (name, []))[1].extend(polygons)
        with transaction.atomic():
            Boundary.objects.all().delete()
            Boundary.objects.bulk_create(
                Boundary(
                    region_code=code,
                    name=known[code] or name,
                    geometry={"type": "MultiPolygon", "coordinates": polygons},
                    source=source,
                )
                for code, (name, polygons) in merged.items()
            )
        self.stdout.write(self.style.SUCCESS(f"{len(merged)} batas wilayah dimuat."))
