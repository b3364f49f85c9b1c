from django.db import models
from django.utils.translation import gettext_lazy as _


class Access(models.TextChoices):
    OPEN = "open", _("Terbuka")
    RESTRICTED = "restricted", _("Terbatas")
    CLOSED = "closed", _("Tertutup")


class State(models.TextChoices):
    DRAFT = "draft", _("Draf")
    PUBLISHED = "published", _("Terbit")
    WITHDRAWN = "withdrawn", _("Ditarik")


class UpdateFrequency(models.TextChoices):
    YEARLY = "tahunan", _("Tahunan")
    SEMIANNUAL = "semesteran", _("Semesteran")
    QUARTERLY = "triwulanan", _("Triwulanan")
    MONTHLY = "bulanan", _("Bulanan")
    IRREGULAR = "tidak_tentu", _("Tidak tentu")


class License(models.TextChoices):
    CC_BY_4 = "CC-BY-4.0", _("Creative Commons Atribusi 4.0")
    CC0 = "CC0-1.0", _("CC0 1.0 (domain publik)")
    ODBL = "ODbL-1.0", _("Open Data Commons ODbL 1.0")
    GOV = "other-closed", _("Lisensi terbatas pemerintah daerah")


class ResourceKind(models.TextChoices):
    TABLE = "table", _("Tabel")
    DOCUMENT = "document", _("Dokumen")


# File formats we recognise by extension, with their media type.
FORMATS = {
    "csv": ("CSV", "text/csv"),
    "xlsx": ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "xls": ("XLS", "application/vnd.ms-excel"),
    "ods": ("ODS", "application/vnd.oasis.opendocument.spreadsheet"),
    "pdf": ("PDF", "application/pdf"),
    "json": ("JSON", "application/json"),
    "geojson": ("GeoJSON", "application/geo+json"),
}

# The keys of the BPS MS-Var block kept per column in a version's Table Schema field.
MS_VAR_FIELDS = {
    "definition": _("Definisi"),
    "concept": _("Konsep"),
    "unit": _("Satuan"),
    "measure": _("Ukuran"),
    "classification": _("Klasifikasi isian"),
    "time_reference": _("Referensi waktu"),
}

# MS-Ind (17 columns, Perban BPS 5/2020) keys kept in Dataset.indicator_metadata.
MS_IND_FIELDS = {
    "concept": _("Konsep"),
    "definition": _("Definisi"),
    "interpretation": _("Interpretasi"),
    "formula": _("Metode/rumus perhitungan"),
    "measure": _("Ukuran"),
    "unit": _("Satuan"),
    "presentation": _("Klasifikasi penyajian"),
    "is_composite": _("Indikator komposit"),
    "component_publication": _("Publikasi ketersediaan indikator pembangun"),
    "components": _("Nama indikator pembangun"),
    "component_activity": _("Kegiatan penghasil variabel pembangun"),
    "activity_code": _("Kode kegiatan"),
    "component_variables": _("Nama variabel pembangun"),
    "estimation_level": _("Level estimasi"),
    "is_public": _("Dapat diakses umum"),
}

# MS-Keg (the producing statistical activity) keys kept in Dataset.activity_metadata.
MS_KEG_FIELDS = {
    "title": _("Judul kegiatan"),
    "year": _("Tahun"),
    "activity_code": _("Kode kegiatan"),
    "statistic_type": _("Jenis statistik"),
    "collection_method": _("Cara pengumpulan data"),
    "sector": _("Sektor kegiatan"),
    "organiser": _("Instansi penyelenggara"),
    "responsible_unit": _("Unit penanggung jawab"),
    "background": _("Latar belakang"),
    "objective": _("Tujuan kegiatan"),
    "frequency": _("Frekuensi penyelenggaraan"),
    "coverage": _("Cakupan wilayah pengumpulan data"),
    "analysis_unit": _("Unit analisis"),
    "presentation_level": _("Tingkat penyajian hasil"),
}
