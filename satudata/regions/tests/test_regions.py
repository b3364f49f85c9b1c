from django.core.management import call_command

from satudata.regions.constants import Level
from satudata.regions.models import Region

NTT_CHECKS = [
    ("53", "Nusa Tenggara Timur", "53"),
    ("53.01", "Kabupaten Kupang", "5303"),
    ("53.10", "Kabupaten Manggarai", "5313"),
    ("53.12", "Kabupaten Sumba Barat", "5301"),
    ("53.20", "Kabupaten Sabu Raijua", "5320"),
    ("53.71", "Kota Kupang", "5371"),
]


def test_it_loads_every_kemendagri_code_with_bps_codes_for_ntt(db):
    # One test for the whole load: loading 91,599 rows once per database is enough.
    call_command("load_regions", stdout=open("/dev/null", "w"))
    counts = {level: Region.objects.filter(level=level).count() for level in Level.values}
    assert counts == {1: 38, 2: 514, 3: 7285, 4: 83762}
    assert Region.objects.count() == 91_599
    for code, name, bps in NTT_CHECKS:
        region = Region.objects.get(code=code)
        assert (region.name, region.bps_code) == (name, bps)
    regencies = Region.objects.regencies_of("53")
    assert regencies.count() == 22
    assert all(r.bps_code for r in regencies)
    alak = Region.objects.get(code="53.71.01")
    assert (alak.name, alak.parent.code) == ("Alak", "53.71")
    assert Region.objects.filter(code__startswith="53.", level=Level.DISTRICT).count() == 315
    assert Region.objects.get(code="53.71.01.1001").level == Level.VILLAGE
    assert Region.objects.get(code="32.76").name == "Kota Depok"


def test_it_reloads_from_a_csv(db, tmp_path):
    path = tmp_path / "kode.csv"
    path.write_text(
        "kode,nama\n53,Nusa Tenggara Timur\n53.71,Kota Kupang\n53.71.01,Alak\n", encoding="utf-8"
    )
    call_command("load_regions", csv=str(path), stdout=open("/dev/null", "w"))
    assert list(Region.objects.values_list("code", "bps_code")) == [
        ("53", "53"),
        ("53.71", "5371"),
        ("53.71.01", ""),
    ]
