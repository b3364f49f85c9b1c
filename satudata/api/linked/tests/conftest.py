import pytest

from conftest import CANARY_CLOSED, CANARY_DRAFT, CANARY_RESTRICTED

CANARIES = (CANARY_RESTRICTED, CANARY_CLOSED, CANARY_DRAFT)
# The public datasets of the `catalog` fixture.
PUBLIC_SLUGS = {"persentase-penduduk-miskin", "jumlah-penerima-bansos"}
HIDDEN_SLUGS = {"rekap-terbatas", "rekap-tertutup", "draf-baru"}


def body_of(response):
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def assert_no_canary(text):
    leaked = [c for c in CANARIES if c in text]
    assert not leaked, f"non-public data leaked: {leaked}"
    leaked = [s for s in HIDDEN_SLUGS if s in text]
    assert not leaked, f"non-public datasets listed: {leaked}"


@pytest.fixture
def site(settings):
    settings.SITE_URL = "https://data.example.go.id"
    return settings.SITE_URL
