"""The fixed cast of the tests and a small catalog they act on.

Cast: Walidata, Produsen of OPD A, Produsen of OPD B, Pembina, Pimpinan, Publik
(anonymous), Admin. OPD A owns one dataset of each access class plus a draft; every
non-public title, tag, column name and cell carries a canary token so a test can prove
it never reaches someone who may not see it.
"""

import base64
import os

import pytest
from django.test import Client

from satudata.accounts.constants import Role
from satudata.accounts.models import Membership, Organization, User
from satudata.catalog.actions import add_version, refresh_search_document
from satudata.catalog.constants import Access, ResourceKind, State
from satudata.catalog.models import Dataset, Resource, Tag, Topic
from satudata.regions.models import Region

CANARY_RESTRICTED = "kanaritbts7q"
CANARY_CLOSED = "kanarittp9z"
CANARY_DRAFT = "kanaridrf4x"
PASSWORD = "kata-sandi-uji-123"


@pytest.fixture(autouse=True)
def _file_store(settings, tmp_path):
    settings.FILE_STORE_DIR = tmp_path / "files"
    # A fresh master key per test (encryption at rest), never the developer's var/master.key.
    settings.MASTER_KEY = base64.b64encode(os.urandom(32)).decode()
    # A fresh release-signing key per test, never the checkout's var/signing.key.
    settings.SIGNING_KEY_FILE = str(tmp_path / "signing.key")
    # Never append test events to the developer's var/audit-witness.log.
    settings.AUDIT_WITNESS_FILE = str(tmp_path / "audit-witness.log")
    # Argon2 is slow on purpose; the tests create hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _second_factor_verified(monkeypatch):
    """force_login() stands for a complete sign-in, second factor included: mark the session
    verified, as /masuk/kode/ does (satudata/accounts/tests use ClientMixin.force_login for
    a password-only session)."""
    from django.test.client import ClientMixin

    from satudata.accounts.twofactor import mark_verified

    def force_login(self, user, backend=None):
        ClientMixin.force_login(self, user, backend)
        session = self.session
        mark_verified(session)
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture
def regions(db):
    """The province and three of its kab/kota (the full load is tested in regions/tests)."""
    province = Region.objects.create(code="53", name="Nusa Tenggara Timur", level=1, bps_code="53")
    Region.objects.create(
        code="53.01", name="Kabupaten Kupang", level=2, parent=province, bps_code="5303"
    )
    Region.objects.create(
        code="53.10", name="Kabupaten Manggarai", level=2, parent=province, bps_code="5313"
    )
    Region.objects.create(
        code="53.71", name="Kota Kupang", level=2, parent=province, bps_code="5371"
    )
    return province


@pytest.fixture
def opd_a(regions):
    return Organization.objects.create(
        slug="dinas-kesehatan", name="Dinas Kesehatan", short_name="Dinkes", region=regions
    )


@pytest.fixture
def opd_b(regions):
    return Organization.objects.create(
        slug="dinas-sosial", name="Dinas Sosial", short_name="Dinsos", region=regions
    )


def make_user(username, role=None, organization=None):
    user = User.objects.create_user(username, password=PASSWORD, full_name=username.title())
    if role:
        Membership.objects.create(user=user, role=role, organization=organization)
    return user


@pytest.fixture
def cast(opd_a, opd_b):
    """Users by role name; 'publik' is None (anonymous)."""
    return {
        "walidata": make_user("walidata", Role.STEWARD),
        "produsen_a": make_user("produsen_a", Role.PRODUCER, opd_a),
        "produsen_b": make_user("produsen_b", Role.PRODUCER, opd_b),
        "pembina": make_user("pembina", Role.SUPERVISOR),
        "pimpinan": make_user("pimpinan", Role.LEADER),
        "admin": make_user("admin", Role.ADMIN),
        "publik": None,
    }


def client_for(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def clients(cast):
    return {name: client_for(user) for name, user in cast.items()}


def make_dataset(
    organization,
    slug,
    title,
    *,
    access=Access.OPEN,
    state=State.PUBLISHED,
    topic=None,
    tags=(),
    description="",
    columns=("kode_wilayah", "nilai"),
    rows=(("53.10", "12,5"),),
    years=(2020, 2023),
    actor=None,
):
    from django.utils import timezone

    dataset = Dataset.objects.create(
        organization=organization,
        slug=slug,
        title=title,
        description=description,
        access=access,
        state=state,
        temporal_start=years[0],
        temporal_end=years[1],
        spatial_coverage_id="53",
        published_at=timezone.now() if state == State.PUBLISHED else None,
    )
    if topic:
        dataset.topics.add(topic)
    for name in tags:
        dataset.tags.add(Tag.objects.get_or_create(name=name)[0])
    resource = Resource.objects.create(
        dataset=dataset, name=f"Tabel {title}", kind=ResourceKind.TABLE
    )
    lines = [",".join(columns)] + [",".join(f'"{c}"' for c in row) for row in rows]
    add_version(
        resource, ("\n".join(lines) + "\n").encode(), f"{slug}.csv", actor=actor, published=True
    )
    refresh_search_document(dataset)
    return dataset


@pytest.fixture
def topic(db):
    return Topic.objects.create(slug="kesehatan", name="Kesehatan")


@pytest.fixture
def catalog(cast, opd_a, opd_b, topic):
    """Datasets of OPD A: open, restricted, closed, draft; and one open dataset of OPD B."""
    poverty = Topic.objects.create(slug="kemiskinan", name="Kemiskinan")
    return {
        "open": make_dataset(
            opd_a,
            "persentase-penduduk-miskin",
            "Persentase Penduduk Miskin",
            topic=poverty,
            tags=["sosial"],
            description="Persentase penduduk di bawah garis batas per kabupaten/kota.",
        ),
        "restricted": make_dataset(
            opd_a,
            "rekap-terbatas",
            f"Rekap Gizi {CANARY_RESTRICTED}",
            access=Access.RESTRICTED,
            topic=topic,
            tags=[CANARY_RESTRICTED],
            description=f"Uraian {CANARY_RESTRICTED}",
            columns=("kode_wilayah", f"kolom_{CANARY_RESTRICTED}"),
            rows=(("53.10", CANARY_RESTRICTED),),
            years=(2015, 2016),
        ),
        "closed": make_dataset(
            opd_a,
            "rekap-tertutup",
            f"Rekap Kasus {CANARY_CLOSED}",
            access=Access.CLOSED,
            topic=topic,
            tags=[CANARY_CLOSED],
            description=f"Uraian {CANARY_CLOSED}",
            columns=("kode_wilayah", f"kolom_{CANARY_CLOSED}"),
            rows=(("53.71", CANARY_CLOSED),),
            years=(2011, 2012),
        ),
        "draft": make_dataset(
            opd_a,
            "draf-baru",
            f"Draf {CANARY_DRAFT}",
            state=State.DRAFT,
            topic=topic,
            tags=[CANARY_DRAFT],
            description=f"Uraian {CANARY_DRAFT}",
            years=(2008, 2008),
        ),
        "other_opd": make_dataset(
            opd_b,
            "jumlah-penerima-bansos",
            "Jumlah Penerima Bantuan Sosial",
            topic=poverty,
            description="Penerima bantuan sosial per kabupaten/kota.",
            columns=("kode_wilayah", "keluarga_sasaran"),
            rows=(("53.01", "1200"),),
        ),
    }
