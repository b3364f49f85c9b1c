"""Validation rules, one table row per rule: each fails if its rule is removed."""

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from satudata.ingest.problems import Severity
from satudata.ingest.reference import RegionReference
from satudata.ingest.validate import validate
from satudata.regions.constants import BPS_CODES

from .sheets_helper import make_sheet

NEXT_YEAR = dt.date.today().year + 1


def ntt_regions():
    rows = [
        ("53", "Nusa Tenggara Timur", 1),
        ("53.01", "Kabupaten Kupang", 2),
        ("53.07", "Kabupaten Sikka", 2),
        ("53.10", "Kabupaten Manggarai", 2),
        ("53.20", "Kabupaten Sabu Raijua", 2),
        ("53.71", "Kota Kupang", 2),
        ("53.71.01", "Alak", 3),
        ("53.71.01.1001", "Alak", 4),
        ("33.74", "Kota Semarang", 2),
    ]
    return RegionReference.from_rows(
        (code, name, level, BPS_CODES.get(code, "")) for code, name, level in rows
    )


REGIONS = ntt_regions()


def f(name, type="string", **extra):
    constraints = extra.pop("constraints", {})
    return {"name": name, "type": type, "constraints": constraints, **extra}


def code_field(name="kode_wilayah", **extra):
    return f(
        name,
        constraints={"required": True, "pattern": r"^53\.\d{2}$"},
        **{
            "satudata:role": "region_code",
            "satudata:code_system": "kemendagri",
            "satudata:level": 2,
            **extra,
        },
    )


def run(tmp_path, fields, rows, *, header=None, regions=REGIONS, primary_key=None, **kwargs):
    header = header or [x["name"] for x in fields]
    sheet = make_sheet(tmp_path, header, rows, name="Data")
    schema = {"fields": fields, "missingValues": ["", "-", "NA", "n/a", "null"]}
    if primary_key:
        schema["primaryKey"] = primary_key
    return sheet, validate(sheet, schema, regions, tmp_path / "work", **kwargs)


def found(result):
    return {(p.code, p.row) for p in result.problems}


# (case, fields, rows, expected (code, row) pairs); data rows start at row 2.
CASES = [
    (
        "integer",
        [f("n", "integer")],
        [["12"], ["1.5"], ["abc"], ["-"]],
        {("type.integer", 3), ("type.integer", 4)},
    ),
    ("number", [f("x", "number")], [["1.5"], ["abc"], ["NA"], ["1e3"]], {("type.number", 3)}),
    (
        "number not nan",
        [f("x", "number")],
        [["1.5"], ["nan"], ["inf"]],
        {("type.number", 3), ("type.number", 4)},
    ),
    (
        "date",
        [f("d", "date")],
        [["2024-02-29"], ["2023-02-29"], ["31/12/2024"]],
        {("type.date", 3), ("type.date", 4)},
    ),
    (
        "date format",
        [f("d", "date", format="%d/%m/%Y")],
        [["31/12/2024"], ["2024-12-31"]],
        {("type.date", 3)},
    ),
    (
        "year",
        [f("y", "year")],
        [["2024"], ["24"], ["2024.5"]],
        {("type.year", 3), ("type.year", 4)},
    ),
    ("yearmonth", [f("b", "yearmonth")], [["2024-03"], ["2024-13"]], {("type.yearmonth", 3)}),
    (
        "boolean",
        [f("b", "boolean", trueValues=["ya"], falseValues=["tidak"])],
        [["ya"], ["tidak"], ["mungkin"]],
        {("type.boolean", 4)},
    ),
    (
        "thousands, Indonesian",
        [f("x", "number")],
        [["1.234.567"], ["12,5"], ["7"], ["1.234"]],
        {
            ("value.thousands_separator", 2),
            ("value.thousands_separator", 3),
            ("value.thousands_separator", 5),
        },
    ),
    (
        "thousands, English",
        [f("x", "integer")],
        [["1,234,567"], ["12"], ["3,500"]],
        {("value.thousands_separator", 2), ("value.thousands_separator", 4)},
    ),
    (
        "unit in number",
        [f("x", "number")],
        [["12 %"], ["Rp 1.000"], ["300 jiwa"], ["5 km"], ["8"]],
        {("value.unit_in_number", r) for r in (2, 3, 4, 5)},
    ),
    (
        "required",
        [f("s", constraints={"required": True})],
        [["a"], [""], ["-"], ["  "]],
        {("required", r) for r in (3, 4, 5)},
    ),
    (
        "enum",
        [f("s", constraints={"enum": ["L", "P"]})],
        [["L"], ["P"], ["X"], ["l"]],
        {("enum", 4), ("enum", 5)},
    ),
    (
        "enum integer",
        [f("n", "integer", constraints={"enum": [1, 2]})],
        [["1"], ["3"]],
        {("enum", 3)},
    ),
    (
        "minimum",
        [f("x", "number", constraints={"minimum": 0})],
        [["0"], ["-0.5"]],
        {("minimum", 3)},
    ),
    (
        "maximum",
        [f("x", "number", constraints={"maximum": 100})],
        [["100"], ["100.5"]],
        {("maximum", 3)},
    ),
    (
        "date bounds",
        [f("d", "date", constraints={"minimum": "2024-01-01", "maximum": "2024-12-31"})],
        [["2023-12-31"], ["2024-06-01"], ["2025-01-01"]],
        {("minimum", 2), ("maximum", 4)},
    ),
    (
        "pattern",
        [f("s", constraints={"pattern": r"^[A-Z]{2}\d$"})],
        [["AB1"], ["ab1"], ["AB12"]],
        {("pattern", 3), ("pattern", 4)},
    ),
    (
        "unique",
        [f("id", "integer", constraints={"unique": True})],
        [["1"], ["2"], ["01"], ["3"]],
        {("unique", 4)},
    ),
    (
        "unique text",
        [f("kode", constraints={"unique": True}), f("no")],
        [["A", "1"], ["B", "2"], ["A", "3"], ["", "4"], ["", "5"]],
        {("unique", 4)},
    ),
    (
        "row duplicate",
        [f("a"), f("b")],
        [["1", "x"], ["2", "y"], ["1", "x"]],
        {("row.duplicate", 4)},
    ),
    (
        "region unknown",
        [code_field()],
        [["53.01"], ["53.99"], ["53.10"]],
        {("region.unknown", 3)},
    ),
    ("region other province", [code_field()], [["33.74"]], {("pattern", 2)}),
    ("region level", [code_field()], [["53.71"], ["53.71.01"]], {("region.level", 3)}),
    ("region bps code", [code_field()], [["5303"], ["53.01"]], {("region.bps_code", 2)}),
    (
        "region number lost",
        [code_field()],
        [["53.1"], ["53.2"], ["53.10"]],
        {("region.number_lost", 2), ("region.number_lost", 3)},
    ),
    ("region pattern", [code_field()], [["53-01"], ["53.01"]], {("pattern", 2)}),
    (
        "region name",
        [
            code_field(),
            f("nama", **{"satudata:role": "region_name", "satudata:code_field": "kode_wilayah"}),
        ],
        [
            ["53.01", "Kabupaten Kupang"],
            ["53.01", "Kab. Kupang"],
            ["53.71", "KOTA KUPANG"],
            ["53.71", "Kabupaten Kupang"],
            ["53.10", "Kab Sikka"],
            ["53.10", "manggarai"],
        ],
        {("region.name_mismatch", 5), ("region.name_mismatch", 6)},
    ),
    (
        "period tahun",
        [f("tahun", "year", **{"satudata:role": "period", "satudata:period": "tahun"})],
        [["2024"], ["1850"], ["2200"]],
        {("period.invalid", 3), ("period.invalid", 4)},
    ),
    (
        "period semester",
        [f("p", **{"satudata:role": "period", "satudata:period": "semester"})],
        [["2024-S1"], ["Semester II 2024"], ["2024-S3"], ["semester kedua"]],
        {("period.invalid", 4), ("period.invalid", 5)},
    ),
    (
        "period triwulan",
        [f("p", **{"satudata:role": "period", "satudata:period": "triwulan"})],
        [["2024-Q1"], ["Triwulan IV 2024"], ["TW 2 2024"], ["2024-Q5"], ["1890-Q1"]],
        {("period.invalid", 5), ("period.invalid", 6)},
    ),
    (
        "period bulan",
        [f("p", **{"satudata:role": "period", "satudata:period": "bulan"})],
        [["2024-03"], ["Maret 2024"], ["Agustus"], ["2024-13"], ["Maretz 2024"], ["03/2024"]],
        {("period.invalid", 5), ("period.invalid", 6)},
    ),
    (
        "period semester as number",
        [f("semester", "integer", **{"satudata:role": "period", "satudata:period": "semester"})],
        [["1"], ["2"], ["3"]],
        {("period.invalid", 4)},
    ),
]


@pytest.mark.parametrize(
    "fields, rows, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_it_finds_each_rule(tmp_path, fields, rows, expected):
    _sheet, result = run(tmp_path, fields, rows)
    assert found(result) == expected, [(p.code, p.row, p.value) for p in result.problems]
    assert result.counts_by_code == {
        code: sum(1 for c, _r in expected if c == code) for code, _r in expected
    }


def test_it_reports_the_primary_key(tmp_path):
    fields = [code_field(), f("tahun", "year")]
    rows = [["53.01", "2023"], ["53.01", "2024"], ["53.10", "2024"], ["53.01", "2023"]]
    _sheet, result = run(
        tmp_path,
        fields + [f("nilai", "integer")],
        [r + [str(i)] for i, r in enumerate(rows)],
        primary_key=["kode_wilayah", "tahun"],
    )
    assert found(result) == {("primary_key", 5)}
    problem = result.problems[0]
    assert problem.extra["first"] == 2 and problem.value == "53.01, 2023"
    assert "kode_wilayah, tahun" in problem.message


def test_it_warns_about_identical_rows_without_blocking(tmp_path):
    _sheet, result = run(tmp_path, [f("a"), f("b")], [["1", "x"], ["1", "x"]])
    (problem,) = result.problems
    assert problem.severity == Severity.WARNING and problem.extra["first"] == 2
    assert (result.error_count, result.warning_count) == (0, 1)


def test_it_warns_about_far_future_years(tmp_path):
    fields = [f("tahun", "year", **{"satudata:role": "period", "satudata:period": "tahun"})]
    _sheet, result = run(tmp_path, fields, [[str(NEXT_YEAR)], [str(NEXT_YEAR + 3)]])
    (problem,) = result.problems
    assert (problem.code, problem.row, problem.severity) == ("period.invalid", 3, Severity.WARNING)


def test_it_accepts_bps_codes_in_a_bps_column(tmp_path):
    field = f(
        "kode_bps",
        constraints={"pattern": r"^\d{4}$"},
        **{"satudata:role": "region_code", "satudata:code_system": "bps", "satudata:level": 2},
    )
    _sheet, result = run(tmp_path, [field], [["5303"], ["5313"], ["5399"]])
    assert found(result) == {("region.unknown", 4)}


def test_it_suggests_the_kemendagri_code_for_a_bps_code(tmp_path):
    _sheet, result = run(tmp_path, [code_field()], [["5303"], ["53.1"]])
    suggestions = {p.code: p.extra["suggestion"] for p in result.problems}
    assert suggestions == {"region.bps_code": "53.01", "region.number_lost": "53.10"}
    bps = next(p for p in result.problems if p.code == "region.bps_code")
    assert "Kabupaten Kupang" in bps.message and "53.01" in bps.hint


def test_it_suggests_the_cleaned_number(tmp_path):
    fields = [f("a", "number"), f("b", "integer"), f("c", "number")]
    rows = [
        ["1.234,5", "1.234.567", "1,234.5"],
        ["12,5", "300 jiwa", "2,000,000"],
        ["7", "Rp 1.000", "3"],
    ]
    _sheet, result = run(tmp_path, fields, rows)
    suggestions = {(p.column, p.row): p.extra["suggestion"] for p in result.problems}
    assert suggestions == {
        ("a", 2): "1234.5",
        ("a", 3): "12.5",
        ("b", 2): "1234567",
        ("b", 3): "300",
        ("b", 4): "1000",
        ("c", 2): "1234.5",
        ("c", 3): "2000000",
    }
    _sheet, rupiah = run(
        tmp_path, [f("anggaran", "number")], [["Rp 1.000"], ["Rp 12.500,-"], ["7"]]
    )
    assert [p.extra["suggestion"] for p in rupiah.problems] == ["1000", "12500"]
    hints = {p.column: p.hint for p in result.problems if p.code == "value.thousands_separator"}
    assert (
        "koma sebagai pemisah desimal" in hints["a"] and "koma sebagai pemisah ribuan" in hints["c"]
    )


def test_a_clean_file_has_no_problems(tmp_path):
    fields = [
        code_field(),
        f("nama", **{"satudata:role": "region_name"}),
        f("tahun", "year", **{"satudata:role": "period", "satudata:period": "tahun"}),
        f("jumlah", "integer", constraints={"minimum": 0}),
        f("persen", "number", constraints={"minimum": 0, "maximum": 100}),
        f("jk", constraints={"enum": ["L", "P"]}),
        f("tanggal", "date"),
        f("aktif", "boolean", trueValues=["ya"], falseValues=["tidak"]),
    ]
    rows = [
        ["53.01", "Kabupaten Kupang", "2023", "120", "12.5", "L", "2023-12-31", "ya"],
        ["53.10", "Kab. Manggarai", "2023", "95", "-", "P", "", "tidak"],
        ["53.71", "Kota Kupang", "2024", "210", "100", "L", "2024-02-29", "ya"],
    ]
    _sheet, result = run(tmp_path, fields, rows, primary_key=["kode_wilayah", "tahun", "jk"])
    assert result.problems == [] and result.error_count == 0 and result.row_count == 3


def test_it_writes_the_typed_parquet(tmp_path):
    fields = [
        code_field(),
        f("jumlah", "integer"),
        f("nilai", "number"),
        f("tanggal", "date"),
        f("tahun", "year"),
        f("aktif", "boolean", trueValues=["ya"], falseValues=["tidak"]),
        f("catatan"),
    ]
    rows = [
        ["53.10", "1200", "12.5", "2024-03-01", "2024", "ya", " teks "],
        ["53.01", "abc", "-", "", "2023", "tidak", "NA"],
    ]
    _sheet, result = run(tmp_path, fields, rows)
    table = pq.read_table(result.typed_path)
    assert table.schema.names == [x["name"] for x in fields]
    assert [t for t in table.schema.types] == [
        pa.string(), pa.int64(), pa.float64(), pa.date32(), pa.int32(), pa.bool_(), pa.string(),
    ]  # fmt: skip
    assert table.to_pylist() == [
        {"kode_wilayah": "53.10", "jumlah": 1200, "nilai": 12.5, "tanggal": dt.date(2024, 3, 1), "tahun": 2024, "aktif": True, "catatan": "teks"},
        {"kode_wilayah": "53.01", "jumlah": None, "nilai": None, "tanggal": None, "tahun": 2023, "aktif": False, "catatan": None},
    ]  # fmt: skip
    assert found(result) == {("type.integer", 3)}


def test_it_lists_at_most_the_cap_per_rule_and_counts_the_rest(tmp_path):
    rows = [[str(i), str(i) if i % 2 else "x"] for i in range(60)]
    _sheet, result = run(tmp_path, [f("id"), f("n", "integer")], rows, max_problems_per_rule=5)
    listed = [p for p in result.problems if p.row is not None]
    (summary,) = [p for p in result.problems if p.row is None]
    assert len(listed) == 5 and [p.row for p in listed] == [2, 4, 6, 8, 10]
    assert summary.count == 25 and summary.extra == {"total": 30, "listed": 5}
    assert result.counts_by_code == {"type.integer": 30} and result.error_count == 30


def test_the_cap_is_shared_by_the_columns_of_a_rule(tmp_path):
    rows = [["x", "y", str(i)] for i in range(4)]
    _sheet, result = run(
        tmp_path, [f("a", "integer"), f("b", "integer"), f("id")], rows, max_problems_per_rule=3
    )
    assert len([p for p in result.problems if p.row is not None]) == 3
    assert sum(p.count for p in result.problems if p.code == "type.integer") == 8


def test_it_reports_columns_missing_from_the_file_or_the_schema(tmp_path):
    fields = [f("a"), f("b", constraints={"required": True}), f("c")]
    _sheet, result = run(tmp_path, fields, [["1", "2"]], header=["a", "b", "extra"])
    codes = {(p.code, p.column, p.severity) for p in result.problems}
    assert codes == {
        ("schema.extra_field", "extra", Severity.WARNING),
        ("schema.missing_field", "c", Severity.WARNING),
    }
    schema_absent = {
        "fields": [f("a")],
        "satudata:absent_fields": [{"name": "kode", "required": True}],
    }
    sheet = make_sheet(tmp_path, ["a"], [["1"]])
    result = validate(sheet, schema_absent, None, tmp_path / "w2")
    assert [(p.code, p.column, p.severity) for p in result.problems] == [
        ("schema.missing_field", "kode", Severity.ERROR)
    ]


def test_it_names_sheet_row_column_and_value_in_indonesian(tmp_path):
    _sheet, result = run(tmp_path, [f("jumlah", "integer")], [["12"], ["dua belas"]])
    (problem,) = result.problems
    assert (problem.sheet, problem.row, problem.column, problem.column_index, problem.value) == (
        "Data",
        3,
        "jumlah",
        0,
        "dua belas",
    )
    assert "bukan bilangan bulat" in problem.message and "jumlah" in problem.message
    assert problem.hint.startswith("Tulis angka bulat")


def test_it_reports_progress(tmp_path):
    seen = []
    run(tmp_path, [f("a")], [["1"]], progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0


def test_it_works_without_a_region_reference(tmp_path):
    _sheet, result = run(
        tmp_path, [code_field()], [["53.01"], ["53.99"], ["5303"], ["x"]], regions=None
    )
    assert found(result) == {("pattern", 4), ("pattern", 5)}


EVIL = "'); DROP TABLE x; --"


def test_malicious_headers_and_schema_values_cannot_inject_sql(tmp_path):
    evil_enum = ["a'b", 'c"d', EVIL, "$1", "?"]
    fields = [
        f(EVIL, constraints={"enum": evil_enum, "required": True}),
        f('kolom "ganda"', constraints={"pattern": r"^(x|'\); DROP TABLE y; --)$"}),
        f("n", "date", format="%d/%m/%Y"),
        f("$p1", "integer", constraints={"minimum": 0}),
    ]
    rows = [
        [EVIL, "x", "01/02/2024", "1"],
        ["a'b", "'); DROP TABLE y; --", "31/02/2024", "-1"],
        ["zzz", "y", "", "2"],
        ['c"d', "x", "", "NA"],
    ]
    sheet = make_sheet(tmp_path, [x["name"] for x in fields], rows)
    schema = {"fields": fields, "missingValues": ["", "NA", EVIL + "x"]}
    result = validate(sheet, schema, REGIONS, tmp_path / "work")
    assert found(result) == {("enum", 4), ("pattern", 4), ("type.date", 3), ("minimum", 3)}
    table = pq.read_table(result.typed_path)
    assert table.schema.names == [x["name"] for x in fields]
    assert table.column(0).to_pylist() == [EVIL, "a'b", "zzz", 'c"d']


def test_the_sql_holds_no_schema_or_header_text(tmp_path, monkeypatch):
    """Every statement sent to DuckDB is free of the header and schema values."""
    statements = []

    class Spy:
        def __init__(self, con):
            self.con = con

        def execute(self, sql, *args, **kwargs):
            statements.append(sql)
            return self.con.execute(sql, *args, **kwargs)

        def __getattr__(self, name):
            return getattr(self.con, name)

    from satudata.ingest import schema as contract

    real_connect = contract.connect
    monkeypatch.setattr(contract, "connect", lambda *a, **k: Spy(real_connect(*a, **k)))
    fields = [
        code_field("KODE_RAHASIA_WIL"),
        f("HEADERKANARI", constraints={"enum": ["ENUMKANARI"], "pattern": "POLAKANARI.*"}),
        f("n", "integer", constraints={"minimum": 424242, "enum": [434343]}),
    ]
    run(
        tmp_path,
        fields,
        [["53.01", "ENUMKANARI", "1"], ["53.1", "x", "y"], ["53.01", "ENUMKANARI", "1"]],
    )
    assert statements
    text = "\n".join(statements)
    for canary in ("ENUMKANARI", "POLAKANARI", "424242", "434343", "53.01"):
        assert canary not in text
    # header names: only as escaped quoted identifiers, in the one COPY naming the typed file
    naming = [s for s in statements if "HEADERKANARI" in s]
    assert len(naming) == 1 and naming[0].startswith("COPY")
    for header in ("KODE_RAHASIA_WIL", "HEADERKANARI"):
        assert naming[0].count(header) == naming[0].count(f'AS "{header}"') == 1


@pytest.mark.parametrize(
    "header",
    [
        ["Nama", "nama"],  # DuckDB would rename one of two names differing only in case
        ["a", "b\x00c"],  # a NUL cannot go into SQL text
        ['x"', 'x""', "'); DROP TABLE t; --"],
    ],
)
def test_typed_file_keeps_every_header_name_exactly(tmp_path, header):
    fields = [f(name) for name in header]
    _sheet, result = run(tmp_path, fields, [[str(i) for i in range(len(header))]])
    assert pq.read_schema(result.typed_path).names == header


def test_frictionless_agrees_on_a_clean_and_a_dirty_file(tmp_path):
    frictionless = pytest.importorskip("frictionless")
    fields = [
        f("id", "integer", constraints={"required": True}),
        f("kode_wilayah", constraints={"required": True, "pattern": r"^53\.\d{2}$"}),
        f("tahun", "integer", constraints={"minimum": 2000, "maximum": 2100}),
        f("tanggal", "date"),
        f("jk", constraints={"enum": ["L", "P"]}),
        f("persen", "number", constraints={"minimum": 0, "maximum": 100}),
    ]
    clean = [
        ["1", "53.01", "2023", "2023-01-31", "L", "12.5"],
        ["2", "53.10", "2024", "2024-02-29", "P", "100"],
        ["3", "53.71", "2024", "", "L", ""],
    ]
    dirty = clean + [
        ["4", "5X.71", "2024", "2024-02-30", "X", "101.5"],
        ["x", "53.01", "1999", "2024-01-01", "L", "n/a"],
    ]
    schema = {"fields": fields, "missingValues": ["", "n/a"], "primaryKey": ["id"]}
    descriptor = {"fields": fields, "missingValues": ["", "n/a"], "primaryKey": ["id"]}
    for name, rows in (("clean", clean), ("dirty", dirty)):
        path = tmp_path / f"{name}.csv"
        path.write_text(
            "\n".join(",".join(r) for r in [[x["name"] for x in fields], *rows]) + "\n",
            encoding="utf-8",
        )
        report = frictionless.Resource(
            path=path.name,
            basepath=str(tmp_path),
            schema=frictionless.Schema.from_descriptor(descriptor),
        ).validate()
        errors = report.tasks[0].errors
        theirs = {(e.row_number, e.field_name) for e in errors if hasattr(e, "field_name")}
        # frictionless also reports the row whose key failed its type as a primary-key error
        key_rows = {e.row_number for e in errors if e.type == "primary-key"}
        sheet = make_sheet(tmp_path, [x["name"] for x in fields], rows)
        result = validate(sheet, schema, None, tmp_path / f"work-{name}")
        ours = {(p.row, p.column) for p in result.problems}
        assert report.valid == (result.error_count == 0), (name, theirs, ours)
        assert theirs == ours, name
        assert key_rows <= {row for row, column in ours if column == "id"}


def test_it_handles_empty_sheets(tmp_path):
    _sheet, result = run(tmp_path, [code_field(), f("n", "integer")], [])
    assert result.problems == [] and result.row_count == 0
    assert pq.read_table(result.typed_path).schema.names == ["kode_wilayah", "n"]
    sheet = make_sheet(tmp_path, [], [])
    result = validate(sheet, {"fields": []}, REGIONS, tmp_path / "none")
    assert result.problems == [] and pq.read_table(result.typed_path).num_columns == 0


def test_rows_are_found_across_row_groups_and_gaps(tmp_path, monkeypatch):
    """Bad cells map back to their own row numbers, whatever the Parquet layout."""
    from satudata.ingest.table import SheetTable

    n = 5000
    rows = [2 + i * 2 for i in range(n)]  # the reader skipped every other (blank) row
    kode = ["53.01"] * n
    jumlah = [str(i) for i in range(n)]
    for i in (10, 2500, 4999):
        jumlah[i] = f"{i + 1000:,}".replace(",", ".") + ".000"  # 1.010.000
    kode[3000] = "53.99"
    table = pa.table({"c0": kode, "c1": jumlah, "_row": pa.array(rows, pa.int64())})
    path = tmp_path / "groups.parquet"
    pq.write_table(table, path, row_group_size=700, write_statistics=False)
    sheet = SheetTable(
        name="", header=["kode_wilayah", "jumlah"], header_row=1, data_path=path, row_count=n
    )
    from satudata.ingest import table as sheet_table
    from satudata.ingest import validate as validation

    # footer counts, or a scan when a file has none
    for null_counts in (sheet_table.null_counts, lambda path: None):
        monkeypatch.setattr(validation, "null_counts", null_counts)
        fields = [code_field(), f("jumlah", "integer")]
        result = validate(sheet, {"fields": fields}, REGIONS, tmp_path / f"w{id(null_counts)}")
        assert found(result) == {
            ("value.thousands_separator", rows[10]),
            ("value.thousands_separator", rows[2500]),
            ("value.thousands_separator", rows[4999]),
            ("region.unknown", rows[3000]),
        }
        assert [p.extra["suggestion"] for p in result.problems if p.code.startswith("value")] == [
            "1010000",
            "3500000",
            "5999000",
        ]
