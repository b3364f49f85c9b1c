"""Schema inference, merging with the contract, and checking an edited schema."""

import itertools

import pytest

from satudata.ingest import schema
from satudata.ingest.reference import RegionReference
from satudata.ingest.schema import (
    SchemaError,
    check_schema,
    infer_schema,
    merge_schema,
    schema_from_form,
)
from satudata.regions.constants import BPS_CODES

from .sheets_helper import make_sheet
from .test_validate import ntt_regions

REGIONS = ntt_regions()
KAB = ["53.01", "53.07", "53.10", "53.20", "53.71"]
NAMES = ["Kabupaten Kupang", "Kab. Sikka", "Manggarai", "Kabupaten Sabu Raijua", "Kota Kupang"]


def infer(tmp_path, header, rows, regions=REGIONS, **kwargs):
    return infer_schema(make_sheet(tmp_path, header, rows), regions, **kwargs)


def fields_of(result):
    return {f["name"]: f for f in result["fields"]}


def column(tmp_path, header, values, regions=REGIONS):
    return fields_of(infer(tmp_path, [header], [[v] for v in values], regions))[header]


# Column tables: every case is one column of a single sheet inferred once (see `inferred`).
REGION_CASES = [
    ("kode_wilayah", ("53.10", "53.01", "53.71"), 2, r"^53\.\d{2}$"),
    ("kode_kab", ("53.10", "53.20"), 2, r"^53\.\d{2}$"),
    ("Kode Kabupaten/Kota", ("53.10", "53.20", "53.71"), 2, r"^53\.\d{2}$"),
    ("kode_prov", ("53",), 1, r"^\d{2}$"),
    ("kode_kec", ("53.71.01",), 3, r"^53\.\d{2}\.\d{2}$"),
    ("kode_desa", ("53.71.01.1001",), 4, r"^53\.\d{2}\.\d{2}\.\d{4}$"),
    ("lokasi", ("53.10", "53.01", "53.71", "53.20"), 2, r"^53\.\d{2}$"),
    ("kode_wilayah", ("53.10", "33.74"), 2, r"^\d{2}\.\d{2}$"),
]
PERIOD_CASES = [
    ("tahun", ("2021", "2022", "2023"), "year", "tahun"),
    ("periode", ("2024-S1", "2024-S2", "2023-S1"), "string", "semester"),
    ("periode", ("Semester I 2024", "Semester II 2024"), "string", "semester"),
    ("semester", ("I", "II"), "string", "semester"),
    ("semester", ("1", "2"), "integer", "semester"),
    ("periode", ("2024-Q1", "2024-Q4"), "string", "triwulan"),
    ("waktu", ("Triwulan I 2024", "Triwulan III 2024", "TW 2 2023"), "string", "triwulan"),
    ("bulan", ("2024-03", "2024-12"), "yearmonth", "bulan"),
    ("periode", ("Maret 2024", "Agustus 2024", "Des 2023"), "string", "bulan"),
    ("bulan", ("Januari", "Februari"), "string", "bulan"),
]
LOOK_ALIKE_CASES = [
    ("pendidikan", ("S1", "S2", "S3", "SMA")),
    ("jumlah", ("2021", "2022")),
    ("kode_pos", ("85111", "85112")),
]
MEASURE_CASES = [
    ("jumlah_penduduk (jiwa)", ("1200", "950"), "integer", "jiwa"),
    ("Persentase Penduduk Miskin (%)", ("12.5", "9.75"), "number", "persen"),
    ("persen_stunting", ("12,5", "9,75"), "number", "persen"),
    ("anggaran (juta rupiah)", ("1200", "950.5"), "number", "juta rupiah"),
    ("pendapatan", ("Rp 1.000", "Rp 2.500", "Rp 12.500,-"), "integer", "rupiah"),
    ("luas (km2)", ("12.5", "3"), "number", "km²"),
    ("jarak", ("5 km", "12 km"), "integer", "km"),
    ("produksi", ("1.234.567", "23.456", "999"), "integer", ""),
    ("nilai", ("1,234,567", "2,345.5", "3"), "number", ""),
]
TYPE_CASES = [
    ("isian", ("007", "012", "100"), "string"),
    ("isian", ("5371011505900001", "5371011505900002"), "string"),
    ("isian", ("ya", "tidak", "Ya"), "boolean"),
    ("isian", ("2024-03-01", "2024-12-31"), "date"),
    ("isian", ("31/12/2024", "01/02/2024"), "date"),
    ("isian", ("1", "2", "x") * 10, "string"),
    ("isian", ("1", "2", "3"), "integer"),
    ("isian", ("1.5", "2", "-3"), "number"),
]


@pytest.fixture(scope="module")
def inferred(tmp_path_factory):
    """All column tables as one 60-row sheet: one inference instead of one per case."""
    cases = REGION_CASES + PERIOD_CASES + LOOK_ALIKE_CASES + MEASURE_CASES + TYPE_CASES
    rows = [[case[1][i % len(case[1])] for case in cases] for i in range(60)]
    fields = infer(tmp_path_factory.mktemp("wide"), [case[0] for case in cases], rows)["fields"]
    return dict(zip(cases, fields, strict=True))


@pytest.mark.parametrize("case", REGION_CASES, ids=[c[0] for c in REGION_CASES])
def test_region_codes_stay_text_with_a_pattern(inferred, case):
    field, (_header, _values, level, pattern) = inferred[case], case
    assert field["type"] == "string"
    assert field["satudata:role"] == "region_code" and field["satudata:code_system"] == "kemendagri"
    assert field.get("satudata:level") == level
    assert field["constraints"]["pattern"] == pattern and field["constraints"]["required"] is True


def test_a_region_code_column_is_text_even_when_it_looks_numeric(tmp_path):
    field = column(tmp_path, "kode_wilayah", ["53.10", "53.20", "53.1"])
    assert field["type"] == "string" and field["satudata:role"] == "region_code"


def test_bps_codes_are_recognised(tmp_path):
    field = column(tmp_path, "kode_bps", [BPS_CODES[c] for c in KAB])
    assert (field["type"], field["satudata:code_system"], field.get("satudata:level")) == (
        "string",
        "bps",
        2,
    )
    assert field["constraints"]["pattern"] == r"^\d{4}$"


def test_region_names_point_to_their_code_column(tmp_path):
    result = infer(
        tmp_path,
        ["kode_wilayah", "nama_wilayah", "jumlah"],
        [[c, n, "1"] for c, n in zip(KAB, NAMES, strict=True)],
    )
    field = fields_of(result)["nama_wilayah"]
    assert (
        field["satudata:role"] == "region_name" and field["satudata:code_field"] == "kode_wilayah"
    )


def test_region_names_are_found_by_their_values(tmp_path):
    assert column(tmp_path, "lokasi", NAMES)["satudata:role"] == "region_name"


@pytest.mark.parametrize("case", PERIOD_CASES, ids=[c[0] for c in PERIOD_CASES])
def test_periods_are_detected(inferred, case):
    field, (_header, _values, kind, period) = inferred[case], case
    assert (field["type"], field["satudata:role"], field["satudata:period"]) == (
        kind,
        "period",
        period,
    )


@pytest.mark.parametrize("case", LOOK_ALIKE_CASES, ids=[c[0] for c in LOOK_ALIKE_CASES])
def test_look_alikes_are_not_periods(inferred, case):
    assert "satudata:period" not in inferred[case]


@pytest.mark.parametrize("case", MEASURE_CASES, ids=[c[0] for c in MEASURE_CASES])
def test_measures_get_types_and_units(inferred, case):
    field, (_header, _values, kind, unit) = inferred[case], case
    assert (field["type"], field["satudata:role"], field.get("unit", "")) == (kind, "measure", unit)


def test_percentages_get_bounds_only_when_obvious(tmp_path):
    assert column(tmp_path, "persentase (%)", ["12.5", "100"])["constraints"] == {
        "required": False,
        "minimum": 0,
        "maximum": 100,
    }
    assert "maximum" not in column(tmp_path, "laju pertumbuhan (%)", ["-1.5", "3"])["constraints"]
    assert "maximum" not in column(tmp_path, "rasio (%)", ["120", "80"])["constraints"]


@pytest.mark.parametrize("case", TYPE_CASES, ids=[c[1][0] for c in TYPE_CASES])
def test_types(inferred, case):
    assert inferred[case]["type"] == case[2]


def test_a_day_first_date_gets_its_format(tmp_path):
    assert column(tmp_path, "tanggal", ["31/12/2024", "01/02/2024"])["format"] == "%d/%m/%Y"


def test_enums_for_low_cardinality_text_with_enough_rows(tmp_path):
    rows = [[v] for v in ["Laki-laki", "Perempuan"] * 30]
    assert column(tmp_path, "jenis_kelamin", [r[0] for r in rows])["constraints"]["enum"] == [
        "Laki-laki",
        "Perempuan",
    ]
    assert (
        "enum"
        not in column(tmp_path, "jenis_kelamin", ["Laki-laki", "Perempuan"] * 10)["constraints"]
    )
    many = [f"kategori {i}" for i in range(31)] * 3
    assert "enum" not in column(tmp_path, "kategori", many)["constraints"]


def test_the_primary_key_is_region_and_period(tmp_path):
    rows = [
        [c, str(y), "L" if i % 2 else "P", "5"]
        for i, (c, y) in enumerate(itertools.product(KAB, range(2020, 2024)))
    ]
    result = infer(tmp_path, ["kode_wilayah", "tahun", "jk", "nilai"], rows)
    assert result["primaryKey"] == ["kode_wilayah", "tahun"]
    rows = [
        [c, str(y), jk, "5"]
        for c, y, jk in itertools.product(KAB, range(2020, 2023), ["L", "P"] * 3)
    ]
    rows = list({tuple(r): r for r in rows}.values())
    result = infer(tmp_path, ["kode_wilayah", "tahun", "jk", "nilai"], rows * 1)
    assert result["primaryKey"] == ["kode_wilayah", "tahun", "jk"]
    assert fields_of(result)["jk"]["constraints"]["required"] is True


def test_an_id_column_can_be_the_key(tmp_path):
    result = infer(tmp_path, ["no", "uraian"], [[str(i), "x"] for i in range(1, 6)])
    assert (
        result["primaryKey"] == ["no"] and fields_of(result)["no"]["constraints"]["unique"] is True
    )


def test_no_key_when_nothing_is_unique(tmp_path):
    assert "primaryKey" not in infer(
        tmp_path, ["kode_wilayah", "nilai"], [["53.01", "1"], ["53.01", "2"]]
    )


def test_missing_values_and_ms_var_keys(tmp_path):
    result = infer(tmp_path, ["jumlah (jiwa)"], [["12"], ["-"], [""], ["NA"]])
    assert result["missingValues"] == ["", "-", "NA", "n/a", "null"]
    field = result["fields"][0]
    assert field["type"] == "integer" and field["unit"] == "jiwa" and "definition" not in field


def test_inference_samples_big_sheets(tmp_path):
    rows = [[KAB[i % 5], str(2000 + i % 20), str(i)] for i in range(5000)]
    result = infer(tmp_path, ["kode_wilayah", "tahun", "nilai"], rows, sample_rows=1000)
    assert [f["type"] for f in result["fields"]] == ["string", "year", "integer"]


def test_inference_works_without_a_reference_and_with_odd_headers(tmp_path):
    header = ["'); DROP TABLE x; --", "", "a", "a", 'b"c']
    result = infer(tmp_path, header, [["1", "2", "3", "4", "5"]], regions=None)
    assert [f["name"] for f in result["fields"]] == [
        "'); DROP TABLE x; --",
        "Kolom B",
        "a",
        "a (D)",
        'b"c',
    ]
    assert column(tmp_path, "kode_wilayah", ["53.10"], regions=None)["constraints"]["pattern"] == (
        r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$"
    )


def test_a_region_reference_comes_from_the_database(regions):
    reference = RegionReference.from_database()
    assert len(reference) == 4 and RegionReference.from_database() is reference
    assert reference.kemendagri_for_bps("5313") == "53.10"


# --- merging and editing ---------------------------------------------------------------------


def contract():
    return {
        "fields": [
            {"name": "kode_wilayah", "type": "string", "constraints": {"required": True, "pattern": r"^53\.\d{2}$"},
             "satudata:role": "region_code", "satudata:code_system": "kemendagri"},
            {"name": "jumlah", "type": "number", "constraints": {"required": False, "minimum": 0},
             "definition": "Jumlah penduduk miskin", "unit": "ribu jiwa", "title": "Jumlah"},
            {"name": "keterangan", "type": "string", "constraints": {}},
        ],
        "primaryKey": ["kode_wilayah"],
        "missingValues": ["", "-"],
        "title": "Penduduk miskin",
    }  # fmt: skip


def test_merge_keeps_the_produsens_edits(tmp_path):
    inferred = infer(
        tmp_path,
        ["kode_wilayah", "jumlah", "tahun"],
        [["53.01", "12", "2023"], ["53.10", "9", "2023"]],
    )
    merged = merge_schema(contract(), inferred)
    fields = fields_of(merged)
    assert list(fields) == ["kode_wilayah", "jumlah", "tahun"]
    assert fields["jumlah"]["type"] == "number"  # inferred integer, the contract says number
    assert (
        fields["jumlah"]["definition"] == "Jumlah penduduk miskin"
        and fields["jumlah"]["unit"] == "ribu jiwa"
    )
    assert (
        fields["jumlah"]["constraints"] == {"required": False, "minimum": 0}
        and fields["jumlah"]["title"] == "Jumlah"
    )
    assert fields["tahun"]["type"] == "year"  # new column, as inferred
    assert merged["primaryKey"] == ["kode_wilayah"] and merged["missingValues"] == ["", "-"]
    assert merged["title"] == "Penduduk miskin"
    assert merged["satudata:absent_fields"] == [{"name": "keterangan", "required": False}]
    assert check_schema(merged) == []


def test_merge_keeps_region_codes_as_text():
    previous = {"fields": [{"name": "kode", "type": "integer", "satudata:role": "region_code"}]}
    inferred = {"fields": [{"name": "kode", "type": "string", "satudata:role": "region_code"}]}
    assert merge_schema(previous, inferred)["fields"][0]["type"] == "string"


def test_merge_takes_the_inferred_key_when_the_contract_key_is_gone():
    previous = {"fields": [{"name": "a", "type": "string"}], "primaryKey": ["a"]}
    inferred = {"fields": [{"name": "b", "type": "string"}], "primaryKey": ["b"]}
    assert merge_schema(previous, inferred)["primaryKey"] == ["b"]


def test_schema_from_form_builds_a_schema():
    data = {
        "fields": [
            {
                "name": "kode_wilayah",
                "type": "string",
                "required": "on",
                "pattern": r"^53\.\d{2}$",
                "satudata:role": "region_code",
            },
            {
                "name": "jk",
                "type": "string",
                "enum": "L\nP\n",
                "definition": "Jenis kelamin",
                "unit": "",
            },
            {"name": "jumlah", "type": "integer", "minimum": "0", "maximum": "", "unit": "jiwa"},
            {"name": "tanggal", "type": "date", "minimum": "2024-01-01"},
        ],
        "primaryKey": "kode_wilayah, jk",
    }
    result = schema_from_form(data)
    fields = fields_of(result)
    assert fields["kode_wilayah"]["constraints"] == {"required": True, "pattern": r"^53\.\d{2}$"}
    assert (
        fields["jk"]["constraints"] == {"enum": ["L", "P"]}
        and fields["jk"]["definition"] == "Jenis kelamin"
    )
    assert "unit" not in fields["jk"]
    assert fields["jumlah"]["constraints"] == {"minimum": 0} and fields["jumlah"]["unit"] == "jiwa"
    assert fields["tanggal"]["constraints"] == {"minimum": "2024-01-01"}
    assert result["primaryKey"] == ["kode_wilayah", "jk"]


@pytest.mark.parametrize(
    "fields, message",
    [
        ([{"name": "a", "type": "teks"}], "Tipe “teks” untuk kolom “a” tidak dikenal"),
        ([{"name": "a", "type": "datetime"}], "tidak dikenal"),
        (
            [{"name": "a", "type": "string", "pattern": "([0-9]"}],
            "Pola (regex) untuk kolom “a” tidak sah",
        ),
        (
            [{"name": "a", "type": "string", "pattern": "(?=x)x"}],
            "Pola (regex) untuk kolom “a” tidak sah",
        ),
        (
            [{"name": "a", "type": "string"}, {"name": "a", "type": "integer"}],
            "Nama kolom “a” dipakai lebih dari sekali",
        ),
        ([{"name": " ", "type": "string"}], "belum diberi nama"),
        ([{"name": "a", "type": "integer", "enum": "1\ndua"}], "tidak sesuai tipenya"),
        (
            [{"name": "a", "type": "integer", "minimum": "10", "maximum": "5"}],
            "lebih besar dari batas atasnya",
        ),
        (
            [{"name": "a", "type": "number", "minimum": "nol"}],
            "Batas minimum untuk kolom “a” tidak sesuai tipenya",
        ),
        ([{"name": "a", "type": "integer", "satudata:role": "region_code"}], "harus bertipe teks"),
        ([{"name": "a", "type": "date", "format": "%s"}], "Format tanggal"),
        ([{"name": "a", "type": "string", "satudata:period": "minggu"}], "Jenis periode"),
        ([{"name": "a", "type": "string", "constraints": {"minLength": 2}}], "Batasan “minLength”"),
    ],
)
def test_schema_from_form_rejects_bad_edits_in_indonesian(fields, message):
    with pytest.raises(SchemaError) as raised:
        schema_from_form({"fields": fields})
    assert any(message in error for error in raised.value.errors), raised.value.errors


def test_check_schema_rejects_a_key_on_a_missing_column_and_an_empty_schema():
    assert check_schema({"fields": []}) == ["Skema harus memuat paling sedikit satu kolom."]
    errors = check_schema({"fields": [{"name": "a", "type": "string"}], "primaryKey": ["b"]})
    assert errors == ["Kunci utama memakai kolom “b” yang tidak ada."]


def test_every_inferred_schema_passes_its_own_check(tmp_path):
    rows = [
        [c, n, str(y), "12,5", "L"]
        for (c, n), y in itertools.product(zip(KAB, NAMES, strict=True), range(2015, 2026))
    ]
    result = infer(tmp_path, ["kode_wilayah", "nama", "tahun", "persen (%)", "jk"], rows)
    assert check_schema(result) == []
    assert schema.column_names(["a", "a", ""]) == ["a", "a (B)", "Kolom C"]
