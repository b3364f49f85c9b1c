import pytest

from conftest import client_for, make_user
from satudata.accounts.constants import Role
from satudata.catalog.actions import add_version
from satudata.catalog.models import ResourceVersion

TABLE = b"kode_wilayah,tahun,jumlah\n53.01,2023,120\n53.10,2023,95\n53.71,2023,210\n"


@pytest.fixture
def support(cast, opd_a):
    """The Walidata Pendukung of OPD A (the default cast has none)."""
    user = make_user("pendukung_a", Role.SUPPORT_STEWARD, opd_a)
    cast["pendukung_a"] = user
    return user


@pytest.fixture
def people(cast, clients, support):
    """The cast with a Walidata Pendukung of OPD A and their clients."""
    clients["pendukung_a"] = client_for(support)
    return cast


def new_version(dataset, actor, data=TABLE, pii=()):
    """A processed, unpublished version uploaded by `actor` (pii: error-severity findings)."""
    version = add_version(dataset.resources.get(), data, "data.csv", actor=actor)
    if pii:
        findings = [
            {"column": c, "sheet": "", "code": "pii.nik", "severity": "error", "message": "NIK"}
            for c in pii
        ]
        # A version is immutable through save(); the guard's findings are set here as ingestion would.
        ResourceVersion.objects.filter(pk=version.pk).update(pii_findings=findings)
        version.refresh_from_db()
    return version
