"""The personal-data guard over the hidden parts of an XLSX (xlsx_parts.scan_xlsx_parts)."""

import json
import random
import zipfile

import xlsxwriter

from satudata.ingest import synthetic as syn
from satudata.ingest import xlsx_parts
from satudata.ingest.problems import Severity
from satudata.ingest.xlsx_parts import scan_xlsx_parts


def rng(seed=20240620):
    return random.Random(seed)


def workbook(path, build=None, *, rows=5):
    """A small clean workbook (kode wilayah, tahun, jumlah); ``build(wb, ws)`` adds more."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Data")
    ws.write_row(0, 0, ["kode_wilayah", "tahun", "jumlah"])
    for i in range(rows):
        ws.write_row(i + 1, 0, [f"53.{i + 1:02d}", 2024, 100 + i])
    if build:
        build(wb, ws)
    wb.close()
    return path


def add_parts(path, parts):
    """Adds (or replaces) zip members by hand, as another program would have written them."""
    with zipfile.ZipFile(path) as src:
        members = {i.filename: src.read(i.filename) for i in src.infolist()}
    members.update(
        {name: data.encode() if isinstance(data, str) else data for name, data in parts.items()}
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in members.items():
            dst.writestr(name, data)
    return path


def by_code(problems):
    out = {}
    for p in problems:
        out.setdefault(p.code, []).append(p)
    return out


def assert_masked(problems, values):
    text = json.dumps([p.as_dict() for p in problems], ensure_ascii=False)
    digits_in_text = "".join(ch for ch in text if ch.isdigit())
    for value in values:
        digits = "".join(ch for ch in value if ch.isdigit())
        if len(digits) >= 8:
            assert digits not in digits_in_text, value
        if "@" in value:
            assert value not in text


# --- not an XLSX, clean XLSX -----------------------------------------------------------------


def test_non_zip_files_give_nothing(tmp_path):
    for name, data in {"a.xlsx": b"", "b.xlsx": b"\x00\x01binary", "c.xlsx": b"a,b\n1,2\n"}.items():
        (tmp_path / name).write_bytes(data)
        assert scan_xlsx_parts(tmp_path / name) == []
    assert scan_xlsx_parts(tmp_path / "missing.xlsx") == []
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as z:
        z.writestr("readme.txt", "halo")
    assert scan_xlsx_parts(tmp_path / "other.zip") == []


def test_clean_workbook_gives_nothing(tmp_path):
    path = workbook(
        tmp_path / "bersih.xlsx",
        lambda wb, ws: (
            wb.set_properties({"author": "Budi Santoso", "company": "Dinas Kominfo"}),
            ws.write_comment("B2", "Angka sementara, menunggu verifikasi BPS."),
            wb.define_name("Wilayah", "=Data!$A$2:$A$6"),
        ),
    )
    assert scan_xlsx_parts(path) == []


# --- comments --------------------------------------------------------------------------------


def test_identifiers_in_comments(tmp_path):
    r = rng(1)
    niks = [syn.nik(r) for _ in range(3)]
    phones = [syn.phone(r, form="dashes") for _ in range(3)]

    def build(wb, ws):
        for i, (nik, phone) in enumerate(zip(niks, phones, strict=True)):
            ws.write_comment(i + 1, 2, f"Data dari warga {nik}, dihubungi lewat {phone}")

    problems = scan_xlsx_parts(workbook(tmp_path / "komentar.xlsx", build))
    codes = by_code(problems)
    (nik,) = codes["pii.nik"]
    assert nik.severity == Severity.ERROR
    assert nik.sheet == "komentar Data"
    assert nik.count == 3
    assert nik.extra["places"] == ["C2", "C3", "C4"]
    assert nik.message.startswith("Komentar Data memuat NIK atau No. KK: 3 nilai")
    assert codes["pii.phone"][0].count == 3
    assert_masked(problems, niks + phones)


def test_one_comment_with_several_identifiers_names_the_cell(tmp_path):
    r = rng(2)
    niks = [syn.nik(r) for _ in range(3)]
    path = workbook(
        tmp_path / "satu.xlsx",
        lambda wb, ws: ws.write_comment("B3", "Ahli waris: " + "; ".join(niks)),
    )
    (problem,) = scan_xlsx_parts(path)
    assert problem.code == "pii.nik"
    assert problem.sheet == "komentar Data!B3"


def test_single_identifier_in_a_comment_needs_a_keyword(tmp_path):
    r = rng(3)
    with_keyword = workbook(
        tmp_path / "kata.xlsx", lambda wb, ws: ws.write_comment("A2", f"NIK pemohon: {syn.nik(r)}")
    )
    without = workbook(
        tmp_path / "tanpa.xlsx", lambda wb, ws: ws.write_comment("A2", f"Nomor {syn.nik(r)}")
    )
    assert [p.code for p in scan_xlsx_parts(with_keyword)] == ["pii.nik"]
    assert scan_xlsx_parts(without) == []


def test_threaded_comment_authors_with_email(tmp_path):
    r = rng(4)
    mail = syn.email(r)
    person = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<personList xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments">'
        f'<person displayName="Budi" id="{{1}}" userId="{mail}" providerId="None"/></personList>'
    )
    threaded = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<ThreadedComments xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments">'
        + "".join(
            f'<threadedComment ref="D{i}" id="{{{i}}}" personId="{{1}}"><text>No HP {syn.phone(r)}</text>'
            "</threadedComment>"
            for i in range(2, 5)
        )
        + "</ThreadedComments>"
    )
    path = add_parts(
        workbook(tmp_path / "utas.xlsx"),
        {"xl/persons/person.xml": person, "xl/threadedComments/threadedComment1.xml": threaded},
    )
    codes = by_code(scan_xlsx_parts(path))
    assert codes["pii.email"][0].sheet == "penulis komentar"
    assert codes["pii.phone"][0].count == 3
    assert codes["pii.phone"][0].sheet.startswith("komentar")


# --- defined names ---------------------------------------------------------------------------


def test_identifiers_in_defined_names(tmp_path):
    r = rng(5)
    niks = [syn.nik(r) for _ in range(4)]
    constant = "={" + ",".join(f'"{n}"' for n in niks) + "}"
    path = workbook(tmp_path / "nama.xlsx", lambda wb, ws: wb.define_name("DaftarWarga", constant))
    (problem,) = scan_xlsx_parts(path)
    assert problem.code == "pii.nik"
    assert problem.sheet == "nama terdefinisi"
    assert problem.column == "DaftarWarga"
    assert problem.count == 4
    assert_masked([problem], niks)


# --- pivot caches ----------------------------------------------------------------------------


def pivot_parts(fields, records):
    """A pivot cache definition (fields with shared items) and its records."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    cache_fields = []
    for name, shared in fields:
        items = "".join(f'<s v="{v}"/>' for v in shared)
        cache_fields.append(
            f'<cacheField name="{name}" numFmtId="0"><sharedItems count="{len(shared)}">{items}'
            "</sharedItems></cacheField>"
        )
    definition = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><pivotCacheDefinition {ns} '
        f'recordCount="{len(records)}"><cacheSource type="worksheet"><worksheetSource '
        f'ref="A1:C{len(records) + 1}" sheet="Sumber"/></cacheSource><cacheFields '
        f'count="{len(fields)}">{"".join(cache_fields)}</cacheFields></pivotCacheDefinition>'
    )
    rows = "".join(f"<r>{''.join(record)}</r>" for record in records)
    records_xml = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><pivotCacheRecords {ns} '
        f'count="{len(records)}">{rows}</pivotCacheRecords>'
    )
    return {
        "xl/pivotCache/pivotCacheDefinition1.xml": definition,
        "xl/pivotCache/pivotCacheRecords1.xml": records_xml,
    }


def test_identifiers_in_a_pivot_cache(tmp_path):
    """The source sheet is gone; the cache keeps NIKs as strings, numbers and shared items."""
    r = rng(6)
    kecamatan = ["Alak", "Maulafa", "Oebobo"]
    kks = [syn.no_kk(r) for _ in range(3)]
    records, niks = [], []
    for i in range(30):
        nik = syn.nik(r)
        niks.append(nik)
        value = f'<s v="{nik}"/>' if i % 2 else f'<n v="{nik}"/>'
        records.append([value, f'<x v="{i % 3}"/>', f'<x v="{i % 3}"/>', f'<n v="{i}"/>'])
    parts = pivot_parts(
        [("NIK", []), ("Kecamatan", kecamatan), ("No KK", kks), ("Jumlah", [])], records
    )
    path = add_parts(workbook(tmp_path / "pivot.xlsx"), parts)
    problems = scan_xlsx_parts(path)
    codes = by_code(problems)
    nik = next(p for p in codes["pii.nik"] if p.column == "NIK")
    assert nik.sheet == "pivot cache 1"
    assert nik.severity == Severity.ERROR
    assert nik.count == 30
    assert "salinan data sumber" in nik.message
    assert nik.extra["part"] == "xl/pivotCache/pivotCacheDefinition1.xml"
    (kk,) = codes["pii.kk"]  # shared items resolved through <x v="…"/>
    assert kk.column == "No KK"
    assert kk.count == 30
    assert {p.column for p in problems} == {"NIK", "No KK"}
    assert_masked(problems, niks + kks)


def test_pivot_cache_without_field_names_and_without_records(tmp_path):
    r = rng(7)
    phones = [syn.phone(r) for _ in range(5)]
    parts = pivot_parts([("Kolom1", phones), ("Kolom2", ["a", "b"])], [])
    del parts["xl/pivotCache/pivotCacheRecords1.xml"]
    path = add_parts(workbook(tmp_path / "pivot2.xlsx"), parts)
    (problem,) = scan_xlsx_parts(path)
    assert problem.code == "pii.phone" and problem.column == "Kolom1"


def test_random_numbers_in_a_pivot_cache_are_not_flagged(tmp_path):
    r = rng(8)
    records = [
        [f'<n v="{r.randint(10**15, 10**16 - 1)}"/>', f'<n v="{r.randint(1, 10**6)}"/>']
        for _ in range(3000)
    ]
    parts = pivot_parts([("Nomor Dokumen", []), ("Nilai", [])], records)
    path = add_parts(workbook(tmp_path / "pivot3.xlsx"), parts)
    assert scan_xlsx_parts(path) == []


# --- document properties ---------------------------------------------------------------------


def test_identifiers_in_document_properties(tmp_path):
    r = rng(9)
    mail, phone, nik = syn.email(r), syn.phone(r), syn.nik(r)

    def build(wb, ws):
        wb.set_properties(
            {
                "author": "Budi Santoso",
                "company": "Dinas Kesehatan",
                "comments": f"Kontak: {mail}",
                "keywords": f"hp {phone}",
            }
        )
        wb.set_custom_property("NIK Pembuat", nik)
        wb.set_custom_property("Checked by", "Maria")

    problems = scan_xlsx_parts(workbook(tmp_path / "properti.xlsx", build))
    codes = by_code(problems)
    assert set(codes) == {"pii.email", "pii.phone", "pii.nik"}
    for p in problems:
        assert p.sheet == "properti dokumen"
    assert codes["pii.nik"][0].column == "NIK Pembuat"
    assert codes["pii.email"][0].column == "description"
    assert_masked(problems, [mail, phone, nik])


def test_author_name_alone_is_fine(tmp_path):
    path = workbook(
        tmp_path / "penulis.xlsx",
        lambda wb, ws: wb.set_properties({"author": "Maria Ndolu", "title": "Penduduk 2024"}),
    )
    assert scan_xlsx_parts(path) == []


# --- hidden sheets, rows and columns ---------------------------------------------------------


def test_hidden_rows_columns_and_sheets(tmp_path):
    def build(wb, ws):
        ws.set_row(3, None, None, {"hidden": True})
        ws.set_row(20, None, None, {"hidden": True})  # hidden but empty: nothing to see
        ws.set_column("C:C", None, None, {"hidden": True})
        hidden = wb.add_worksheet("Lama")
        hidden.write("A1", "x")
        hidden.hide()
        very = wb.add_worksheet("Rahasia")
        very.write("A1", "y")
        very.very_hidden()
        wb.add_worksheet("Kosong").write("A1", "z")

    problems = scan_xlsx_parts(workbook(tmp_path / "tersembunyi.xlsx", build))
    by_sheet = {p.sheet: p for p in problems}
    assert set(by_sheet) == {"Data", "Lama", "Rahasia"}
    for p in problems:
        assert p.code == "pii.hidden_content" and p.severity == Severity.WARNING
    data = by_sheet["Data"]
    assert data.extra["hidden_rows"] == [4]
    assert data.extra["hidden_columns"] == ["C"]
    assert "baris 4" in data.message and "kolom tersembunyi: C" in data.message
    assert by_sheet["Lama"].extra["state"] == "hidden"
    assert "lembar ini tersembunyi" in by_sheet["Lama"].message
    assert by_sheet["Rahasia"].extra["state"] == "veryHidden"
    assert "veryHidden" in by_sheet["Rahasia"].message


# --- external links --------------------------------------------------------------------------


def test_identifiers_in_external_link_cache(tmp_path):
    r = rng(10)
    mails = [syn.email(r) for _ in range(4)]
    cells = "".join(
        f'<row r="{i}"><cell r="B{i}" t="str"><v>{m}</v></cell></row>'
        for i, m in enumerate(mails, 1)
    )
    link = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<externalBook><sheetNames><sheetName val="Pegawai"/></sheetNames><sheetDataSet>'
        f'<sheetData sheetId="0">{cells}</sheetData></sheetDataSet></externalBook></externalLink>'
    )
    path = add_parts(
        workbook(tmp_path / "tautan.xlsx"), {"xl/externalLinks/externalLink1.xml": link}
    )
    (problem,) = scan_xlsx_parts(path)
    assert problem.code == "pii.email" and problem.sheet == "tautan eksternal 1"
    assert problem.count == 4
    assert problem.extra["places"] == ["B1", "B2", "B3", "B4"]
    assert_masked([problem], mails)


# --- hostile parts ---------------------------------------------------------------------------


def test_parts_with_dtd_or_entities_are_refused_not_expanded(tmp_path):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        '<comments xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<commentList><comment ref="A1"><text><t>&lol2;</t></text></comment></commentList></comments>'
    )
    path = add_parts(workbook(tmp_path / "bom.xlsx"), {"xl/comments9.xml": bomb})
    (problem,) = scan_xlsx_parts(path)
    assert problem.code == "pii.unscanned" and problem.severity == Severity.WARNING
    assert problem.extra == {"part": "xl/comments9.xml", "why": "ditolak"}


def test_broken_part_is_reported_and_the_rest_still_scanned(tmp_path):
    r = rng(11)
    niks = [syn.nik(r) for _ in range(3)]
    path = workbook(
        tmp_path / "rusak.xlsx",
        lambda wb, ws: wb.define_name("Daftar", "={" + ",".join(f'"{n}"' for n in niks) + "}"),
    )
    add_parts(path, {"docProps/custom.xml": "<Properties><property name='x'>"})
    codes = by_code(scan_xlsx_parts(path))
    assert codes["pii.unscanned"][0].extra["part"] == "docProps/custom.xml"
    assert codes["pii.nik"][0].sheet == "nama terdefinisi"


def test_parts_over_the_byte_cap_are_cut_and_reported(tmp_path, monkeypatch):
    r = rng(12)
    niks = [syn.nik(r) for _ in range(200)]
    records = [[f'<s v="{n}"/>'] for n in niks]
    path = add_parts(workbook(tmp_path / "besar.xlsx"), pivot_parts([("NIK", [])], records))
    monkeypatch.setattr(xlsx_parts, "PART_CAP", 2000)
    codes = by_code(scan_xlsx_parts(path))
    cut = [p.extra["part"] for p in codes["pii.unscanned"] if p.extra["why"] == "terpotong"]
    assert "xl/pivotCache/pivotCacheRecords1.xml" in cut
    assert codes["pii.nik"][0].column == "NIK"  # what was read before the cap is still checked


def test_pivot_records_stop_once_every_field_has_enough(tmp_path, monkeypatch):
    r = rng(13)
    records = [[f'<s v="{syn.nik(r)}"/>'] for _ in range(50)]
    path = add_parts(workbook(tmp_path / "cukup.xlsx"), pivot_parts([("NIK", [])], records))
    monkeypatch.setattr(xlsx_parts, "FIELD_VALUES", 10)
    (problem,) = scan_xlsx_parts(path)
    assert problem.code == "pii.nik" and problem.count == 10


# --- charts and text boxes -------------------------------------------------------------------


def test_identifiers_in_chart_cache_and_text_box(tmp_path):
    r = rng(14)
    mails = [syn.email(r) for _ in range(3)]
    phone = syn.phone(r, form="dashes")
    points = "".join(f'<c:pt idx="{i}"><c:v>{m}</c:v></c:pt>' for i, m in enumerate(mails))
    chart = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart">'
        "<c:chart><c:plotArea><c:barChart><c:ser><c:cat><c:strRef><c:f>Data!$D$2:$D$4</c:f>"
        f'<c:strCache><c:ptCount val="3"/>{points}</c:strCache></c:strRef></c:cat></c:ser>'
        "</c:barChart></c:plotArea></c:chart></c:chartSpace>"
    )
    path = workbook(
        tmp_path / "grafik.xlsx", lambda wb, ws: ws.insert_textbox("E2", f"No. HP petugas: {phone}")
    )
    add_parts(path, {"xl/charts/chart1.xml": chart})
    problems = scan_xlsx_parts(path)
    codes = by_code(problems)
    assert codes["pii.email"][0].sheet == "grafik 1"
    assert codes["pii.phone"][0].sheet == "kotak teks atau gambar 1"
    assert_masked(problems, [*mails, phone])
