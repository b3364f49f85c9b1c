"""Personal-data guard over a sheet: which columns hold NIK, No. KK, NPWP, phone numbers,
e-mail addresses, NIP, home addresses, birth dates or people's names.

The decision is made per column, never per cell: a bare 16-digit number passes the NIK
structure check by chance 3.5 % of the time, while a real NIK column passes at close to
100 % (security.md §3.3). So a column is flagged from the share of its values that
validate as an identifier, helped by the words in its header:

* NIK / No. KK: ≥ 50 % of ≥ 5 values have a valid structure *and* a kecamatan that exists
  in the Kemendagri reference (or ≥ 80 % have a valid structure, for codes changed by
  pemekaran), unless most start with a kode desa (register numbers built on the region
  code); or the header says nik/ktp/kk and ≥ 20 % have a valid structure.
* NPWP: 15 digits with the Luhn check over the first 9, or 16 digits (a NIK, or ``0`` +
  the 15 digits for companies and agencies; a column of only those is a warning, and only
  when the header says npwp).
* Phone: Indonesian mobile numbers written with 0, 62 or +62 (≥ 50 %); landlines and bare
  ``8…`` numbers only when the header says so.
* E-mail ≥ 30 %; NIP (18 digits, birth date, start date, gender digit) ≥ 50 %; addresses
  by header (alamat, domisili) or ≥ 30 % street-with-number / RT-RW values.
* Birth dates and names only from header words plus the shape of the values (warnings).
* Free-text columns: identifiers embedded in the text, in at least 3 cells.

Headers that announce amounts or codes (jumlah, anggaran, kode, …) raise the bar for
value-only decisions. Full identifiers never appear in a message: examples are masked.

The sheet's Parquet is read whole when small; for big sheets the head of the file plus
evenly spaced windows are read (DuckDB, file row numbers), so the scan works on samples.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from lokal.phone import parse_phone
from lokal.provinces import PROVINCES
from lokal.samaran import field_type
from lokal.wilayah import wilayah_name

from .problems import Problem, Severity, column_letter
from .table import SheetTable, data_column, max_bytes, null_counts

try:  # common Indonesian name lists of the pinned lokal-id; only used to back up header words
    from lokal.samaran._names import (
        AMBIGUOUS_GIVEN_NAMES,
        FAMILY_NAMES,
        GIVEN_NAMES,
        SECOND_NAMES,
    )

    KNOWN_NAMES = frozenset(GIVEN_NAMES | FAMILY_NAMES | SECOND_NAMES | AMBIGUOUS_GIVEN_NAMES)
except ImportError:  # pragma: no cover - a later lokal-id may move them
    KNOWN_NAMES = frozenset()


def _(text: str) -> str:
    """gettext when Django is set up (the messages are Indonesian source strings)."""
    from django.conf import settings

    if settings.configured:
        from django.utils.translation import gettext

        return gettext(text)
    return text


# --- kinds ----------------------------------------------------------------------------------

NIK = "nik"
KK = "kk"
NPWP = "npwp"
PHONE = "phone"
EMAIL = "email"
NIP = "nip"
ADDRESS = "address"
BIRTH_DATE = "birth_date"
PERSON_NAME = "person_name"
HIDDEN_CONTENT = "hidden_content"

CODES = {
    k: f"pii.{k}" for k in (NIK, KK, NPWP, PHONE, EMAIL, NIP, ADDRESS, BIRTH_DATE, PERSON_NAME)
}
CODES[HIDDEN_CONTENT] = "pii.hidden_content"

# Thresholds (share of the non-empty values in the sample).
MIN_VALUES = 5  # value-only decisions need at least this many non-empty values
NIK_SHARE = 0.5  # valid structure and known kecamatan
NIK_STRUCTURE_SHARE = 0.8  # valid structure alone (kecamatan codes change with pemekaran)
HEADER_SHARE = 0.2  # when the header names the identifier
STRICT_SHARE = 0.8  # value-only, under a header that announces an amount or a code
NPWP_SHARE = 0.5
PHONE_SHARE = 0.5
EMAIL_SHARE = 0.3
EMAIL_HEADER_SHARE = 0.1
NIP_SHARE = 0.5
ADDRESS_SHARE = 0.3
TEXT_SHARE = 0.5  # header alamat: values must mostly be text
SHAPE_SHARE = 0.5  # birth dates / names: values in the right shape
KNOWN_NAME_SHARE = 0.2
DESA_PREFIX_SHARE = 0.5  # value-only NIK: most values start with a kode desa → a register number
EMBEDDED_CELLS = 3  # free text: cells carrying an identifier
FREE_TEXT_LENGTH = 20  # mean characters per value that make a column free text

EXAMPLES = 3
SHORTEST = 8  # characters: shorter values are no identifier, e-mail or address

# The hints, as the source strings (Indonesian); ``hint()`` translates them.
HINT = (
    "Hapus kolom ini, agregasikan datanya, atau samarkan sebelum diajukan. "
    "Data pribadi tidak boleh terbit sebagai data terbuka."
)
HINT_WARNING = (
    "Periksa apakah kolom ini memuat data orang perorangan; jika ya, hapus, agregasikan, "
    "atau samarkan sebelum diajukan."
)


def hint(severity: str) -> str:
    if severity == Severity.ERROR:
        return _(
            "Hapus kolom ini, agregasikan datanya, atau samarkan sebelum diajukan. "
            "Data pribadi tidak boleh terbit sebagai data terbuka."
        )
    return _(
        "Periksa apakah kolom ini memuat data orang perorangan; jika ya, hapus, agregasikan, "
        "atau samarkan sebelum diajukan."
    )


# --- validators -----------------------------------------------------------------------------

_TODAY = dt.date.today()


@lru_cache(maxsize=65536)
def desa_known(code10: str) -> bool:
    """True when the 10 digits are a Kemendagri kelurahan/desa code (``5371011001``)."""
    return wilayah_name(f"{code10[0:2]}.{code10[2:4]}.{code10[4:6]}.{code10[6:10]}") is not None


@lru_cache(maxsize=16384)
def kecamatan_known(code6: str) -> bool:
    """True when the 6-digit kecamatan code (``537101``) is in the Kemendagri reference."""
    return wilayah_name(f"{code6[0:2]}.{code6[2:4]}.{code6[4:6]}") is not None


def _days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def nik_level(digits: str) -> int:
    """0: not a NIK/KK; 1: valid structure; 2: valid structure and a known kecamatan.

    The structure is the one lokal.nik.parse_nik checks (province, kab/kota and kecamatan
    not 00, birth date DDMMYY with +40 on the day for women, serial not 0000), written
    without the result objects because the guard runs it on tens of thousands of values.
    """
    if len(digits) != 16 or not (digits.isascii() and digits.isdigit()):
        return 0
    if digits[0:2] not in PROVINCES or digits[2:4] == "00" or digits[4:6] == "00":
        return 0
    day, month, yy = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    if day > 40:
        day -= 40
    if not 1 <= month <= 12 or day < 1:
        return 0
    year = 2000 + yy if yy <= _TODAY.year % 100 else 1900 + yy
    if day > _days_in_month(year, month) or digits[12:] == "0000":
        return 0
    return 2 if kecamatan_known(digits[:6]) else 1


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        n = ord(char) - 48
        if position % 2:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def npwp_kind(digits: str) -> str | None:
    """``npwp15`` (legacy), ``entity`` (16 digits starting 0), ``nik`` (16 digits = NIK) or None."""
    if not (digits.isascii() and digits.isdigit()):
        return None
    if len(digits) == 15:
        return "npwp15" if luhn_valid(digits[:9]) else None
    if len(digits) == 16:
        if digits[0] == "0":
            return "entity" if luhn_valid(digits[1:10]) else None
        return "nik" if nik_level(digits) else None
    return None


def is_nip(digits: str) -> bool:
    """NIP ASN: birth YYYYMMDD + start YYYYMM at least 15 years later + gender 1/2 + serial."""
    if len(digits) != 18 or not (digits.isascii() and digits.isdigit()):
        return False
    year, month, day = int(digits[0:4]), int(digits[4:6]), int(digits[6:8])
    if not (1930 <= year <= _TODAY.year - 15 and 1 <= month <= 12):
        return False
    if not 1 <= day <= _days_in_month(year, month):
        return False
    start_year, start_month = int(digits[8:12]), int(digits[12:14])
    if not 1 <= start_month <= 12 or start_year > _TODAY.year + 1:
        return False
    if (start_year, start_month) < (year + 15, month):
        return False
    return digits[14] in "12" and digits[15:] != "000"


def phone_kind(value: str) -> str | None:
    """``mobile`` (known operator prefix, written with 0/62/+62, 11–13 digits with the 0),
    ``mobile_other`` (unknown prefix, a bare 8…, 10 digits), ``landline`` or None (lokal.phone)."""
    info = parse_phone(value)
    if not info.valid:
        return None
    if info.type == "mobile":
        compact = _COMPACT_PY.sub("", value)
        written = compact.startswith(("0", "62", "+62"))
        # 10-digit numbers (0 + 9) are rare old numbers and look like 10-digit codes.
        long_enough = len(info.e164 or "") - 3 >= 10
        return "mobile" if info.operator and written and long_enough else "mobile_other"
    return "landline"


_EMAIL_PATTERN = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
EMAIL_RE = re.compile(_EMAIL_PATTERN)
_EMAIL_FULL = "^" + _EMAIL_PATTERN + "$"
_COMPACT_PY = re.compile(r"[\s.\-()]")


def is_email(value: str) -> bool:
    return EMAIL_RE.fullmatch(value.strip()) is not None


# Street with a house number, or RT/RW: the shape of a home address.
ADDRESS_PATTERN = (
    r"(?i)\brt\.?\s*[:.]?\s*\d{1,3}\s*/\s*(?:rw\.?\s*[:.]?\s*)?\d{1,3}\b"
    r"|\brt\.?\s*[:.]?\s*\d{1,3}\b[^0-9]{0,12}\brw\.?\s*[:.]?\s*\d{1,3}\b"
    r"|\b(?:jl|jln|jalan|gg|gang|lorong|lrg|komp|kompleks|komplek|perum|perumahan|btn)\b\.?\s+"
    r"[^,;]{2,60}?\b(?:no|nomor|nmr)\b\.?\s*\d"
)
ADDRESS_RE = re.compile(ADDRESS_PATTERN)
_RT_RW_ONLY = r"^\s*\d{1,3}\s*/\s*\d{1,3}\s*$"

_DATE_PATTERN = (
    r"\b\d{1,2}[-/. ]\d{1,2}[-/. ](?:19|20)?\d{2}\b|\b(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2}\b"
    r"|\b\d{1,2}\s+[A-Za-z]{3,9}\.?\s+(?:19|20)\d{2}\b|^(?:[7-9]\d{3}|[1-4]\d{4}|5[0-4]\d{3})(?:\.0+)?$"
)
_NAME_SHAPE = r"^[A-Za-z][A-Za-z.,'` \-]{1,79}$"

# Identifiers inside free text.
DIGIT_RUN = re.compile(r"(?<![\w.])\+?\d(?:[ .\-]?\d){7,19}(?![\w])")
_NPWP_FORMATTED = re.compile(r"^\d{2}\.\d{3}\.\d{3}\.\d-\d{3}\.\d{3}$")
_EMBEDDED_PREFILTER = r"\d[\d .\-]{8,}\d|@"


def identifiers_in(text: str) -> list[tuple[str, str, int]]:
    """(kind, matched text, start) for each NIK (known kecamatan), NIP, formatted NPWP,
    mobile number and e-mail address inside a piece of text. Cell-level, so strict."""
    found: list[tuple[str, str, int]] = []
    if "@" in text:
        for match in EMAIL_RE.finditer(text):
            found.append((EMAIL, match.group(0), match.start()))
    for match in DIGIT_RUN.finditer(text):
        raw = match.group(0)
        digits = _COMPACT_PY.sub("", raw).lstrip("+")
        if len(digits) == 16 and nik_level(digits) == 2:
            found.append((NIK, raw, match.start()))
        elif len(digits) == 18 and is_nip(digits):
            found.append((NIP, raw, match.start()))
        elif _NPWP_FORMATTED.match(raw) and npwp_kind(digits) == "npwp15":
            found.append((NPWP, raw, match.start()))
        elif 10 <= len(digits) <= 14 and phone_kind(raw) == "mobile":
            found.append((PHONE, raw, match.start()))
    return found


# --- masking --------------------------------------------------------------------------------


def mask(value: str) -> str:
    """All but the first 4 and last 2 letters/digits replaced by ``*``.

    Identifiers are masked on their digits (``5371**********01``); e-mail addresses keep
    two characters of the local part and the domain; text keeps its punctuation.
    """
    value = value.strip()
    if "@" in value and EMAIL_RE.fullmatch(value):
        local, _at, domain = value.partition("@")
        return f"{local[:2]}***@{domain}"
    compact = _COMPACT_PY.sub("", value)
    digits = compact.lstrip("+")
    if digits.isascii() and digits.isdigit():
        plus = "+" if compact.startswith("+") else ""
        if len(digits) <= 6:
            return plus + "*" * len(digits)
        return plus + digits[:4] + "*" * (len(digits) - 6) + digits[-2:]
    positions = [i for i, ch in enumerate(value) if ch.isalnum()]
    if len(positions) <= 6:
        return "".join("*" if ch.isalnum() else ch for ch in value)
    keep = set(positions[:4]) | set(positions[-2:])
    return "".join(ch if (i in keep or not ch.isalnum()) else "*" for i, ch in enumerate(value))


# --- header words ---------------------------------------------------------------------------

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")

_WORDS: dict[str, frozenset[str]] = {
    NIK: frozenset({"nik", "ktp", "ektp", "noktp", "nomorktp", "nonik", "nik16"}),
    KK: frozenset({"kk", "nokk", "nkk", "nomorkk"}),
    NPWP: frozenset({"npwp", "nonpwp"}),
    PHONE: frozenset(
        (
            "hp nohp telp tlp telepon telpon telephone phone wa nowa whatsapp handphone "
            "ponsel seluler selular hape mobile msisdn kontak notelp notlp tel"
        ).split()
    ),
    EMAIL: frozenset({"email", "surel", "mail", "emel"}),
    NIP: frozenset({"nip", "nipbaru", "nip18"}),
    ADDRESS: frozenset({"alamat", "domisili", "alamatktp", "alamatrumah"}),
    BIRTH_DATE: frozenset({"ttl", "tgllahir", "tgllhr", "tanggallahir", "dob", "birthdate"}),
}
_PHRASES: dict[str, tuple[tuple[str, ...], ...]] = {
    NIK: (("nomor", "induk", "kependudukan"), ("no", "induk", "kependudukan"), ("e", "ktp")),
    KK: (("kartu", "keluarga"),),
    EMAIL: (("e", "mail"), ("alamat", "surel"), ("surat", "elektronik")),
    NIP: (("nomor", "induk", "pegawai"), ("no", "induk", "pegawai")),
    ADDRESS: (("tempat", "tinggal"),),
    BIRTH_DATE: (
        ("tanggal", "lahir"), ("tgl", "lahir"), ("tgl", "lhr"), ("tanggal", "lhr"),
        ("tempat", "tanggal", "lahir"), ("tempat", "tgl", "lahir"), ("date", "of", "birth"),
        ("birth", "date"),
    ),
}  # fmt: skip
_STREET_WORDS = frozenset({"jalan", "jl", "jln", "dusun", "dsn"})
_RT_RW = frozenset({"rt", "rw", "rtrw"})

# Words that make "nama …" someone's name, and (strong) ones that need no name-list support.
_PERSON_WORDS = frozenset(
    {
        "lengkap", "lgkp", "ibu", "kandung", "ayah", "bapak", "suami", "istri", "isteri", "anak",
        "bayi", "kepala", "keluarga", "kk", "pasien", "penerima", "penduduk", "warga", "siswa",
        "murid", "mahasiswa", "pegawai", "karyawan", "asn", "pns", "peserta", "pemohon",
        "pelapor", "korban", "pemilik", "responden", "wali", "orang", "tua", "ortu", "petani",
        "nelayan", "manfaat", "kpm", "debitur", "nasabah", "pelanggan", "guru", "nakes", "bidan",
        "dokter", "anggota", "pendamping", "relawan", "saksi", "tersangka", "terdakwa",
        "narapidana", "pelaku", "calon", "depan", "belakang", "panggilan", "alias", "pengguna",
        "jelas", "sesuai", "individu", "pribadi", "person", "full", "first", "last",
    }
)  # fmt: skip
_STRONG_PERSON_WORDS = frozenset(
    {
        "lengkap", "lgkp", "kandung", "pasien", "penerima", "penduduk", "warga", "pemohon",
        "pelapor", "korban", "responden", "kpm", "debitur", "nasabah", "tersangka", "terdakwa",
        "narapidana", "ibu", "ayah", "bayi", "siswa", "murid",
    }
)  # fmt: skip
_NAME_WORDS = frozenset({"nama", "name", "nm", "namalengkap", "namalgkp"})
# An address of an office, a school or a business is public: those are warnings.
_INSTITUTION_WORDS = frozenset(
    {
        "kantor", "sekolah", "instansi", "opd", "dinas", "puskesmas", "rs", "rsud", "usaha",
        "perusahaan", "toko", "faskes", "lembaga", "badan", "satuan", "unit", "organisasi",
        "koperasi", "pasar", "kampus", "gedung", "lokasi", "objek", "obyek", "kegiatan",
        "proyek", "posyandu", "hotel",
    }
)  # fmt: skip
# Headers announcing amounts or codes: value-only identifier decisions need a higher share.
_STRICT_WORDS = frozenset(
    {
        "jumlah", "jml", "total", "anggaran", "pagu", "realisasi", "nilai", "rp", "rupiah",
        "harga", "biaya", "dana", "belanja", "pendapatan", "saldo", "volume", "luas", "produksi",
        "populasi", "target", "capaian", "persentase", "persen", "rasio", "angka", "indeks",
        "tahun", "thn", "periode", "kode", "kd", "id", "register", "reg", "registrasi", "nib",
        "nup", "npsn", "seri", "sku", "barcode", "urut", "inventaris", "sertifikat", "dokumen",
        "sp2d", "spm", "kontrak", "transaksi", "faktur", "invoice", "tiket", "resi", "kwitansi",
        "bast", "barang", "akun", "rekening", "lintang", "bujur", "koordinat",
    }
)  # fmt: skip
_FREE_TEXT_WORDS = frozenset(
    {
        "keterangan", "ket", "catatan", "uraian", "deskripsi", "komentar", "informasi",
        "penjelasan", "alasan", "tanggapan", "isi", "pesan", "laporan", "aduan", "pengaduan",
        "note", "notes", "remarks", "description", "memo", "rincian",
    }
)  # fmt: skip
_LOKAL_TYPES = {
    "NIK": NIK,
    "KK": KK,
    "NPWP": NPWP,
    "NIP": NIP,
    "PHONE": PHONE,
    "EMAIL": EMAIL,
    "ADDRESS": ADDRESS,
    "BIRTH_DATE": BIRTH_DATE,
    "NAME": PERSON_NAME,
}


_ALL_WORDS = frozenset().union(*_WORDS.values())


def header_tokens(header: str) -> list[str]:
    """``NO_KTP`` → [no, ktp]; ``No. KTP`` → [no, ktp]; ``nomorKTP`` → [nomor, ktp]."""
    spaced = _CAMEL.sub(" ", header or "")
    tokens = [t for t in _NON_ALNUM.split(spaced.lower()) if t]
    out: list[str] = []
    for token in tokens:
        # "nohp", "nomorktp", "notelp": the keyword glued to "no"/"nomor".
        for prefix in ("nomor", "no"):
            rest = token[len(prefix) :]
            if token.startswith(prefix) and rest in _ALL_WORDS:
                out.extend((prefix, rest))
                break
        else:
            out.append(token)
    return out


def _has_phrase(tokens: Sequence[str], phrase: Sequence[str]) -> bool:
    n = len(phrase)
    return any(tuple(tokens[i : i + n]) == tuple(phrase) for i in range(len(tokens) - n + 1))


@dataclass(frozen=True)
class HeaderInfo:
    kinds: frozenset[str]  # kinds of personal data the header announces
    strict: bool  # announces an amount or a code
    street: bool  # jalan / dusun: an address only when the values look like one
    rt_rw: bool
    institution: bool  # alamat kantor/sekolah/…: public addresses
    person: bool  # "nama" of a person (or a role that names a person)
    strong_person: bool
    free_text: bool  # keterangan, catatan, …


@lru_cache(maxsize=4096)
def classify_header(header: str) -> HeaderInfo:
    tokens = header_tokens(header)
    token_set = set(tokens)
    kinds: set[str] = set()
    for kind, words in _WORDS.items():
        if token_set & words:
            kinds.add(kind)
    for kind, phrases in _PHRASES.items():
        if any(p[0] in token_set and _has_phrase(tokens, p) for p in phrases):
            kinds.add(kind)
    lokal_kind = _LOKAL_TYPES.get(field_type(header) or "")
    if lokal_kind and lokal_kind != PERSON_NAME:
        kinds.add(lokal_kind)
    if ADDRESS in kinds and _has_phrase(tokens, ("alamat", "surel")):
        kinds.discard(ADDRESS)
    if EMAIL in kinds and ADDRESS in kinds and "email" in token_set:
        kinds.discard(ADDRESS)  # "alamat email"
    has_name = bool(token_set & _NAME_WORDS)
    others = token_set - _NAME_WORDS - {"no", "nomor"}
    person = has_name and others <= _PERSON_WORDS
    if lokal_kind == PERSON_NAME and not has_name and token_set <= _PERSON_WORDS | {"no", "nomor"}:
        person = True  # a column called "pasien" or "penerima" holds names
    if person and (KK in kinds) and not (token_set & {"nokk", "nkk"}):
        kinds.discard(KK)  # "nama kepala keluarga"
    strong = person and bool(token_set & (_STRONG_PERSON_WORDS | {"namalengkap", "namalgkp"}))
    return HeaderInfo(
        kinds=frozenset(kinds),
        strict=bool(token_set & _STRICT_WORDS) and not kinds,
        street=bool(token_set & _STREET_WORDS),
        rt_rw=bool(token_set & _RT_RW),
        institution=bool(token_set & _INSTITUTION_WORDS) or _has_phrase(tokens, ("rumah", "sakit")),
        person=person,
        strong_person=strong,
        free_text=bool(token_set & _FREE_TEXT_WORDS),
    )


# --- reading a sample -----------------------------------------------------------------------

_WINDOWS = 16


def read_sample(
    path: Path, columns: Sequence[str], sample_size: int
) -> tuple[pa.Table, int, dict[str, int]]:
    """The rows to scan, the number of rows in the file and the non-empty count per column.

    Small files are read whole. Bigger ones: the first ``sample_size // 2`` rows plus
    ``_WINDOWS`` evenly spaced windows of contiguous rows making up the other half
    (deterministic; DuckDB skips the rest).
    """
    meta = pq.ParquetFile(path).metadata
    total = meta.num_rows
    names = set(meta.schema.to_arrow_schema().names)
    present = [c for c in columns if c in names]
    non_empty = _non_null_counts(path, present, total)
    if total <= sample_size:
        table = pq.read_table(path, columns=present)
        return table, total, non_empty
    from .schema import connect

    head = sample_size // 2
    window = max(1, (sample_size - head) // _WINDOWS)
    step = (total - head) // _WINDOWS
    ranges = [(head + i * step, head + i * step + window - 1) for i in range(_WINDOWS)]
    where = " OR ".join(
        [f"file_row_number < {head}"] + [f"file_row_number BETWEEN {a} AND {b}" for a, b in ranges]
    )
    select = ", ".join(f'"{c}"' for c in present) or "1"
    source = str(path).replace("'", "''")
    con = connect()
    try:
        query = (
            f"SELECT {select} FROM read_parquet('{source}', file_row_number = true) WHERE {where}"  # nosec B608  # columns are code-made c0…cN, row numbers computed here, the path an escaped literal
        )
        table = con.sql(query).to_arrow_table()
    finally:
        con.close()
    return table, total, non_empty


def _non_null_counts(path: Path, columns: Sequence[str], total: int) -> dict[str, int]:
    """Non-null cells per column from the file's footer (columns without a count left out)."""
    counts = null_counts(path)
    if counts is None:
        return {}
    names = pq.read_schema(path).names
    return {name: total - counts[names.index(name)] for name in columns}


def _as_text(values: pa.ChunkedArray | pa.Array) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks else pa.array([], pa.string())
    if not pa.types.is_string(values.type):
        values = values.cast(pa.string())
    return values


def _clean(values: pa.Array) -> pa.Array:
    values = pc.replace_substring_regex(values, r"^'", "")
    return pc.replace_substring_regex(values, r"^(\d+)\.0+$", r"\1")


# Cells that mean "nothing here": they do not count as values.
MISSING = r"(?i)^(?:-+|–|—|\.|\?|0|n/?a|null|none|nil|tidak ada|tdk ada|kosong|belum ada)$"


def _present(values: pa.Array, length: pa.Array) -> pa.Array:
    return pc.and_(pc.greater(length, 0), pc.invert(pc.match_substring_regex(values, MISSING)))


def _prepare(values: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Non-empty values as trimmed text; ``'123`` (Excel text marker) and ``123.0`` unwrapped."""
    values = pc.utf8_trim_whitespace(pc.drop_null(_as_text(values)))
    return _clean(pc.filter(values, _present(values, pc.utf8_length(values))))


def prepare_columns(table: pa.Table, names: Sequence[str]) -> dict[str, tuple[pa.Array, int]]:
    """``_prepare`` for many columns at once (one pass over all of them, which matters for
    wide sheets): column name -> (prepared values, longest value in characters)."""
    arrays, ids = [], []
    for i, name in enumerate(names):
        column = _as_text(table.column(name))
        arrays.append(column)
        ids.append(pa.repeat(pa.scalar(i, pa.int32()), len(column)))
    if not arrays:
        return {}
    values, owner = pa.concat_arrays(arrays), pa.concat_arrays(ids)
    keep = pc.is_valid(values)
    values, owner = pc.filter(values, keep), pc.filter(owner, keep)
    values = pc.utf8_trim_whitespace(values)
    length = pc.utf8_length(values)
    keep = _present(values, length)
    values, owner, length = pc.filter(values, keep), pc.filter(owner, keep), pc.filter(length, keep)
    values = _clean(values)
    grouped = (
        pa.table({"owner": owner, "length": length})
        .group_by("owner", use_threads=False)
        .aggregate([("length", "count"), ("length", "max")])
        .sort_by("owner")
    )
    out = {}
    offset = 0
    for i, count, longest in zip(
        grouped.column("owner").to_pylist(),
        grouped.column("length_count").to_pylist(),
        grouped.column("length_max").to_pylist(),
        strict=True,
    ):
        out[names[i]] = (values.slice(offset, count), longest)
        offset += count
    return out


# --- per column statistics ------------------------------------------------------------------


@dataclass
class ColumnStats:
    n: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)
    embedded: dict[str, int] = field(default_factory=dict)  # kind -> cells
    embedded_cells: int = 0
    embedded_examples: list[str] = field(default_factory=list)

    def add(self, key: str, value: str, count: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + count
        examples = self.examples.setdefault(key, [])
        if len(examples) < EXAMPLES:
            examples.append(value)

    def share(self, key: str) -> float:
        return self.counts.get(key, 0) / self.n if self.n else 0.0


def _filter_list(values: pa.Array, mask: pa.Array) -> list[str]:
    return pc.filter(values, mask).to_pylist()


def _hinted(header: HeaderInfo) -> bool:
    """A header that makes even short values worth counting."""
    return bool(header.kinds or header.person or header.rt_rw)


def column_stats(
    values: pa.Array, header: HeaderInfo, *, longest: int | None = None
) -> ColumnStats:
    """Counts of the values that validate as each kind (keys below), on prepared values."""
    stats = ColumnStats(n=len(values))
    if not stats.n:
        return stats
    if not _hinted(header):
        if longest is None:
            longest = pc.max(pc.utf8_length(values)).as_py() or 0
        if longest < SHORTEST:
            return stats  # counts, years, codes: too short to hold anything the guard looks for
    compact = pc.replace_substring_regex(values, r"[\s.\-()]", "")
    digits_only = pc.match_substring_regex(compact, r"^\d+$")
    length = pc.utf8_length(compact)

    # 15, 16 and 18 digits: NPWP, NIK/KK/NPWP16, NIP.
    long_ids = pc.and_(digits_only, pc.is_in(length, value_set=pa.array([15, 16, 18], pa.int32())))
    if pc.any(long_ids).as_py():
        named = bool(header.kinds & {NIK, KK, NPWP})
        originals = _filter_list(values, long_ids)
        for raw, digits in zip(originals, _filter_list(compact, long_ids), strict=True):
            n = len(digits)
            if n == 16:
                level = nik_level(digits)
                if level:
                    stats.add("nik_structure", raw)
                    if level == 2:
                        stats.add("nik_known", raw)
                    if not named and desa_known(digits[:10]):
                        stats.add("nik_desa_prefix", raw)
                elif digits[0] == "0" and npwp_kind(digits) == "entity":
                    stats.add("npwp_entity", raw)
            elif n == 15:
                if npwp_kind(digits) == "npwp15":
                    stats.add("npwp15", raw)
            elif is_nip(digits):
                stats.add("nip", raw)

    # Phones. Value-only: mobile numbers written with 0 / 62 / +62. With a phone header, any.
    if PHONE in header.kinds:
        phone_like = pc.match_substring_regex(compact, r"^\+?\d{6,15}$")
    else:
        phone_like = pc.match_substring_regex(compact, r"^(?:\+62|62|0062|0)8\d{8,11}$")
    if pc.any(phone_like).as_py():
        for raw in _filter_list(values, phone_like):
            kind = phone_kind(raw)
            if kind:
                stats.add("phone_any", raw)
                if kind == "mobile":
                    stats.add("phone_mobile", raw)

    # E-mail.
    emails = pc.match_substring_regex(values, _EMAIL_FULL)
    email_count = pc.sum(emails).as_py() or 0
    if email_count:
        stats.add("email", "", email_count)
        stats.examples["email"] = _filter_list(values, emails)[:EXAMPLES]

    has_letter = pc.match_substring_regex(values, r"[A-Za-z]")
    letters = pc.sum(has_letter).as_py() or 0
    stats.counts["text"] = letters

    if letters:
        address = pc.match_substring_regex(values, ADDRESS_PATTERN)
        count = pc.sum(address).as_py() or 0
        if count:
            stats.counts["address"] = count
            stats.examples["address"] = _filter_list(values, address)[:EXAMPLES]
        if ADDRESS in header.kinds:
            stats.examples.setdefault("text", _filter_list(values, has_letter)[:EXAMPLES])
    if header.rt_rw:
        rt_rw = pc.match_substring_regex(values, _RT_RW_ONLY)
        stats.counts["rt_rw"] = pc.sum(rt_rw).as_py() or 0
        stats.examples["rt_rw"] = _filter_list(values, rt_rw)[:EXAMPLES]

    if BIRTH_DATE in header.kinds:
        dates = pc.match_substring_regex(values, _DATE_PATTERN)
        stats.counts["date"] = pc.sum(dates).as_py() or 0
        stats.examples["date"] = _filter_list(values, dates)[:EXAMPLES]

    if header.person:
        shaped = pc.and_(
            pc.match_substring_regex(values, _NAME_SHAPE),
            pc.less_equal(pc.count_substring_regex(values, r"\s+"), 5),
        )
        names = _filter_list(values, shaped)
        stats.counts["name_shape"] = len(names)
        stats.examples["name_shape"] = names[:EXAMPLES]
        known = sum(
            1 for name in names if any(w in KNOWN_NAMES for w in re.split(r"[^a-z]+", name.lower()))
        )
        stats.counts["name_known"] = known

    # Free text: identifiers inside longer text.
    if letters >= max(1, stats.n // 2) and (
        header.free_text or (pc.mean(pc.utf8_length(values)).as_py() or 0) >= FREE_TEXT_LENGTH
    ):
        candidates = pc.and_(has_letter, pc.match_substring_regex(values, _EMBEDDED_PREFILTER))
        if pc.any(candidates).as_py():
            for text in _filter_list(values, candidates):
                found = identifiers_in(text)
                if not found:
                    continue
                stats.embedded_cells += 1
                for kind in {k for k, _m, _s in found}:
                    stats.embedded[kind] = stats.embedded.get(kind, 0) + 1
                if len(stats.embedded_examples) < EXAMPLES:
                    stats.embedded_examples.append(mask_embedded(text, found))
    return stats


def mask_embedded(text: str, found: Iterable[tuple[str, str, int]]) -> str:
    """The text cut to 80 characters around the first identifier, identifiers masked."""
    found = list(found)
    masked = text
    for _kind, value, _start in found:
        masked = masked.replace(value, mask(value))
    first = masked.find(mask(found[0][1])) if found else 0
    start = max(0, first - 30)
    snippet = masked[start : start + 80]
    return ("…" if start else "") + snippet + ("…" if start + 80 < len(masked) else "")


# --- the decision ---------------------------------------------------------------------------


@dataclass
class Finding:
    kind: str  # nik, kk, npwp, phone, …
    severity: str
    share: float
    count: int  # matching values in the sample
    reason: str  # header | values | both
    examples: list[str]
    variant: str = ""  # nik_or_kk, entity, embedded, institution, rt_rw
    embedded: dict[str, int] = field(default_factory=dict)


def decide(header_text: str, stats: ColumnStats) -> Finding | None:
    """The one finding for a column, or None."""
    header = classify_header(header_text)
    n = stats.n
    if not n:
        return None
    enough = n >= MIN_VALUES
    strict = STRICT_SHARE if header.strict else 0.0
    count, share, examples = stats.counts.get, stats.share, stats.examples.get
    candidates: list[Finding] = []

    def add(kind, key, by_header, by_values, *, severity=Severity.ERROR, variant="", total=None):
        """A candidate finding of ``kind`` measured by the stats under ``key``."""
        if not (by_header or by_values):
            return
        reason = "both" if by_header and by_values else "header" if by_header else "values"
        matched = count(key, 0) if total is None else total
        candidates.append(
            Finding(
                kind=kind,
                severity=severity,
                share=matched / n,
                count=matched,
                reason=reason,
                examples=list(examples(key, []))[:EXAMPLES],
                variant=variant,
            )
        )

    # NIK / KK. Under an npwp header a NIK is the NPWP of a person: counted below.
    named_nik = bool(header.kinds & {NIK, KK})
    if named_nik or NPWP not in header.kinds:
        by_values = (
            enough
            and (
                share("nik_known") >= max(strict, NIK_SHARE)
                or share("nik_structure") >= max(strict, NIK_STRUCTURE_SHARE)
            )
            # kode desa + a 6-digit serial (register numbers built on the region code) can
            # pass as NIKs: a real NIK column rarely starts with a village code.
            and share("nik_desa_prefix") < DESA_PREFIX_SHARE
        )
        by_header = (
            named_nik and count("nik_structure", 0) and share("nik_structure") >= HEADER_SHARE
        )
        if KK in header.kinds and NIK not in header.kinds:
            kind, variant = KK, ""
        else:
            kind, variant = NIK, "" if NIK in header.kinds else "nik_or_kk"
        add(kind, "nik_structure", by_header, by_values, variant=variant)

    # NPWP: of a person (15 digits, or a NIK) or of a company/agency (0 + 15 digits).
    personal = count("npwp15", 0) + (count("nik_structure", 0) if NPWP in header.kinds else 0)
    personal_key = "nik_structure" if NPWP in header.kinds and not count("npwp15") else "npwp15"
    by_values = enough and personal / n >= max(strict, NPWP_SHARE)
    by_header = NPWP in header.kinds and personal and personal / n >= HEADER_SHARE
    if by_header or by_values:
        add(NPWP, personal_key, by_header, by_values, total=personal)
    elif NPWP in header.kinds and count("npwp_entity") and count("npwp_entity") / n >= HEADER_SHARE:
        add(NPWP, "npwp_entity", True, False, severity=Severity.WARNING, variant="entity")

    # NIP.
    add(
        NIP,
        "nip",
        NIP in header.kinds and count("nip", 0) and share("nip") >= HEADER_SHARE,
        enough and share("nip") >= max(strict, NIP_SHARE),
    )

    # Phone: by values only mobile numbers (and never under an amount/code header).
    if PHONE in header.kinds:
        add(
            PHONE,
            "phone_any",
            count("phone_any", 0) and share("phone_any") >= HEADER_SHARE,
            enough and share("phone_mobile") >= PHONE_SHARE,
        )
    else:
        add(
            PHONE,
            "phone_mobile",
            False,
            enough and not strict and share("phone_mobile") >= PHONE_SHARE,
        )

    # E-mail.
    add(
        EMAIL,
        "email",
        EMAIL in header.kinds and share("email") >= EMAIL_HEADER_SHARE,
        enough and share("email") >= EMAIL_SHARE,
    )

    # Address: street with number or RT/RW in the values, or an "alamat" header over text.
    address_like = share("address") >= ADDRESS_SHARE
    by_values = enough and address_like
    by_header = (ADDRESS in header.kinds and share("text") >= TEXT_SHARE) or (
        header.street and address_like
    )
    severity = Severity.WARNING if header.institution else Severity.ERROR
    if by_header or by_values:
        key = "address" if address_like else "text"
        variant = "institution" if header.institution else "" if address_like else "address_text"
        add(ADDRESS, key, by_header, by_values, severity=severity, variant=variant)
    elif header.rt_rw and share("rt_rw") >= SHAPE_SHARE:
        add(ADDRESS, "rt_rw", True, False, severity=Severity.WARNING, variant="rt_rw")

    # Birth dates and names: header words plus the shape of the values; warnings.
    if BIRTH_DATE in header.kinds and share("date") >= SHAPE_SHARE:
        add(BIRTH_DATE, "date", True, True, severity=Severity.WARNING)
    if header.person and share("name_shape") >= SHAPE_SHARE:
        if header.strong_person or share("name_known") >= KNOWN_NAME_SHARE:
            add(PERSON_NAME, "name_shape", True, True, severity=Severity.WARNING)

    if candidates:
        # Errors before warnings; then backed by both header and values; then the larger share.
        candidates.sort(key=lambda f: (f.severity != Severity.ERROR, f.reason != "both", -f.share))
        return candidates[0]

    # Free text with identifiers inside.
    if stats.embedded_cells >= EMBEDDED_CELLS:
        order = (NIK, NPWP, NIP, PHONE, EMAIL)
        kind = max(order, key=lambda k: (stats.embedded.get(k, 0), -order.index(k)))
        return Finding(
            kind=kind,
            severity=Severity.ERROR,
            share=stats.embedded_cells / n,
            count=stats.embedded_cells,
            reason="values",
            examples=stats.embedded_examples,
            variant="embedded",
            embedded=dict(stats.embedded),
        )
    return None


# --- messages -------------------------------------------------------------------------------


def _labels() -> dict[str, tuple[str, str]]:
    """kind/variant -> (long label, what a valid value is)."""
    return {
        NIK: (_("NIK (nomor induk kependudukan)"), _("berbentuk NIK yang sah")),
        "nik_or_kk": (_("NIK atau No. KK"), _("berbentuk NIK atau No. KK yang sah")),
        KK: (_("No. KK (nomor kartu keluarga)"), _("berbentuk No. KK yang sah")),
        NPWP: (_("NPWP (nomor pokok wajib pajak)"), _("berbentuk NPWP orang pribadi yang sah")),
        "entity": (_("NPWP badan atau instansi"), _("berbentuk NPWP 16 digit berawalan 0")),
        PHONE: (_("nomor telepon/HP"), _("berbentuk nomor HP atau telepon Indonesia")),
        EMAIL: (_("alamat e-mail"), _("berbentuk alamat e-mail")),
        NIP: (_("NIP (nomor induk pegawai)"), _("berbentuk NIP yang sah")),
        ADDRESS: (_("alamat tempat tinggal"), _("berbentuk alamat (jalan dan nomor, atau RT/RW)")),
        "address_text": (_("alamat"), _("berisi teks")),
        "institution": (_("alamat (kantor atau lembaga)"), _("berisi alamat")),
        "rt_rw": (_("nomor RT/RW"), _("berbentuk RT/RW")),
        BIRTH_DATE: (_("tanggal lahir"), _("berbentuk tanggal")),
        PERSON_NAME: (_("nama orang"), _("berbentuk nama orang")),
    }


def _short_labels() -> dict[str, str]:
    return {
        NIK: _("NIK"),
        NPWP: _("NPWP"),
        NIP: _("NIP"),
        PHONE: _("nomor HP"),
        EMAIL: _("alamat e-mail"),
    }


def percent(share: float) -> int:
    """Rounded down, so that 99.6 % of valid values never reads as 100 %."""
    return 100 if share >= 1 else math.floor(share * 100)


def finding_message(finding: Finding, column: str, *, hidden_sheet: str | None = None) -> str:
    where = (
        _(" di lembar tersembunyi '%(sheet)s'") % {"sheet": hidden_sheet}
        if hidden_sheet is not None
        else ""
    )
    if finding.variant == "embedded":
        shorts = _short_labels()
        kinds = [k for k in (NIK, NPWP, NIP, PHONE, EMAIL) if finding.embedded.get(k)]
        return _(
            "Kolom '%(column)s'%(where)s memuat %(kinds)s di dalam teks pada %(count)s sel."
        ) % {
            "column": column,
            "where": where,
            "kinds": ", ".join(shorts[k] for k in kinds),
            "count": finding.count,
        }
    labels = _labels()
    key = finding.variant or finding.kind
    label, shape = labels.get(key, labels[finding.kind])
    if finding.kind == NPWP and finding.variant == "entity":
        return _(
            "Kolom '%(column)s'%(where)s berisi %(label)s: %(percent)s%% dari nilai %(shape)s. "
            "NPWP badan atau instansi bukan data pribadi, tetapi periksa sebelum diajukan."
        ) % {
            "column": column,
            "where": where,
            "label": label,
            "shape": shape,
            "percent": percent(finding.share),
        }
    if finding.reason == "header":
        return _(
            "Kolom '%(column)s'%(where)s berisi %(label)s menurut judul kolomnya: "
            "%(percent)s%% dari nilai %(shape)s."
        ) % {
            "column": column,
            "where": where,
            "label": label,
            "shape": shape,
            "percent": percent(finding.share),
        }
    return _(
        "Kolom '%(column)s'%(where)s berisi %(label)s: %(percent)s%% dari nilai %(shape)s."
    ) % {
        "column": column,
        "where": where,
        "label": label,
        "shape": shape,
        "percent": percent(finding.share),
    }


def finding_problem(
    finding: Finding,
    *,
    sheet: str,
    column: str,
    column_index: int | None,
    hidden: bool = False,
    count: int | None = None,
    extra: dict | None = None,
) -> Problem:
    label = column or (
        _("kolom %(letter)s") % {"letter": column_letter(column_index)}
        if column_index is not None
        else ""
    )
    data = {
        "share": round(finding.share, 3),
        "examples_masked": [mask(e) for e in finding.examples]
        if finding.variant != "embedded"
        else list(finding.examples),
        "reason": finding.reason,
    }
    if finding.variant:
        data["variant"] = finding.variant
    if finding.embedded:
        data["embedded"] = dict(finding.embedded)
    if hidden:
        data["hidden_sheet"] = True
    data.update(extra or {})
    return Problem(
        code=CODES[finding.kind],
        severity=finding.severity,
        message=finding_message(finding, label, hidden_sheet=(sheet if hidden else None)),
        hint=hint(finding.severity),
        sheet=sheet,
        column=column,
        column_index=column_index,
        count=finding.count if count is None else count,
        extra=data,
    )


# --- the sheet scan -------------------------------------------------------------------------


def scan_values(header: str, values: Sequence[str | None]) -> Finding | None:
    """The finding for one column given as a list of text values (used by xlsx_parts)."""
    prepared = _prepare(pa.array(list(values), pa.string()))
    return decide(header, column_stats(prepared, classify_header(header)))


def scan_sheet(sheet: SheetTable, *, sample_size: int = 20_000) -> list[Problem]:
    """One Problem per column of the sheet that holds personal data (see the module doc)."""
    path = Path(sheet.data_path) if sheet.data_path else None
    if not sheet.header or path is None or not path.exists():
        return []
    names = [data_column(i) for i in range(len(sheet.header))]
    sizes = max_bytes(path)
    if sizes is not None and len(sizes) == len(names):
        # Not read at all: columns whose cells are all shorter than SHORTEST under a header
        # with no hint, which column_stats would pass over anyway (counts, years, codes).
        names = [
            name
            for name, size, header in zip(names, sizes, sheet.header, strict=True)
            if size >= SHORTEST or _hinted(classify_header(header))
        ]
    table, total, non_empty = read_sample(path, names, sample_size)
    sampled = table.num_rows < total
    problems: list[Problem] = []
    available = set(table.column_names)
    prepared = prepare_columns(table, [name for name in names if name in available])
    for index, name in enumerate(data_column(i) for i in range(len(sheet.header))):
        if name not in prepared:
            continue  # missing, empty or too short
        header = sheet.header[index] if index < len(sheet.header) else ""
        values, longest = prepared[name]
        stats = column_stats(values, classify_header(header), longest=longest)
        finding = decide(header, stats)
        if finding is None:
            continue
        extra: dict = {}
        count = None
        if sampled:
            total_values = non_empty.get(name)
            extra = {"sampled_values": stats.n, "estimated": True}
            if total_values:
                count = round(finding.count / stats.n * total_values)
        problems.append(
            finding_problem(
                finding,
                sheet=sheet.name,
                column=header,
                column_index=index,
                hidden=sheet.hidden,
                count=count,
                extra=extra,
            )
        )
    return problems
