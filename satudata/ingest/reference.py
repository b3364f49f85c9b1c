"""The kode wilayah reference as an Arrow table, for schema inference and validation in DuckDB.

Validation joins uploaded codes against this table inside DuckDB (the table is registered,
never copied into SQL text). The BPS crosswalk is the `bps_code` column of the regions plus
the NTT list in regions/constants.BPS_CODES, so a BPS code such as 5303 can be turned into
the Kemendagri code 53.01.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

import pyarrow as pa

from satudata.regions.constants import BPS_CODES

REGIONS = "ref_regions"  # code, name, level, bps_code
CROSSWALK = "ref_bps"  # bps_code, code

SCHEMA = pa.schema(
    [
        ("code", pa.string()),
        ("name", pa.string()),
        ("level", pa.int8()),
        ("bps_code", pa.string()),
    ]
)

# Region names compared loosely: lower case, punctuation gone, the kind word in front stripped
# ("Kab. Manggarai" = "Kabupaten Manggarai" = "manggarai"); region_kind keeps kab vs kota
# apart, since Kabupaten Kupang (53.01) and Kota Kupang (53.71) share the rest of the name.
_NAME_PREFIX = r"^(kabupaten|kab|kota|kecamatan|kec|desa|kelurahan|kel|provinsi|prov) "
REGION_NAME_MACROS = (
    "CREATE OR REPLACE TEMP MACRO region_clean(x) AS "
    "trim(regexp_replace(regexp_replace(lower(x), '[^a-z0-9]+', ' ', 'g'), ' +', ' ', 'g'))",
    f"CREATE OR REPLACE TEMP MACRO region_norm(x) AS regexp_replace(region_clean(x), '{_NAME_PREFIX}', '')",
    "CREATE OR REPLACE TEMP MACRO region_kind(x) AS CASE "
    "WHEN regexp_matches(region_clean(x), '^(kabupaten|kab) ') THEN 'kab' "
    "WHEN regexp_matches(region_clean(x), '^kota ') THEN 'kota' END",
)

_cache: dict[int, RegionReference] = {}
_lock = threading.Lock()


class RegionReference:
    """Kemendagri regions (code "53.10", name, level 1-4, BPS code) and the BPS crosswalk."""

    def __init__(self, table: pa.Table):
        self.table = table.cast(SCHEMA)
        self.crosswalk = _crosswalk(self.table)
        self._names: pa.Table | None = None

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str, int, str]]) -> RegionReference:
        """From (code, name, level, bps_code) tuples; tests and the benchmark use this."""
        codes, names, levels, bps = [], [], [], []
        for code, name, level, bps_code in rows:
            codes.append(code)
            names.append(name)
            levels.append(int(level))
            bps.append(bps_code or "")
        return cls(pa.table([codes, names, levels, bps], schema=SCHEMA))

    @classmethod
    def from_database(cls) -> RegionReference:
        """The Region table, cached per process while its row count stays the same."""
        from satudata.regions.models import Region

        count = Region.objects.count()
        with _lock:
            cached = _cache.get(count)
        if cached is not None:
            return cached
        rows = Region.objects.order_by().values_list("code", "name", "level", "bps_code")
        reference = cls.from_rows(rows.iterator(chunk_size=5000))
        with _lock:
            _cache.clear()
            _cache[count] = reference
        return reference

    def __len__(self) -> int:
        return self.table.num_rows

    def register(self, con) -> None:
        """Make the tables visible to a DuckDB connection as ref_regions and ref_bps."""
        con.register(REGIONS, self.table)
        con.register(CROSSWALK, self.crosswalk)

    def normalised_names(self) -> pa.Table:
        """Distinct normalised names of provinces, kab/kota and kecamatan (column ``norm``), cached."""
        if self._names is None:
            import duckdb

            con = duckdb.connect(config={"threads": 2})
            try:
                for macro in REGION_NAME_MACROS:
                    con.execute(macro)
                con.register("regions", self.table)
                self._names = con.sql(
                    # Villages are left out: with 83,762 of them almost any short word
                    # ("ekor", "sapi") is some desa's name, which made unit columns look
                    # like region-name columns.
                    "SELECT DISTINCT region_norm(name) AS norm FROM regions WHERE level <= 3"
                ).to_arrow_table()
            finally:
                con.close()
        return self._names

    def kemendagri_for_bps(self, bps_code: str) -> str | None:
        codes = self.crosswalk.column("code").to_pylist()
        for bps, code in zip(self.crosswalk.column("bps_code").to_pylist(), codes, strict=True):
            if bps == bps_code:
                return code
        return None


def _crosswalk(table: pa.Table) -> pa.Table:
    pairs = {}
    for code, bps in zip(
        table.column("code").to_pylist(), table.column("bps_code").to_pylist(), strict=True
    ):
        if bps:
            pairs.setdefault(bps, code)
    for code, bps in BPS_CODES.items():
        pairs.setdefault(bps, code)
    return pa.table(
        {"bps_code": list(pairs), "code": list(pairs.values())},
        schema=pa.schema([("bps_code", pa.string()), ("code", pa.string())]),
    )
