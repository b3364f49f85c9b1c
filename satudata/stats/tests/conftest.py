import pytest
from django.utils import timezone

from satudata.catalog.models import Resource
from satudata.ingest.actions import ingest_now
from satudata.stats import query

HEADER = "kode_wilayah,tahun,kategori,nilai\n"
ROWS = [
    ("53.01", 2020, "Laki-laki", 10.0),
    ("53.01", 2021, "Perempuan", 20.0),
    ("53.10", 2020, "Laki-laki", 5.5),
    ("53.10", 2021, "O'Brien\"; DROP TABLE x; --", 7.0),
    ("53.71", 2020, "Perempuan", 100.0),
    ("53.71", 2021, "Laki-laki", None),
]


def table_csv(rows=ROWS):
    lines = [HEADER]
    for code, year, category, value in rows:
        category = '"' + category.replace('"', '""') + '"'
        lines.append(f"{code},{year},{category},{'' if value is None else value}\n")
    return "".join(lines).encode()


def published_version(dataset, actor, data=None, name="tabel.csv"):
    resource = Resource.objects.create(dataset=dataset, name="Tabel uji kueri")
    run = ingest_now(resource, data or table_csv(), name, actor=actor, published_at=timezone.now())
    assert run.version is not None, run.status
    return run.version


@pytest.fixture(autouse=True)
def _fresh_engine():
    query.reset()
    yield
    query.reset()


@pytest.fixture
def version(catalog, cast):
    return published_version(catalog["open"], cast["walidata"])
