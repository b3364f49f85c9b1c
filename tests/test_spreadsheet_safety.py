"""Formula injection: every CSV and XLSX the portal writes keeps `= + - @` text inert.

CSV text cells get a leading apostrophe; XLSX text cells are typed strings with Excel's
quote prefix (value exact, never a formula, stays text when edited). Numbers stay numbers.
"""

import csv
import io

import openpyxl
import pyarrow as pa
import pytest
from django.urls import reverse

from satudata.lib.spreadsheet import neutralise_arrow, neutralise_formula, neutralise_row
from satudata.stats import indicators, query
from satudata.stats.tests.conftest import published_version
from satudata.stats.tests.test_indicators_cube import GOOD, make_indicator, table

EVIL = ['=HYPERLINK("http://evil","x")', "@SUM(1)", "+1+1", "-2+3"]


@pytest.fixture(autouse=True)
def _fresh(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    indicators.clear_cache()
    query.reset()
    yield
    indicators.clear_cache()
    query.reset()


def read_csv(body: bytes):
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def read_xlsx(body: bytes, sheet=None):
    book = openpyxl.load_workbook(io.BytesIO(body))
    return book[sheet] if sheet else book.worksheets[0]


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_helpers():
    assert [neutralise_formula(v) for v in EVIL] == ["'" + v for v in EVIL]
    assert neutralise_formula("\tx") == "'\tx" and neutralise_formula("\rx") == "'\rx"
    assert neutralise_formula("aman = ya") == "aman = ya"
    assert neutralise_row([-5, 2.5, None, True, "-5", ""]) == [-5, 2.5, None, True, "'-5", ""]
    column = pa.array(["=1", "ok", None, "@x"])
    assert neutralise_arrow(column).to_pylist() == ["'=1", "ok", None, "'@x"]
    numbers = pa.array([-5, 3])
    assert neutralise_arrow(numbers) is numbers


@pytest.fixture
def evil_version(catalog, cast):
    data = "nomor,uraian,nilai\n" + "".join(
        f'{i + 1},"{v.replace(chr(34), chr(34) * 2)}",{-5 + i}\n' for i, v in enumerate(EVIL)
    )
    return published_version(catalog["open"], cast["walidata"], data.encode())


def download(client, version, fmt):
    args = [version.resource.dataset.slug, version.resource_id, version.number, fmt]
    return get(client, reverse("portal:download_format", args=args))


def test_dataset_csv_download_is_neutralised(clients, evil_version):
    rows = read_csv(download(clients["publik"], evil_version, "csv"))
    assert rows[0] == ["nomor", "uraian", "nilai"]
    assert [r[1] for r in rows[1:]] == ["'" + v for v in EVIL]
    assert [r[2] for r in rows[1:]] == ["-5", "-4", "-3", "-2"]  # numbers stay numbers


def test_dataset_xlsx_download_is_neutralised(clients, evil_version):
    sheet = read_xlsx(download(clients["publik"], evil_version, "xlsx"))
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]  # no formula anywhere
    texts = [sheet.cell(row=r, column=2) for r in range(2, 2 + len(EVIL))]
    assert [c.value for c in texts] == EVIL  # the value is exactly what was uploaded …
    assert all(c.data_type == "s" and c.quotePrefix for c in texts)  # … and inert text
    assert not sheet["A2"].quotePrefix and not sheet["B1"].quotePrefix
    numbers = [sheet.cell(row=r, column=3) for r in range(2, 2 + len(EVIL))]
    assert [c.value for c in numbers] == [-5, -4, -3, -2]
    assert all(c.data_type == "n" for c in numbers)


def test_indicator_exports_are_neutralised(clients, catalog, cast):
    labels = {"L": '"=HYPERLINK(""http://evil"",""x"")"', "P": EVIL[1]}  # CSV-quoted
    rows = [(c, y, labels[sex], v) for c, y, sex, v in GOOD]
    version = published_version(catalog["open"], cast["walidata"], table(rows))
    indicator = make_indicator(catalog["open"], version, slug="rumus")
    indicator.unit = "+orang"
    indicator.definition = "=1+1"
    indicator.save()
    base = indicator.get_absolute_url()

    rows = read_csv(get(clients["publik"], f"{base}unduh/csv"))
    header = rows[0]
    breakdown = [r[header.index("jenis_kelamin")] for r in rows[1:]]
    assert set(breakdown) == {"'" + EVIL[0], "'" + EVIL[1], "Total"}
    assert {r[-1] for r in rows[1:]} == {"'+orang"}
    assert not [c for r in rows for c in r if c.startswith(("=", "+", "-", "@")) and not _number(c)]

    sdmx = read_csv(get(clients["publik"], f"{base}unduh/sdmx-csv"))
    assert {r[-1] for r in sdmx[1:]} == {"'+orang"}

    book = openpyxl.load_workbook(io.BytesIO(get(clients["publik"], f"{base}unduh/xlsx")))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    risky = [c for c in cells if isinstance(c.value, str) and c.value[:1] and c.value[0] in "=+-@"]
    assert {c.value for c in risky} >= {EVIL[0], EVIL[1], "=1+1"}
    assert all(c.data_type == "s" and c.quotePrefix for c in risky)
    values = [c for c in book["data"]["E"][1:]]  # nilai
    assert all(c.data_type == "n" for c in values)


def _number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_the_problem_report_keeps_uploaded_formulas_inert(catalog, cast):
    from satudata.catalog.models import Resource
    from satudata.ingest.actions import ingest_now
    from satudata.lib import filestore

    resource = Resource.objects.create(dataset=catalog["open"], name="Tabel salah")
    resource.schema = {
        "fields": [
            {"name": "kode_wilayah", "type": "string"},
            {"name": "jumlah", "type": "integer"},
        ]
    }
    resource.save()
    data = 'kode_wilayah,jumlah\n53.10,"=HYPERLINK(""http://evil"",""x"")"\n53.01,5\n@SUM(1),7\n'
    run = ingest_now(resource, data.encode(), "salah.csv", actor=cast["walidata"])
    assert run.report_key
    with filestore.open_file(run.report_key) as handle:
        book = openpyxl.load_workbook(io.BytesIO(handle.read()))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    risky = [c for c in cells if isinstance(c.value, str) and c.value[:1] and c.value[0] in "=+-@"]
    assert {c.value for c in risky} >= {'=HYPERLINK("http://evil","x")'}
    assert all(c.quotePrefix for c in risky)
