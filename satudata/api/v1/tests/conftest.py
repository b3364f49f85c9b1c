import pytest

from satudata.stats import query
from satudata.stats.tests.conftest import published_version


@pytest.fixture(autouse=True)
def _fresh_engine():
    from satudata.api.v1 import endpoints

    query.reset()
    endpoints._versions.clear()
    yield
    query.reset()
    endpoints._versions.clear()


@pytest.fixture
def tables(catalog, cast):
    """A queryable published version in the open, restricted and closed datasets of OPD A."""
    from conftest import CANARY_CLOSED, CANARY_RESTRICTED

    def data(canary):
        return (
            f"kode_wilayah,tahun,kolom_{canary},nilai\n53.01,2020,{canary},1\n53.10,2021,{canary},2\n"
        ).encode()

    return {
        "open": published_version(catalog["open"], cast["walidata"]),
        "restricted": published_version(
            catalog["restricted"], cast["walidata"], data(CANARY_RESTRICTED)
        ),
        "closed": published_version(catalog["closed"], cast["walidata"], data(CANARY_CLOSED)),
    }
