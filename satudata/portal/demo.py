"""The NTT demo: synthetic, clearly labelled data for trying the portal (`satudata demo`).

Organisations carry the real names of the NTT provincial OPD (2024 structure, see
shared/research/ntt.md §1); every number is generated from a fixed seed and says so in
its description. Loading is create-if-missing per object (by slug or username), so a
second run changes nothing.
"""

import csv
import io
import os
import random
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from satudata.accounts.constants import OrganizationKind, Role
from satudata.accounts.models import Membership, Organization, User
from satudata.catalog.actions import add_version, refresh_search_document
from satudata.catalog.constants import (
    MS_IND_FIELDS,
    MS_KEG_FIELDS,
    Access,
    License,
    ResourceKind,
    State,
    UpdateFrequency,
)
from satudata.catalog.models import Dataset, Resource, ResourceVersion, Tag, Topic
from satudata.ingest.actions import ingest_now
from satudata.regions.actions import bundled_codes, load_regions
from satudata.regions.constants import Level
from satudata.regions.models import Region
from satudata.signing.actions import sign_missing

PROVINCE = "53"
NOTE = "Data contoh (sintetis) untuk demonstrasi; bukan statistik resmi."
SOURCE = "Data contoh Satu Data NTT (sintetis)"
ACCOUNTS_FILE = "demo-accounts.txt"


class DemoError(Exception):
    """The database cannot take the demo (e.g. a region reference without NTT)."""


# --- organisations, topics, accounts


@dataclass(frozen=True)
class Org:
    slug: str
    name: str
    short_name: str
    kind: str
    description: str


ORGANIZATIONS = [
    Org("dinas-kesehatan", "Dinas Kesehatan", "Dinkes", OrganizationKind.AGENCY,
        "Urusan kesehatan: pelayanan kesehatan, gizi masyarakat, dan sumber daya kesehatan."),
    Org("dinas-pendidikan-dan-kebudayaan", "Dinas Pendidikan dan Kebudayaan", "Dikbud", OrganizationKind.AGENCY,
        "Urusan pendidikan menengah dan khusus serta kebudayaan."),
    Org("dinas-kependudukan-dan-pencatatan-sipil", "Dinas Kependudukan dan Pencatatan Sipil", "Disdukcapil",
        OrganizationKind.AGENCY, "Urusan administrasi kependudukan dan pencatatan sipil."),
    Org("dinas-sosial", "Dinas Sosial", "Dinsos", OrganizationKind.AGENCY,
        "Urusan sosial: perlindungan dan jaminan sosial, rehabilitasi sosial, penanganan fakir miskin."),
    Org("dp3ap2kb",
        "Dinas Pemberdayaan Perempuan, Perlindungan Anak, Pengendalian Penduduk dan Keluarga Berencana",
        "DP3AP2KB", OrganizationKind.AGENCY,
        "Urusan pemberdayaan perempuan, perlindungan anak, pengendalian penduduk, dan keluarga berencana."),
    Org("dinas-pertanian-dan-ketahanan-pangan", "Dinas Pertanian dan Ketahanan Pangan", "Distan KP",
        OrganizationKind.AGENCY, "Urusan pertanian tanaman pangan, hortikultura, dan ketahanan pangan."),
    Org("dinas-peternakan", "Dinas Peternakan", "Disnak", OrganizationKind.AGENCY,
        "Urusan peternakan dan kesehatan hewan."),
    Org("dinas-kelautan-dan-perikanan", "Dinas Kelautan dan Perikanan", "DKP", OrganizationKind.AGENCY,
        "Urusan kelautan, perikanan tangkap, dan perikanan budi daya."),
    Org("dinas-pupr", "Dinas Pekerjaan Umum dan Perumahan Rakyat", "Dinas PUPR", OrganizationKind.AGENCY,
        "Urusan jalan, sumber daya air, air minum, dan perumahan rakyat."),
    Org("dinas-komunikasi-dan-informatika", "Dinas Komunikasi dan Informatika", "Diskominfo",
        OrganizationKind.AGENCY, "Urusan komunikasi, informatika, persandian, dan statistik sektoral; "
        "walidata Satu Data."),
    Org("bapperida", "Badan Perencanaan Pembangunan, Riset dan Inovasi Daerah", "Bapperida",
        OrganizationKind.BOARD, "Perencanaan pembangunan daerah, riset, dan inovasi."),
    Org("dinas-pariwisata-dan-ekonomi-kreatif", "Dinas Pariwisata dan Ekonomi Kreatif", "Disparekraf",
        OrganizationKind.AGENCY, "Urusan pariwisata dan ekonomi kreatif."),
    Org("bpbd", "Badan Penanggulangan Bencana Daerah", "BPBD", OrganizationKind.BOARD,
        "Penanggulangan bencana: pencegahan, kedaruratan, rehabilitasi, dan rekonstruksi."),
    Org("dinas-ketenagakerjaan-dan-transmigrasi", "Dinas Ketenagakerjaan dan Transmigrasi", "Disnakertrans",
        OrganizationKind.AGENCY, "Urusan ketenagakerjaan dan transmigrasi."),
    Org("dinas-lingkungan-hidup-dan-kehutanan", "Dinas Lingkungan Hidup dan Kehutanan", "Dinas LHK",
        OrganizationKind.AGENCY, "Urusan lingkungan hidup dan kehutanan."),
]  # fmt: skip

TOPICS = [
    ("kesehatan", "Kesehatan", "Pelayanan kesehatan, gizi, tenaga dan fasilitas kesehatan."),
    ("pendidikan", "Pendidikan", "Partisipasi sekolah, satuan pendidikan, guru, dan capaian pendidikan."),
    ("kemiskinan-perlindungan-sosial", "Kemiskinan dan Perlindungan Sosial",
     "Penduduk miskin, garis kemiskinan, bantuan dan jaminan sosial."),
    ("kependudukan", "Kependudukan", "Jumlah penduduk, dokumen kependudukan, dan keluarga berencana."),
    ("perempuan-anak", "Perempuan dan Anak", "Pemberdayaan perempuan dan perlindungan anak."),
    ("pertanian-pangan", "Pertanian dan Pangan", "Produksi tanaman pangan, peternakan, dan ketahanan pangan."),
    ("kelautan-perikanan", "Kelautan dan Perikanan", "Perikanan tangkap, budi daya, dan rumput laut."),
    ("infrastruktur", "Infrastruktur", "Jalan, air minum, perumahan, dan jaringan telekomunikasi."),
    ("pariwisata", "Pariwisata", "Kunjungan wisatawan dan usaha akomodasi."),
    ("kebencanaan", "Kebencanaan", "Kejadian dan dampak bencana alam."),
    ("ketenagakerjaan", "Ketenagakerjaan", "Angkatan kerja, pengangguran, dan pencari kerja."),
    ("lingkungan-hidup", "Lingkungan Hidup", "Sampah, lahan kritis, dan kehutanan."),
    ("ekonomi", "Ekonomi", "Pertumbuhan ekonomi, PDRB, dan pembangunan manusia."),
]  # fmt: skip


@dataclass(frozen=True)
class Account:
    username: str
    full_name: str
    role: str
    organization: str | None = None  # an Org slug, for the OPD roles


ACCOUNTS = [
    Account("walidata", "Maria Goreti Bria", Role.STEWARD),
    Account("produsen.dinkes", "Yohanes Lado", Role.PRODUCER, "dinas-kesehatan"),
    Account("produsen.dinsos", "Agustina Manafe", Role.PRODUCER, "dinas-sosial"),
    Account("pendukung.dinkes", "Fransiskus Kolo", Role.SUPPORT_STEWARD, "dinas-kesehatan"),
    Account("pembina", "Kristina Tefa", Role.SUPERVISOR),
    Account("pimpinan", "Petrus Dopo", Role.LEADER),
    Account("admin", "Elisabeth Nenobais", Role.ADMIN),
]

# Who uploads the files of an OPD's datasets; the Walidata stands in for OPDs without a demo Produsen.
UPLOADERS = {"dinas-kesehatan": "produsen.dinkes", "dinas-sosial": "produsen.dinsos"}
DEFAULT_UPLOADER = "walidata"


# --- how synthetic values are made

# A made-up 0–1 "development" score per kab/kota so that the synthetic indicators agree with
# one another (the town scores high on IPM and low on poverty). Not derived from statistics.
SCORE = {
    "53.01": 0.45, "53.02": 0.25, "53.03": 0.40, "53.04": 0.50, "53.05": 0.45, "53.06": 0.55,
    "53.07": 0.60, "53.08": 0.60, "53.09": 0.65, "53.10": 0.50, "53.11": 0.40, "53.12": 0.30,
    "53.13": 0.45, "53.14": 0.45, "53.15": 0.55, "53.16": 0.55, "53.17": 0.15, "53.18": 0.15,
    "53.19": 0.35, "53.20": 0.20, "53.21": 0.35, "53.71": 0.95,
}  # fmt: skip
# A rough size in thousands of residents, only to scale synthetic counts to a plausible magnitude.
POPULATION_K = {
    "53.01": 380, "53.02": 470, "53.03": 270, "53.04": 230, "53.05": 220, "53.06": 280,
    "53.07": 330, "53.08": 280, "53.09": 170, "53.10": 330, "53.11": 260, "53.12": 150,
    "53.13": 140, "53.14": 150, "53.15": 270, "53.16": 160, "53.17": 90, "53.18": 340,
    "53.19": 290, "53.20": 95, "53.21": 190, "53.71": 450,
}  # fmt: skip
POPULATION_GROWTH = 0.012  # per year, from 2019


@dataclass(frozen=True)
class Measure:
    """The value column of a dataset and how its synthetic values are drawn.

    Each region gets a rate between `lo` and `hi` (placed by its SCORE when `direction` is
    ±1), which moves by `trend` a year plus noise and `shocks[year]`, clamped to `bounds`.
    The value is the rate itself (per=""), the rate per 1,000 residents (per="population")
    or the rate as a share of the region's villages (per="village"), then multiplied by
    `boost[region]` and `factors[year]`.
    """

    column: str
    title: str
    unit: str
    measure: str
    definition: str
    lo: float
    hi: float
    per: str = ""
    direction: int = 0
    trend: float = 0.0
    decimals: int = 2
    jitter: float = 0.03
    bounds: tuple | None = None
    shocks: dict = field(default_factory=dict)
    factors: dict = field(default_factory=dict)
    boost: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Category:
    """A breakdown column; each value has its own (lo, hi) for the Measure's rate."""

    column: str
    title: str
    values: tuple


@dataclass(frozen=True)
class Spec:
    slug: str
    title: str
    org: str
    topics: tuple
    tags: tuple
    about: str
    value: Measure
    category: Category | None = None
    years: tuple = (2019, 2024)
    access: str = Access.OPEN
    state: str = State.PUBLISHED
    priority: bool = False
    license: str = License.CC_BY_4
    frequency: str = UpdateFrequency.YEARLY
    level: int = Level.REGENCY
    indicator: dict = field(default_factory=dict)
    activity: dict = field(default_factory=dict)
    corrected: bool = False  # a second table version fixes typos of the first
    document: bool = False  # a PDF "Metadata kegiatan" next to the table


def pct(column, title, definition, lo, hi, **kw):
    return Measure(column, title, "persen", "persentase", definition, lo, hi, **kw)


def count(column, title, unit, definition, lo, hi, **kw):
    kw.setdefault("per", "population")
    kw.setdefault("decimals", 0)
    return Measure(column, title, unit, "jumlah", definition, lo, hi, **kw)


def sex(lo_m, hi_m, lo_f, hi_f):
    return Category(
        "jenis_kelamin", "Jenis Kelamin", (("Laki-laki", lo_m, hi_m), ("Perempuan", lo_f, hi_f))
    )


def survey(
    title, organiser, unit, *, analysis_unit="Rumah tangga", sector="Sosial", method="Survei"
):
    """MS-Keg block of a (fictional) OPD statistical activity."""
    return {
        "title": f"{title} (contoh)",
        "year": "2024",
        "activity_code": "CONTOH-" + "".join(w[0] for w in title.split() if w[0].isalpha()).upper(),
        "statistic_type": "Statistik Sektoral",
        "collection_method": method,
        "sector": sector,
        "organiser": f"{organiser} Provinsi Nusa Tenggara Timur",
        "responsible_unit": unit,
        "background": "Kegiatan contoh untuk memperlihatkan Metadata Statistik Kegiatan (MS-Keg) di portal.",
        "objective": "Menyediakan data menurut kabupaten/kota untuk perencanaan dan evaluasi pembangunan daerah.",
        "frequency": "Tahunan",
        "coverage": "Provinsi Nusa Tenggara Timur (22 kabupaten/kota)",
        "analysis_unit": analysis_unit,
        "presentation_level": "Kabupaten/kota",
    }


def indicator(
    concept, definition, interpretation, formula, measure, unit, *, components=None, activity=""
):
    """MS-Ind block; `components` marks a composite indicator."""
    block = {
        "concept": concept,
        "definition": definition,
        "interpretation": interpretation,
        "formula": formula,
        "measure": measure,
        "unit": unit,
        "presentation": "Kabupaten/kota",
        "is_composite": "Ya" if components else "Tidak",
        "estimation_level": "Kabupaten/kota",
        "is_public": "Ya",
    }
    if components:
        block |= {
            "component_publication": "Ya",
            "components": components,
            "component_activity": activity,
            "component_variables": components,
        }
    elif activity:
        block["component_activity"] = activity
    return block


PDRB_DIP = {2020: -1.5, 2021: -0.5}

SPECS = [
    # Dinas Sosial
    Spec(
        "persentase-penduduk-miskin", "Persentase Penduduk Miskin Menurut Kabupaten/Kota", "dinas-sosial",
        ("kemiskinan-perlindungan-sosial",), ("kemiskinan", "angka kemiskinan", "penduduk miskin", "sosial", "susenas"),
        "Persentase penduduk yang berada di bawah garis kemiskinan di setiap kabupaten/kota.",
        pct("persentase_penduduk_miskin", "Persentase Penduduk Miskin",
            "Persentase penduduk dengan rata-rata pengeluaran per kapita per bulan di bawah garis kemiskinan.",
            8, 35, direction=-1, trend=-0.35, shocks={2020: 0.6, 2021: 0.4}),
        priority=True, corrected=True, document=True,
        indicator=indicator(
            "Kemiskinan dipandang sebagai ketidakmampuan dari sisi ekonomi untuk memenuhi kebutuhan dasar "
            "makanan dan bukan makanan yang diukur dari sisi pengeluaran.",
            "Persentase penduduk yang memiliki rata-rata pengeluaran per kapita per bulan di bawah garis "
            "kemiskinan.",
            "Semakin tinggi persentase, semakin besar bagian penduduk yang hidup di bawah garis kemiskinan.",
            "(Jumlah penduduk miskin / jumlah penduduk) × 100",
            "Persentase", "Persen", activity="Survei Sosial Ekonomi Daerah (contoh)"),
        activity=survey("Survei Sosial Ekonomi Daerah", "Dinas Sosial", "Bidang Perlindungan dan Jaminan Sosial"),
    ),
    Spec(
        "jumlah-kpm-program-keluarga-harapan",
        "Jumlah Keluarga Penerima Manfaat Program Keluarga Harapan Menurut Kabupaten/Kota", "dinas-sosial",
        ("kemiskinan-perlindungan-sosial",), ("bantuan sosial", "pkh", "keluarga penerima manfaat"),
        "Jumlah keluarga penerima manfaat (KPM) Program Keluarga Harapan per semester.",
        count("jumlah_kpm", "Jumlah KPM", "keluarga",
              "Keluarga yang terdaftar sebagai penerima bantuan sosial bersyarat Program Keluarga Harapan.",
              25, 70, direction=-1, trend=-1.0),
        category=Category("semester", "Semester", (("I", 25, 70), ("II", 25, 72))),
        years=(2020, 2024), frequency=UpdateFrequency.SEMIANNUAL,
    ),
    Spec(
        "rekap-penerima-bansos-pangan-terbatas",
        "Rekap Penerima Bantuan Sosial Pangan Menurut Kabupaten/Kota (Terbatas)", "dinas-sosial",
        ("kemiskinan-perlindungan-sosial",), ("bantuan sosial", "pangan", "terbatas"),
        "Rekap penerima bantuan sosial pangan hasil pemadanan data; hanya untuk perangkat daerah.",
        count("jumlah_keluarga_penerima", "Jumlah Keluarga Penerima", "keluarga",
              "Keluarga yang menerima bantuan sosial pangan pada tahun berjalan.", 40, 110, direction=-1),
        years=(2021, 2024), access=Access.RESTRICTED, license=License.GOV,
    ),
    Spec(
        "rekap-kerentanan-sosial-rumah-tangga", "Rekap Kerentanan Sosial Rumah Tangga Menurut Kabupaten/Kota",
        "dinas-sosial", ("kemiskinan-perlindungan-sosial",), ("kerentanan sosial", "rumah tangga", "tertutup"),
        "Rekap internal tingkat kerentanan sosial rumah tangga dari pemadanan data by name by address; "
        "dikecualikan dari keterbukaan informasi.",
        count("jumlah_rumah_tangga", "Jumlah Rumah Tangga", "rumah tangga",
              "Rumah tangga menurut tingkat kerentanan sosial hasil pemeringkatan.", 10, 60, direction=-1),
        category=Category("tingkat_kerentanan", "Tingkat Kerentanan",
                          (("Sangat rentan", 10, 35), ("Rentan", 20, 50), ("Hampir rentan", 25, 60))),
        years=(2022, 2024), access=Access.CLOSED, license=License.GOV,
    ),
    Spec(
        "jumlah-penyandang-disabilitas", "Jumlah Penyandang Disabilitas Terdata Menurut Jenis Kelamin dan "
        "Kabupaten/Kota", "dinas-sosial", ("kemiskinan-perlindungan-sosial",), ("disabilitas", "rehabilitasi sosial"),
        "Penyandang disabilitas yang terdata dalam pendataan dinas sosial kabupaten/kota.",
        count("jumlah_penyandang_disabilitas", "Jumlah Penyandang Disabilitas", "orang",
              "Penduduk dengan keterbatasan fisik, intelektual, mental, atau sensorik yang terdata.", 3, 9),
        category=sex(3, 9, 2.5, 8), years=(2021, 2024), state=State.DRAFT,
    ),
    # Dinas Kesehatan
    Spec(
        "prevalensi-balita-stunting", "Prevalensi Balita Stunting Menurut Kabupaten/Kota", "dinas-kesehatan",
        ("kesehatan",), ("stunting", "gizi", "balita", "e-ppgbm"),
        "Prevalensi balita stunting hasil pengukuran serentak di posyandu.",
        pct("prevalensi_stunting", "Prevalensi Stunting",
            "Persentase balita dengan tinggi badan menurut umur kurang dari -2 simpangan baku median standar "
            "pertumbuhan anak WHO.", 15, 45, direction=-1, trend=-1.2),
        priority=True, corrected=True, document=True,
        indicator=indicator(
            "Stunting adalah kondisi gagal tumbuh pada anak balita akibat kekurangan gizi kronis dan infeksi "
            "berulang, terutama pada 1.000 hari pertama kehidupan.",
            "Persentase balita yang diukur dengan tinggi badan menurut umur (TB/U) di bawah -2 simpangan baku.",
            "Semakin tinggi prevalensi, semakin besar masalah gizi kronis pada balita di wilayah tersebut.",
            "(Jumlah balita stunting / jumlah balita yang diukur) × 100",
            "Persentase", "Persen", activity="Pengukuran serentak balita di posyandu (contoh)"),
        activity=survey("Pengukuran Serentak Balita", "Dinas Kesehatan", "Bidang Kesehatan Masyarakat",
                        analysis_unit="Balita", method="Pencatatan administrasi"),
    ),
    Spec(
        "jumlah-puskesmas", "Jumlah Puskesmas Menurut Jenis dan Kabupaten/Kota", "dinas-kesehatan",
        ("kesehatan",), ("puskesmas", "fasilitas kesehatan"),
        "Jumlah pusat kesehatan masyarakat menurut jenis pelayanan.",
        count("jumlah_puskesmas", "Jumlah Puskesmas", "unit",
              "Puskesmas yang beroperasi dan teregistrasi pada akhir tahun.", 0.02, 0.05, jitter=0.005),
        category=Category("jenis_puskesmas", "Jenis Puskesmas",
                          (("Rawat inap", 0.02, 0.04), ("Non rawat inap", 0.02, 0.05))),
    ),
    Spec(
        "jumlah-tenaga-kesehatan", "Jumlah Tenaga Kesehatan Menurut Jenis dan Kabupaten/Kota", "dinas-kesehatan",
        ("kesehatan",), ("tenaga kesehatan", "dokter", "perawat", "bidan"),
        "Jumlah tenaga kesehatan di fasilitas pelayanan kesehatan menurut jenis tenaga.",
        count("jumlah_tenaga_kesehatan", "Jumlah Tenaga Kesehatan", "orang",
              "Tenaga kesehatan yang bekerja di fasilitas pelayanan kesehatan pada akhir tahun.", 0.1, 2.5,
              direction=1, trend=0.03),
        category=Category("jenis_tenaga_kesehatan", "Jenis Tenaga Kesehatan", (
            ("Dokter", 0.1, 0.35), ("Perawat", 1.0, 2.5), ("Bidan", 0.8, 1.8),
            ("Tenaga kefarmasian", 0.1, 0.3), ("Tenaga gizi", 0.05, 0.15))),
        years=(2020, 2024),
    ),
    Spec(
        "jumlah-kematian-ibu", "Jumlah Kematian Ibu Menurut Kabupaten/Kota", "dinas-kesehatan",
        ("kesehatan", "perempuan-anak"), ("kematian ibu", "kesehatan ibu", "persalinan"),
        "Jumlah kematian ibu pada masa kehamilan, persalinan, dan nifas yang dilaporkan fasilitas kesehatan.",
        count("jumlah_kematian_ibu", "Jumlah Kematian Ibu", "orang",
              "Kematian perempuan selama kehamilan, persalinan, atau 42 hari setelah persalinan.", 0.01, 0.04,
              direction=-1, trend=-0.002, jitter=0.15),
    ),
    Spec(
        "cakupan-imunisasi-dasar-lengkap", "Cakupan Imunisasi Dasar Lengkap Menurut Kabupaten/Kota",
        "dinas-kesehatan", ("kesehatan",), ("imunisasi", "bayi"),
        "Persentase bayi yang mendapat imunisasi dasar lengkap.",
        pct("cakupan_idl", "Cakupan Imunisasi Dasar Lengkap",
            "Persentase bayi usia 0–11 bulan yang telah mendapat imunisasi dasar lengkap.", 60, 98,
            direction=1, trend=1.0, bounds=(40, 100)),
        years=(2020, 2024), state=State.DRAFT,
    ),
    Spec(
        "rekap-klaim-jaminan-kesehatan-daerah-terbatas",
        "Rekap Klaim Jaminan Kesehatan Daerah Menurut Kabupaten/Kota (Terbatas)", "dinas-kesehatan",
        ("kesehatan",), ("jaminan kesehatan", "klaim", "terbatas"),
        "Rekap klaim layanan jaminan kesehatan daerah untuk pemantauan antarperangkat daerah.",
        count("jumlah_klaim", "Jumlah Klaim", "klaim",
              "Klaim layanan kesehatan peserta jaminan kesehatan daerah yang diverifikasi.", 10, 40),
        years=(2021, 2024), access=Access.RESTRICTED, license=License.GOV,
    ),
    Spec(
        "rekap-anggaran-internal-program-kesehatan",
        "Rekap Anggaran Internal Program Kesehatan Menurut Kabupaten/Kota", "dinas-kesehatan",
        ("kesehatan",), ("anggaran", "internal", "tertutup"),
        "Rekap alokasi anggaran internal program kesehatan per wilayah layanan; dokumen kerja internal.",
        Measure("anggaran", "Anggaran", "juta rupiah", "nilai", "Pagu anggaran program kesehatan per wilayah.",
                500, 4500, decimals=1, jitter=0.1, boost={"53.71": 1.5}),
        years=(2022, 2024), access=Access.CLOSED, license=License.GOV,
    ),
    # Dinas Pendidikan dan Kebudayaan
    Spec(
        "angka-partisipasi-sekolah", "Angka Partisipasi Sekolah Menurut Kelompok Umur dan Kabupaten/Kota",
        "dinas-pendidikan-dan-kebudayaan", ("pendidikan",), ("aps", "partisipasi sekolah", "susenas"),
        "Angka partisipasi sekolah (APS) menurut kelompok umur sekolah.",
        pct("angka_partisipasi_sekolah", "Angka Partisipasi Sekolah",
            "Persentase penduduk kelompok umur sekolah tertentu yang sedang bersekolah.", 58, 99.8,
            direction=1, trend=0.4, bounds=(40, 100)),
        category=Category("kelompok_umur", "Kelompok Umur",
                          (("7-12 tahun", 94, 99.6), ("13-15 tahun", 82, 97), ("16-18 tahun", 58, 85))),
        indicator=indicator(
            "Partisipasi sekolah menggambarkan akses penduduk usia sekolah terhadap pendidikan.",
            "Proporsi penduduk pada kelompok umur sekolah tertentu yang masih bersekolah terhadap seluruh "
            "penduduk kelompok umur tersebut.",
            "Semakin tinggi APS, semakin banyak penduduk usia sekolah yang mengenyam pendidikan.",
            "(Penduduk kelompok umur x yang bersekolah / penduduk kelompok umur x) × 100",
            "Persentase", "Persen", activity="Survei Sosial Ekonomi Daerah (contoh)"),
        activity=survey("Survei Sosial Ekonomi Daerah", "Dinas Pendidikan dan Kebudayaan",
                        "Bidang Perencanaan dan Data Pendidikan", analysis_unit="Individu"),
    ),
    Spec(
        "jumlah-sekolah", "Jumlah Sekolah Menurut Jenjang dan Kabupaten/Kota", "dinas-pendidikan-dan-kebudayaan",
        ("pendidikan",), ("sekolah", "satuan pendidikan", "dapodik"),
        "Jumlah satuan pendidikan menurut jenjang.",
        count("jumlah_sekolah", "Jumlah Sekolah", "unit", "Satuan pendidikan formal yang aktif.", 0.05, 1.1,
              jitter=0.005),
        category=Category("jenjang_pendidikan", "Jenjang Pendidikan", (
            ("SD", 0.7, 1.1), ("SMP", 0.25, 0.45), ("SMA", 0.08, 0.15), ("SMK", 0.05, 0.1))),
    ),
    Spec(
        "jumlah-guru", "Jumlah Guru Menurut Jenjang dan Kabupaten/Kota", "dinas-pendidikan-dan-kebudayaan",
        ("pendidikan",), ("guru", "tenaga pendidik", "dapodik"),
        "Jumlah guru menurut jenjang satuan pendidikan tempat mengajar.",
        count("jumlah_guru", "Jumlah Guru", "orang", "Guru yang aktif mengajar pada semester ganjil.", 1, 11,
              direction=1, trend=0.05),
        category=Category("jenjang_pendidikan", "Jenjang Pendidikan", (
            ("SD", 7, 11), ("SMP", 3, 5), ("SMA", 1.5, 2.5), ("SMK", 1, 1.8))),
        years=(2020, 2024),
    ),
    Spec(
        "rata-rata-lama-sekolah", "Rata-rata Lama Sekolah Menurut Kabupaten/Kota", "dinas-pendidikan-dan-kebudayaan",
        ("pendidikan",), ("rls", "lama sekolah", "ipm"),
        "Rata-rata lama sekolah penduduk berumur 25 tahun ke atas.",
        Measure("rata_rata_lama_sekolah", "Rata-rata Lama Sekolah", "tahun", "rata-rata",
                "Rata-rata jumlah tahun yang dijalani penduduk 25 tahun ke atas dalam pendidikan formal.",
                5.8, 11.5, direction=1, trend=0.08, bounds=(4, 13)),
        indicator=indicator(
            "Lama sekolah menggambarkan stok modal manusia dari sisi pendidikan.",
            "Rata-rata jumlah tahun yang telah dijalani penduduk berumur 25 tahun ke atas di pendidikan formal.",
            "Semakin tinggi nilainya, semakin tinggi jenjang pendidikan yang ditamatkan penduduk.",
            "Jumlah tahun sekolah penduduk 25 tahun ke atas / jumlah penduduk 25 tahun ke atas",
            "Rata-rata", "Tahun"),
    ),
    # Dinas Kependudukan dan Pencatatan Sipil
    Spec(
        "jumlah-penduduk", "Jumlah Penduduk Menurut Jenis Kelamin dan Kabupaten/Kota",
        "dinas-kependudukan-dan-pencatatan-sipil", ("kependudukan",), ("penduduk", "dkb", "jenis kelamin"),
        "Jumlah penduduk menurut jenis kelamin berdasarkan data kependudukan bersih (DKB) semester II.",
        count("jumlah_penduduk", "Jumlah Penduduk", "jiwa",
              "Penduduk yang tercatat dalam database kependudukan pada akhir semester II.", 490, 510, jitter=0.001),
        category=sex(492, 502, 498, 508),
    ),
    Spec(
        "kepemilikan-akta-kelahiran-anak", "Persentase Kepemilikan Akta Kelahiran Anak Menurut Kabupaten/Kota",
        "dinas-kependudukan-dan-pencatatan-sipil", ("kependudukan", "perempuan-anak"),
        ("akta kelahiran", "anak", "pencatatan sipil"),
        "Persentase anak umur 0–17 tahun yang memiliki akta kelahiran.",
        pct("persentase_kepemilikan_akta", "Persentase Kepemilikan Akta Kelahiran",
            "Persentase anak umur 0–17 tahun yang telah memiliki akta kelahiran.", 70, 96, direction=1, trend=2.0,
            bounds=(50, 99.8)),
    ),
    Spec(
        "perekaman-ktp-elektronik", "Persentase Perekaman KTP Elektronik Menurut Kabupaten/Kota",
        "dinas-kependudukan-dan-pencatatan-sipil", ("kependudukan",), ("ktp-el", "ktp elektronik", "perekaman"),
        "Persentase penduduk wajib KTP yang telah melakukan perekaman KTP elektronik.",
        pct("persentase_perekaman_ktp_el", "Persentase Perekaman KTP-el",
            "Persentase penduduk wajib KTP yang sudah merekam data KTP elektronik.", 85, 98, direction=1,
            trend=0.8, bounds=(70, 99.9)),
        years=(2020, 2024),
    ),
    # DP3AP2KB
    Spec(
        "rekap-kasus-kekerasan-perempuan-anak-per-kecamatan",
        "Rekap Kasus Kekerasan terhadap Perempuan dan Anak per Kecamatan (Terbatas)", "dp3ap2kb",
        ("perempuan-anak",), ("kekerasan", "perempuan", "anak", "terbatas"),
        "Rekap kasus kekerasan yang ditangani layanan perlindungan menurut kecamatan; rinci sampai "
        "kecamatan sehingga hanya untuk perangkat daerah.",
        count("jumlah_kasus", "Jumlah Kasus", "kasus",
              "Kasus kekerasan terhadap perempuan dan anak yang dilaporkan dan ditangani.", 0.05, 0.3,
              jitter=0.3),
        years=(2022, 2024), access=Access.RESTRICTED, license=License.GOV, level=Level.DISTRICT,
    ),
    Spec(
        "jumlah-kasus-kekerasan-perempuan-anak",
        "Jumlah Kasus Kekerasan terhadap Perempuan dan Anak Menurut Jenis Korban dan Kabupaten/Kota",
        "dp3ap2kb", ("perempuan-anak",), ("kekerasan", "perempuan", "anak", "simfoni"),
        "Jumlah kasus kekerasan terhadap perempuan dan anak yang dilaporkan, menurut jenis korban.",
        count("jumlah_kasus", "Jumlah Kasus", "kasus",
              "Kasus kekerasan terhadap perempuan dan anak yang dilaporkan dan ditangani.", 0.05, 0.25,
              jitter=0.2),
        category=Category("jenis_korban", "Jenis Korban", (("Perempuan dewasa", 0.05, 0.2), ("Anak", 0.08, 0.25))),
        years=(2020, 2024),
    ),
    Spec(
        "jumlah-peserta-kb-aktif", "Jumlah Peserta KB Aktif Menurut Kabupaten/Kota", "dp3ap2kb",
        ("kependudukan", "perempuan-anak"), ("keluarga berencana", "kb", "kontrasepsi"),
        "Jumlah pasangan usia subur yang sedang menggunakan alat atau cara kontrasepsi.",
        count("jumlah_peserta_kb_aktif", "Jumlah Peserta KB Aktif", "orang",
              "Pasangan usia subur yang sedang memakai kontrasepsi pada akhir tahun.", 60, 110, direction=1),
    ),
    # Dinas Pertanian dan Ketahanan Pangan
    Spec(
        "produksi-padi", "Produksi Padi Menurut Kabupaten/Kota", "dinas-pertanian-dan-ketahanan-pangan",
        ("pertanian-pangan",), ("padi", "tanaman pangan", "produksi"),
        "Produksi padi dalam bentuk gabah kering giling (GKG).",
        count("produksi_padi", "Produksi Padi", "ton GKG",
              "Hasil panen padi sawah dan ladang dalam satuan gabah kering giling.", 40, 250, jitter=0.06,
              boost={"53.10": 1.8, "53.19": 1.6, "53.15": 1.5, "53.18": 1.3, "53.20": 0.5, "53.71": 0.03}),
        activity=survey("Survei Ubinan dan Luas Panen Padi", "Dinas Pertanian dan Ketahanan Pangan",
                        "Bidang Tanaman Pangan dan Hortikultura", analysis_unit="Plot ubinan",
                        sector="Pertanian"),
    ),
    Spec(
        "luas-panen-jagung", "Luas Panen Jagung Menurut Kabupaten/Kota", "dinas-pertanian-dan-ketahanan-pangan",
        ("pertanian-pangan",), ("jagung", "tanaman pangan", "luas panen"),
        "Luas panen jagung dalam satu tahun.",
        count("luas_panen_jagung", "Luas Panen Jagung", "hektare", "Luas tanaman jagung yang dipanen.", 10, 60,
              jitter=0.08, boost={"53.02": 1.5, "53.03": 1.4, "53.04": 1.3, "53.21": 1.3, "53.71": 0.05}),
    ),
    Spec(
        "skor-pola-pangan-harapan", "Skor Pola Pangan Harapan Menurut Kabupaten/Kota",
        "dinas-pertanian-dan-ketahanan-pangan", ("pertanian-pangan", "kesehatan"), ("pangan", "pph", "konsumsi"),
        "Skor Pola Pangan Harapan (PPH) sebagai ukuran keragaman konsumsi pangan.",
        Measure("skor_pph", "Skor PPH", "skor", "indeks",
                "Skor komposisi konsumsi pangan terhadap pola pangan harapan (maksimum 100).", 65, 90,
                direction=1, trend=0.6, decimals=1, bounds=(50, 100)),
        years=(2020, 2024),
    ),
    # Dinas Peternakan
    Spec(
        "populasi-ternak", "Populasi Ternak Menurut Jenis dan Kabupaten/Kota", "dinas-peternakan",
        ("pertanian-pangan",), ("ternak", "sapi", "babi", "peternakan"),
        "Populasi ternak besar dan kecil menurut jenis ternak pada akhir tahun.",
        count("populasi_ternak", "Populasi Ternak", "ekor", "Ternak yang dipelihara pada akhir tahun.", 5, 600,
              trend=2.0, jitter=0.02, boost={"53.71": 0.1}),
        category=Category("jenis_ternak", "Jenis Ternak", (
            ("Sapi potong", 80, 400), ("Kerbau", 10, 80), ("Kuda", 5, 60), ("Babi", 200, 600),
            ("Kambing", 60, 200))),
    ),
    # Dinas Kelautan dan Perikanan
    Spec(
        "produksi-perikanan-tangkap", "Produksi Perikanan Tangkap Menurut Kabupaten/Kota",
        "dinas-kelautan-dan-perikanan", ("kelautan-perikanan",), ("perikanan", "ikan", "perikanan tangkap"),
        "Produksi perikanan tangkap di laut dan perairan umum.",
        count("produksi_perikanan_tangkap", "Produksi Perikanan Tangkap", "ton",
              "Berat ikan dan hasil laut lain yang didaratkan nelayan.", 5, 60, jitter=0.07, trend=0.5,
              boost={"53.71": 1.5, "53.05": 1.5, "53.07": 1.4, "53.06": 1.4, "53.13": 1.3}),
    ),
    Spec(
        "produksi-rumput-laut", "Produksi Rumput Laut Budi Daya Menurut Kabupaten/Kota",
        "dinas-kelautan-dan-perikanan", ("kelautan-perikanan",), ("rumput laut", "budi daya", "perikanan"),
        "Produksi rumput laut hasil budi daya dalam berat basah.",
        count("produksi_rumput_laut", "Produksi Rumput Laut", "ton basah",
              "Berat basah rumput laut yang dipanen pembudi daya.", 20, 400, jitter=0.1,
              boost={"53.14": 4, "53.20": 3, "53.01": 2, "53.05": 1.5, "53.71": 0.2, "53.17": 0.3}),
        years=(2020, 2024),
    ),
    # Dinas PUPR
    Spec(
        "panjang-jalan-provinsi-menurut-kondisi", "Panjang Jalan Provinsi Menurut Kondisi dan Kabupaten/Kota",
        "dinas-pupr", ("infrastruktur",), ("jalan", "jalan provinsi", "kondisi jalan"),
        "Panjang ruas jalan provinsi menurut kondisi permukaan pada akhir tahun.",
        Measure("panjang_jalan", "Panjang Jalan", "km", "jumlah", "Panjang ruas jalan berstatus jalan provinsi.",
                2, 120, decimals=2, jitter=0.04),
        category=Category("kondisi_jalan", "Kondisi Jalan", (
            ("Baik", 20, 120), ("Sedang", 5, 50), ("Rusak ringan", 3, 30), ("Rusak berat", 2, 40))),
    ),
    Spec(
        "akses-air-minum-layak", "Persentase Rumah Tangga dengan Akses Air Minum Layak Menurut Kabupaten/Kota",
        "dinas-pupr", ("infrastruktur", "kesehatan"), ("air minum", "sanitasi", "rumah tangga"),
        "Persentase rumah tangga yang memiliki akses terhadap sumber air minum layak.",
        pct("persentase_akses_air_minum_layak", "Persentase Akses Air Minum Layak",
            "Persentase rumah tangga dengan sumber air minum utama yang tergolong layak.", 60, 95, direction=1,
            trend=1.2, bounds=(40, 99.5)),
        activity=survey("Survei Sosial Ekonomi Daerah", "Dinas Pekerjaan Umum dan Perumahan Rakyat",
                        "Bidang Cipta Karya"),
    ),
    Spec(
        "rekap-realisasi-anggaran-internal-pemeliharaan-jalan",
        "Rekap Realisasi Anggaran Internal Pemeliharaan Jalan Menurut Kabupaten/Kota", "dinas-pupr",
        ("infrastruktur",), ("anggaran", "pemeliharaan jalan", "internal", "tertutup"),
        "Rekap realisasi anggaran pemeliharaan jalan per ruas wilayah; dokumen kerja internal.",
        Measure("realisasi_anggaran", "Realisasi Anggaran", "juta rupiah", "nilai",
                "Realisasi belanja pemeliharaan rutin dan berkala jalan provinsi.", 800, 9000, decimals=1,
                jitter=0.1),
        years=(2022, 2024), access=Access.CLOSED, license=License.GOV,
    ),
    # Diskominfo
    Spec(
        "desa-terjangkau-sinyal-4g", "Jumlah Desa/Kelurahan Terjangkau Sinyal 4G Menurut Kabupaten/Kota",
        "dinas-komunikasi-dan-informatika", ("infrastruktur",), ("internet", "sinyal", "4g", "telekomunikasi"),
        "Jumlah desa/kelurahan yang sebagian besar wilayah permukimannya terjangkau sinyal seluler 4G.",
        count("jumlah_desa_kelurahan", "Jumlah Desa/Kelurahan", "desa/kelurahan",
              "Desa/kelurahan dengan sinyal 4G di sebagian besar permukiman.", 0.35, 0.9, per="village",
              direction=1, trend=0.05, bounds=(0.1, 1.0), jitter=0.01),
        years=(2020, 2024),
    ),
    Spec(
        "daftar-aset-perangkat-jaringan-tik-terbatas",
        "Daftar Aset Perangkat Jaringan TIK Menurut Kabupaten/Kota (Terbatas)", "dinas-komunikasi-dan-informatika",
        ("infrastruktur",), ("aset", "jaringan", "tik", "terbatas"),
        "Rekap aset perangkat jaringan intra pemerintah di kantor UPT dan mitra kabupaten/kota.",
        Measure("jumlah_perangkat", "Jumlah Perangkat", "unit", "jumlah",
                "Perangkat jaringan milik pemerintah provinsi yang terpasang.", 0, 40, decimals=0, jitter=0.05),
        category=Category("jenis_perangkat", "Jenis Perangkat",
                          (("Router", 2, 12), ("Titik akses nirkabel", 5, 40), ("Server", 0, 4))),
        years=(2022, 2024), access=Access.RESTRICTED, license=License.GOV,
    ),
    # Bapperida
    Spec(
        "indeks-pembangunan-manusia", "Indeks Pembangunan Manusia Menurut Kabupaten/Kota", "bapperida",
        ("ekonomi", "pendidikan"), ("ipm", "pembangunan manusia", "indeks"),
        "Indeks Pembangunan Manusia (IPM) kabupaten/kota.",
        Measure("ipm", "Indeks Pembangunan Manusia", "indeks", "indeks",
                "Indeks komposit capaian umur panjang dan hidup sehat, pengetahuan, dan standar hidup layak.",
                58, 79, direction=1, trend=0.5, bounds=(50, 85)),
        priority=True, corrected=True, document=True,
        indicator=indicator(
            "Pembangunan manusia adalah proses memperluas pilihan penduduk, terutama umur panjang dan sehat, "
            "berpengetahuan, serta hidup layak.",
            "Indeks komposit dari dimensi kesehatan, pendidikan, dan standar hidup layak.",
            "IPM di bawah 60 tergolong rendah, 60–70 sedang, 70–80 tinggi, dan 80 ke atas sangat tinggi.",
            "IPM = (I kesehatan × I pendidikan × I pengeluaran)^(1/3) × 100",
            "Indeks", "Indeks",
            components="Umur Harapan Hidup saat lahir; Harapan Lama Sekolah; Rata-rata Lama Sekolah; "
            "Pengeluaran per kapita disesuaikan",
            activity="Survei Sosial Ekonomi Daerah (contoh)"),
    ),
    Spec(
        "laju-pertumbuhan-ekonomi", "Laju Pertumbuhan Ekonomi Menurut Kabupaten/Kota", "bapperida",
        ("ekonomi",), ("pertumbuhan ekonomi", "pdrb", "ekonomi"),
        "Laju pertumbuhan PDRB atas dasar harga konstan.",
        pct("laju_pertumbuhan_ekonomi", "Laju Pertumbuhan Ekonomi",
            "Perubahan PDRB atas dasar harga konstan dibanding tahun sebelumnya.", 2.5, 6, jitter=0.08,
            bounds=(-5, 9), shocks={2020: -5.0, 2021: -2.5}),
    ),
    Spec(
        "pdrb-per-kapita", "PDRB per Kapita Atas Dasar Harga Berlaku Menurut Kabupaten/Kota", "bapperida",
        ("ekonomi",), ("pdrb", "pendapatan", "ekonomi"),
        "Produk domestik regional bruto atas dasar harga berlaku dibagi jumlah penduduk pertengahan tahun.",
        Measure("pdrb_per_kapita", "PDRB per Kapita ADHB", "juta rupiah", "rata-rata",
                "Nilai PDRB atas dasar harga berlaku per penduduk.", 12, 55, direction=1, trend=1.2,
                bounds=(8, 80), shocks=PDRB_DIP),
    ),
    Spec(
        "garis-kemiskinan", "Garis Kemiskinan Menurut Kabupaten/Kota", "bapperida",
        ("kemiskinan-perlindungan-sosial", "ekonomi"), ("garis kemiskinan", "pengeluaran"),
        "Garis kemiskinan kabupaten/kota dalam rupiah per kapita per bulan.",
        Measure("garis_kemiskinan", "Garis Kemiskinan", "rupiah/kapita/bulan", "nilai",
                "Nilai pengeluaran minimum kebutuhan makanan dan bukan makanan per kapita per bulan.",
                330_000, 620_000, direction=1, trend=18_000, decimals=0, jitter=0.01, bounds=(250_000, 900_000)),
        indicator=indicator(
            "Garis kemiskinan adalah batas pengeluaran yang dipakai untuk menggolongkan penduduk miskin.",
            "Penjumlahan garis kemiskinan makanan dan garis kemiskinan bukan makanan.",
            "Penduduk dengan rata-rata pengeluaran per kapita per bulan di bawah nilai ini tergolong miskin.",
            "GK = GKM + GKNM", "Nilai", "Rupiah per kapita per bulan"),
    ),
    # Dinas Pariwisata dan Ekonomi Kreatif
    Spec(
        "kunjungan-wisatawan", "Jumlah Kunjungan Wisatawan Menurut Asal dan Kabupaten/Kota",
        "dinas-pariwisata-dan-ekonomi-kreatif", ("pariwisata",), ("wisatawan", "pariwisata", "labuan bajo"),
        "Jumlah kunjungan wisatawan nusantara dan mancanegara yang tercatat di destinasi dan akomodasi.",
        count("jumlah_kunjungan", "Jumlah Kunjungan", "kunjungan",
              "Kunjungan wisatawan yang tercatat di destinasi wisata dan usaha akomodasi.", 2, 300, trend=8,
              jitter=0.05, factors={2020: 0.3, 2021: 0.45, 2022: 0.8},
              boost={"53.15": 10, "53.71": 3, "53.08": 1.6, "53.07": 1.3, "53.18": 1.2}),
        category=Category("asal_wisatawan", "Asal Wisatawan", (("Nusantara", 50, 300), ("Mancanegara", 2, 30))),
    ),
    Spec(
        "jumlah-usaha-akomodasi", "Jumlah Usaha Akomodasi Menurut Jenis dan Kabupaten/Kota",
        "dinas-pariwisata-dan-ekonomi-kreatif", ("pariwisata",), ("hotel", "akomodasi", "penginapan"),
        "Jumlah usaha akomodasi yang beroperasi menurut jenis.",
        count("jumlah_usaha_akomodasi", "Jumlah Usaha Akomodasi", "usaha",
              "Hotel dan penginapan yang beroperasi pada akhir tahun.", 0.0, 0.3, trend=0.005, jitter=0.02,
              boost={"53.15": 6, "53.71": 3, "53.08": 1.4}),
        category=Category("jenis_akomodasi", "Jenis Akomodasi",
                          (("Hotel berbintang", 0.0, 0.02), ("Hotel nonbintang dan penginapan", 0.05, 0.3))),
        years=(2020, 2024),
    ),
    # BPBD
    Spec(
        "kejadian-bencana", "Jumlah Kejadian Bencana Menurut Jenis dan Kabupaten/Kota", "bpbd",
        ("kebencanaan",), ("bencana", "banjir", "longsor", "kekeringan"),
        "Jumlah kejadian bencana alam yang dilaporkan menurut jenis bencana.",
        Measure("jumlah_kejadian", "Jumlah Kejadian", "kejadian", "jumlah",
                "Kejadian bencana alam yang dilaporkan dan diverifikasi BPBD.", 0, 6, decimals=0, jitter=0.35,
                bounds=(0, 20)),
        category=Category("jenis_bencana", "Jenis Bencana", (
            ("Banjir", 0, 6), ("Tanah longsor", 0, 5), ("Kekeringan", 0, 3), ("Cuaca ekstrem", 0, 6),
            ("Gempa bumi", 0, 2))),
        frequency=UpdateFrequency.IRREGULAR,
    ),
    # Dinas Ketenagakerjaan dan Transmigrasi
    Spec(
        "tingkat-pengangguran-terbuka", "Tingkat Pengangguran Terbuka Menurut Kabupaten/Kota",
        "dinas-ketenagakerjaan-dan-transmigrasi", ("ketenagakerjaan",), ("pengangguran", "tpt", "angkatan kerja"),
        "Tingkat pengangguran terbuka (TPT) penduduk berumur 15 tahun ke atas.",
        pct("tingkat_pengangguran_terbuka", "Tingkat Pengangguran Terbuka",
            "Persentase pengangguran terhadap angkatan kerja.", 1.2, 9, direction=1, trend=-0.1,
            bounds=(0.5, 12), shocks={2020: 1.0, 2021: 0.6}),
        priority=True, document=True,
        indicator=indicator(
            "Pengangguran terbuka menunjukkan angkatan kerja yang tidak terserap pasar kerja.",
            "Persentase jumlah pengangguran terhadap jumlah angkatan kerja.",
            "Semakin tinggi TPT, semakin banyak angkatan kerja yang tidak terserap pasar kerja.",
            "(Jumlah pengangguran / jumlah angkatan kerja) × 100",
            "Persentase", "Persen", activity="Survei Angkatan Kerja Daerah (contoh)"),
        activity=survey("Survei Angkatan Kerja Daerah", "Dinas Ketenagakerjaan dan Transmigrasi",
                        "Bidang Penempatan dan Perluasan Kesempatan Kerja", analysis_unit="Individu",
                        sector="Ketenagakerjaan"),
    ),
    Spec(
        "pencari-kerja-terdaftar", "Jumlah Pencari Kerja Terdaftar Menurut Jenis Kelamin dan Kabupaten/Kota",
        "dinas-ketenagakerjaan-dan-transmigrasi", ("ketenagakerjaan",), ("pencari kerja", "ak-1", "lowongan"),
        "Jumlah pencari kerja yang mendaftar (kartu AK/I) di dinas tenaga kerja kabupaten/kota.",
        count("jumlah_pencari_kerja", "Jumlah Pencari Kerja", "orang", "Pencari kerja terdaftar dalam setahun.",
              2, 9, direction=1, jitter=0.08),
        category=sex(2, 8, 2, 9), years=(2020, 2024),
    ),
    # Dinas Lingkungan Hidup dan Kehutanan
    Spec(
        "timbulan-sampah-harian", "Timbulan Sampah Harian Menurut Kabupaten/Kota",
        "dinas-lingkungan-hidup-dan-kehutanan", ("lingkungan-hidup",), ("sampah", "persampahan", "sipsn"),
        "Perkiraan timbulan sampah rumah tangga dan sejenis per hari.",
        count("timbulan_sampah", "Timbulan Sampah", "ton/hari", "Berat sampah yang dihasilkan per hari.", 0.4, 0.75,
              direction=1, decimals=1, jitter=0.02),
        years=(2020, 2024),
    ),
    Spec(
        "luas-lahan-kritis", "Luas Lahan Kritis Menurut Kabupaten/Kota", "dinas-lingkungan-hidup-dan-kehutanan",
        ("lingkungan-hidup",), ("lahan kritis", "kehutanan", "rehabilitasi lahan"),
        "Luas lahan kritis dan sangat kritis di dalam dan di luar kawasan hutan.",
        Measure("luas_lahan_kritis", "Luas Lahan Kritis", "hektare", "jumlah",
                "Lahan yang fungsinya sebagai media produksi dan tata air telah menurun.", 5_000, 120_000,
                trend=-800, decimals=0, jitter=0.01, bounds=(1_000, 150_000), boost={"53.71": 0.05}),
    ),
]  # fmt: skip


# --- building the files


@dataclass
class Place:
    """One row label of a table: a kab/kota, or a kecamatan inside one."""

    regency: Region
    district: Region | None
    size_k: float  # residents (thousands)
    villages: int


def places(spec, regencies, districts, villages, rng):
    if spec.level != Level.DISTRICT:
        return [Place(r, None, POPULATION_K[r.code], villages[r.code]) for r in regencies]
    result = []
    by_regency = {r.code: r for r in regencies}
    per_regency = Counter(d.parent_id for d in districts)
    for d in districts:
        share = POPULATION_K[d.parent_id] / per_regency[d.parent_id]
        result.append(Place(by_regency[d.parent_id], d, share * rng.uniform(0.5, 1.5), 0))
    return result


def series(spec, place, lo, hi, rng):
    """Synthetic values of one row label over the dataset's years."""
    m = spec.value
    score = SCORE[place.regency.code]
    position = score if m.direction > 0 else 1 - score if m.direction < 0 else rng.random()
    if m.direction:
        position = min(1.0, max(0.0, position + rng.uniform(-0.15, 0.15)))
    base = lo + position * (hi - lo)
    low, high = m.bounds or (lo, hi)
    start = spec.years[0]
    values = []
    for year in range(spec.years[0], spec.years[1] + 1):
        rate = (
            base
            + m.trend * (year - start)
            + m.shocks.get(year, 0)
            + rng.gauss(0, m.jitter * (hi - lo))
        )
        rate = min(high, max(low, rate))
        if m.per == "population":
            value = rate * place.size_k * (1 + POPULATION_GROWTH) ** (year - 2019)
        elif m.per == "village":
            value = rate * place.villages
        else:
            value = rate
        value *= m.boost.get(place.regency.code, 1) * m.factors.get(year, 1)
        values.append((year, value))
    return values


def fmt(value, decimals):
    return str(round(value)) if decimals == 0 else f"{value:.{decimals}f}"


def table(spec, province, regencies, districts, villages):
    """(CSV bytes, Table Schema, rows) of a dataset, from its fixed seed."""
    rng = random.Random(f"satudata-demo:{spec.slug}")  # nosec B311  # synthetic demo data, not for secrets
    m = spec.value
    header = ["kode_provinsi", "nama_provinsi", "kode_kabupaten_kota", "nama_kabupaten_kota"]
    if spec.level == Level.DISTRICT:
        header += ["kode_kecamatan", "nama_kecamatan"]
    if spec.category:
        header.append(spec.category.column)
    header += [m.column, "satuan", "tahun"]
    groups = spec.category.values if spec.category else ((None, m.lo, m.hi),)
    rows = []
    for place in places(spec, regencies, districts, villages, rng):
        label = [province.code, province.name, place.regency.code, place.regency.name]
        if place.district:
            label += [place.district.code, place.district.name]
        for name, lo, hi in groups:
            cells = label + ([name] if spec.category else [])
            for year, value in series(
                spec, place, m.lo if lo is None else lo, m.hi if hi is None else hi, rng
            ):
                rows.append([*cells, fmt(value, m.decimals), m.unit, str(year)])
    return rows, header, schema(spec, header)


def to_csv(header, rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def with_typos(spec, header, rows):
    """The first, uncorrected version: two cells typed with a wrong digit (10% too high)."""
    rng = random.Random(f"satudata-demo:{spec.slug}:typo")  # nosec B311  # synthetic demo data, not for secrets
    column = header.index(spec.value.column)
    rows = [list(r) for r in rows]
    for row in rng.sample(rows, 2):
        row[column] = fmt(float(row[column]) * 1.1, spec.value.decimals)
    return rows


FIELD_INFO = {
    "kode_provinsi": ("Kode Provinsi", "Kode wilayah provinsi menurut Kemendagri."),
    "nama_provinsi": ("Nama Provinsi", "Nama provinsi."),
    "kode_kabupaten_kota": ("Kode Kabupaten/Kota", "Kode wilayah kabupaten/kota menurut Kemendagri (teks, "
                            "misalnya 53.71)."),
    "nama_kabupaten_kota": ("Nama Kabupaten/Kota", "Nama kabupaten/kota."),
    "kode_kecamatan": ("Kode Kecamatan", "Kode wilayah kecamatan menurut Kemendagri (teks, misalnya 53.71.01)."),
    "nama_kecamatan": ("Nama Kecamatan", "Nama kecamatan."),
    "satuan": ("Satuan", "Satuan nilai pada baris ini."),
    "tahun": ("Tahun", "Tahun data."),
}  # fmt: skip


def schema(spec, header):
    m = spec.value
    fields = []
    for name in header:
        if name == m.column:
            fields.append(
                {
                    "name": name,
                    "title": m.title,
                    "type": "integer" if m.decimals == 0 else "number",
                    "description": f"{m.definition} {NOTE}",
                    "definition": m.definition,
                    "unit": m.unit,
                    "measure": m.measure,
                }
            )
        elif spec.category and name == spec.category.column:
            fields.append(
                {
                    "name": name,
                    "title": spec.category.title,
                    "type": "string",
                    "description": f"Rincian menurut {spec.category.title.lower()}.",
                    "classification": "; ".join(v[0] for v in spec.category.values),
                }
            )
        else:
            title, description = FIELD_INFO[name]
            fields.append(
                {
                    "name": name,
                    "title": title,
                    "type": "year" if name == "tahun" else "string",
                    "description": description,
                }
            )
    return {"fields": fields}


def pdf(lines):
    """A one-page PDF with `lines` of Helvetica text, built by hand (no PDF library needed)."""

    def escape(text):
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    text = (
        "BT /F1 10 Tf 14 TL 56 790 Td "
        + " ".join(f"({escape(line)}) Tj T*" for line in lines)
        + " ET"
    )
    stream = text.encode("cp1252", errors="replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >>"
        b" /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def metadata_pdf(spec, org):
    lines = [
        f"Metadata Kegiatan: {spec.title}",
        "DATA CONTOH (SINTETIS) - BUKAN STATISTIK RESMI",
        "",
        f"Perangkat daerah: {org.name} Provinsi Nusa Tenggara Timur",
        f"Cakupan waktu: {spec.years[0]}-{spec.years[1]}",
        "",
    ]
    for block, labels in ((spec.activity, MS_KEG_FIELDS), (spec.indicator, MS_IND_FIELDS)):
        for key, label in labels.items():
            if block.get(key):
                lines.extend(wrap(f"{label}: {block[key]}", 95))
        lines.append("")
    lines.append(NOTE)
    return pdf(lines[:52])


def wrap(text, width):
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = "   " + word
        else:
            line = f"{line} {word}" if line else word
    return lines + [line]


# --- accounts file


def accounts_path():
    return Path(settings.VAR_DIR) / ACCOUNTS_FILE


def read_passwords():
    path = accounts_path()
    if not path.exists():
        return {}
    passwords = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#") and "\t" in line:
            username, password = line.split("\t", 1)
            passwords[username.strip()] = password.strip()
    return passwords


def write_passwords(passwords):
    path = accounts_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "# Akun contoh Satu Data (nama pengguna<TAB>kata sandi). Hanya untuk demo; jangan dipakai di produksi.\n"
    body += "".join(f"{u}\t{p}\n" for u, p in passwords.items())
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(body)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


# --- loading


@dataclass
class Result:
    created: Counter = field(default_factory=Counter)
    totals: dict = field(default_factory=dict)
    # (Account, Organization or None, password or None) per demo account
    accounts: list = field(default_factory=list)
    passwords: dict | None = None  # the accounts file to write after commit, when it changed
    regions_loaded: int = 0

    @property
    def changed(self):
        return bool(sum(self.created.values()))


def ensure_regions():
    """Load the bundled kode wilayah when the table is empty; returns how many were loaded."""
    loaded = 0
    if not Region.objects.exists():
        loaded = sum(load_regions(bundled_codes()).values())
    province = Region.objects.filter(code=PROVINCE).first()
    regencies = list(Region.objects.regencies_of(PROVINCE))
    missing = sorted(set(POPULATION_K) - {r.code for r in regencies})
    if province is None or missing:
        raise DemoError(
            "Referensi wilayah tidak memuat Provinsi Nusa Tenggara Timur (53) beserta 22 kabupaten/kotanya"
            f"{' (tidak ada: ' + ', '.join(missing) + ')' if missing else ''}. Jalankan `satudata load-regions`."
        )
    return loaded, province, [r for r in regencies if r.code in POPULATION_K]


def load_demo(*, password=None):
    """Create whatever of the NTT demo is missing; returns what was created and the account table."""
    result = Result()
    result.regions_loaded, province, regencies = ensure_regions()
    with transaction.atomic():
        orgs = ensure_organizations(province, result)
        topics = ensure_topics(result)
        users = ensure_accounts(orgs, password, result)
        ensure_datasets(province, regencies, orgs, topics, users, result)
        sign_missing()  # signed manifests of the demo's versions, once their dates are final
    if result.passwords is not None:
        write_passwords(result.passwords)
    demo = Dataset.objects.filter(is_demo=True)
    result.totals = {
        "organizations": Organization.objects.filter(
            slug__in=[o.slug for o in ORGANIZATIONS]
        ).count(),
        "topics": Topic.objects.filter(slug__in=[t[0] for t in TOPICS]).count(),
        "datasets": demo.count(),
        "published": demo.filter(state=State.PUBLISHED).count(),
        "drafts": demo.filter(state=State.DRAFT).count(),
        "restricted": demo.filter(access=Access.RESTRICTED).count(),
        "closed": demo.filter(access=Access.CLOSED).count(),
        "priority": demo.filter(is_priority=True).count(),
        "versions": ResourceVersion.objects.filter(resource__dataset__is_demo=True).count(),
        "accounts": len(users),
    }
    return result


def ensure_organizations(province, result):
    orgs = {}
    for spec in ORGANIZATIONS:
        org, created = Organization.objects.get_or_create(
            slug=spec.slug,
            defaults={
                "name": spec.name,
                "short_name": spec.short_name,
                "kind": spec.kind,
                "region": province,
                "description": spec.description,
            },
        )
        result.created["organizations"] += created
        orgs[spec.slug] = org
    return orgs


def ensure_topics(result):
    topics = {}
    for position, (slug, name, description) in enumerate(TOPICS):
        topic, created = Topic.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description, "position": position}
        )
        result.created["topics"] += created
        topics[slug] = topic
    return topics


def ensure_accounts(orgs, password, result):
    """Demo users and their memberships; passwords are kept in var/ so `make run` can show them."""
    known = read_passwords()
    users = {}
    for spec in ACCOUNTS:
        user = User.objects.filter(username=spec.username).first()
        secret = known.get(spec.username)
        if user is None:
            secret = password or secret or secrets.token_urlsafe(9)
            user = User(
                username=spec.username,
                full_name=spec.full_name,
                email=f"{spec.username}@example.org",
                is_staff=spec.role == Role.ADMIN,
            )
            user.set_password(secret)
            user.save()
            result.created["accounts"] += 1
        elif password and not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
            secret = password
            result.created["passwords"] += 1
        elif password:
            secret = password
        org = orgs[spec.organization] if spec.organization else None
        _, created = Membership.objects.get_or_create(user=user, role=spec.role, organization=org)
        result.created["memberships"] += created
        users[spec.username] = user
        result.accounts.append((spec, org, secret))
    passwords = {
        **known,
        **{spec.username: secret for spec, _, secret in result.accounts if secret},
    }
    if passwords != known:
        result.passwords = passwords
    return users


def ensure_datasets(province, regencies, orgs, topics, users, result):
    existing = set(
        Dataset.objects.filter(slug__in=[s.slug for s in SPECS]).values_list("slug", flat=True)
    )
    todo = [(i, s) for i, s in enumerate(SPECS) if s.slug not in existing]
    if not todo:
        return
    regency_codes = {r.code for r in regencies}
    districts = list(
        Region.objects.filter(parent_id__in=regency_codes, level=Level.DISTRICT).order_by("code")
    )
    villages = Counter(
        code[:5]
        for code in Region.objects.filter(
            code__startswith=f"{PROVINCE}.", level=Level.VILLAGE
        ).values_list("code", flat=True)
    )
    tags = {}
    now = timezone.now()
    for index, spec in todo:
        org = orgs[spec.org]
        # Spread publication over the last ten months so "terbaru" has an order.
        published_at = now - timedelta(days=3 + (index * 41) % 300, hours=(index * 7) % 24)
        if spec.state != State.PUBLISHED:
            published_at = None
        dataset = create_dataset(spec, org, province, topics, tags, published_at)
        uploaded = (published_at or now - timedelta(days=3)) - timedelta(days=2)
        stamps = add_files(
            spec,
            dataset,
            users[UPLOADERS.get(spec.org, DEFAULT_UPLOADER)],
            table(spec, province, regencies, districts, villages),
            uploaded,
            # A correction comes after publication, halfway to today.
            corrected_at=(published_at or uploaded) + (now - (published_at or uploaded)) / 2,
        )
        refresh_search_document(dataset)
        # Give the history plausible dates: only the timestamps of versions made just now are
        # set, once; their content stays immutable.
        for version, stamp in stamps:
            ResourceVersion.objects.filter(pk=version.pk).update(
                created_at=stamp, published_at=max(stamp, published_at) if published_at else None
            )
        Resource.objects.filter(dataset=dataset).update(created_at=uploaded)
        Dataset.objects.filter(pk=dataset.pk).update(
            created_at=uploaded - timedelta(days=7), modified_at=max(stamp for _, stamp in stamps)
        )
        result.created["datasets"] += 1
        result.created["versions"] += len(stamps)


def create_dataset(spec, org, province, topics, tags, published_at):
    dataset = Dataset.objects.create(
        slug=spec.slug,
        title=spec.title,
        description=f"{spec.about}\n\n{NOTE}",
        organization=org,
        license=spec.license,
        update_frequency=spec.frequency,
        temporal_start=spec.years[0],
        temporal_end=spec.years[1],
        spatial_coverage=province,
        spatial_level=spec.level,
        access=spec.access,
        is_priority=spec.priority,
        contact_name=f"Tim Data {org.short_name} (contoh)",
        contact_email=f"data.{org.slug}@example.org",
        source=SOURCE,
        unit=spec.value.unit,
        measure=spec.value.measure,
        activity_metadata=spec.activity,
        indicator_metadata=spec.indicator,
        state=spec.state,
        is_demo=True,
        published_at=published_at,
    )
    dataset.topics.set([topics[t] for t in spec.topics])
    for name in spec.tags:
        if name not in tags:
            tags[name], _ = Tag.objects.get_or_create(name=name)
    dataset.tags.set([tags[name] for name in spec.tags])
    return dataset


def add_files(spec, dataset, actor, table_data, uploaded, *, corrected_at):
    """The table (two versions when `spec.corrected`) and the optional PDF; returns (version, date)."""
    rows, header, table_schema = table_data
    breakdown = f", {spec.category.title.lower()}" if spec.category else ""
    resource = Resource.objects.create(
        dataset=dataset,
        name=spec.title,
        kind=ResourceKind.TABLE,
        description=f"Tabel format panjang: satu baris per wilayah{breakdown} dan tahun."
        + (
            " Versi 2 memperbaiki dua nilai yang salah ketik pada versi 1."
            if spec.corrected
            else ""
        ),
    )
    name = f"{spec.slug}.csv"
    stamps = []
    # The demo's own column contract (titles, definitions, units) applies to its uploads.
    Resource.objects.filter(pk=resource.pk).update(schema=table_schema)
    resource.schema = table_schema

    def ingest(data):
        # Demo tables go through the same pipeline as a Produsen's upload: validated,
        # scanned for personal data, stored as Parquet with CSV/XLSX/JSON downloads.
        run = ingest_now(resource, data, name, actor=actor)
        if run.version is None:
            problems = "; ".join(p.message for p in run.problems.all()[:5])
            raise DemoError(f"tabel contoh {spec.slug} tidak lolos pemeriksaan: {problems}")
        return run.version

    if spec.corrected:
        stamps.append((ingest(to_csv(header, with_typos(spec, header, rows))), uploaded))
    stamps.append((ingest(to_csv(header, rows)), corrected_at if spec.corrected else uploaded))
    if spec.document:
        document = Resource.objects.create(
            dataset=dataset,
            name="Metadata kegiatan (PDF)",
            kind=ResourceKind.DOCUMENT,
            position=1,
            description="Ringkasan metadata kegiatan dan indikator dataset ini.",
        )
        pdf_bytes = metadata_pdf(spec, dataset.organization)
        stamps.append(
            (add_version(document, pdf_bytes, f"metadata-{spec.slug}.pdf", actor=actor), uploaded)
        )
    return stamps
