"""`satudata demo`: the synthetic NTT demo, loaded once per module (regions take a few seconds)."""

import csv
import hashlib
import io
import re
import stat
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from satudata.accounts.constants import Role
from satudata.accounts.models import Membership, Organization, User
from satudata.audit.models import AuditEvent
from satudata.catalog.constants import (
    MS_IND_FIELDS,
    MS_KEG_FIELDS,
    MS_VAR_FIELDS,
    Access,
    ResourceKind,
    State,
)
from satudata.catalog.models import Dataset, Resource, ResourceVersion, Tag, Topic
from satudata.catalog.search import search_datasets
from satudata.lib import filestore
from satudata.portal import demo as demo_module
from satudata.regions.constants import Level
from satudata.regions.models import Region

PASSWORD = "sandi-demo-uji-2024"
USERNAMES = [a.username for a in demo_module.ACCOUNTS]


def remove_demo(*, keep_regions):
    """Undo the module's load so the other test modules find an empty database."""
    from satudata.planning.models import DataPlan
    from satudata.stats.models import Indicator

    AuditEvent.objects.all().delete()  # the test database only: the trail is append-only elsewhere
    # what the demo builds on its datasets (indicators, Daftar Data) goes first
    Indicator.components.through.objects.all().delete()
    Indicator.objects.all().delete()
    DataPlan.objects.all().delete()
    Dataset.objects.filter(is_demo=True).delete()
    from satudata.signing.models import SigningKey

    SigningKey.objects.all().delete()  # the key the load signed with (its releases went with the datasets)
    Membership.objects.filter(user__username__in=USERNAMES).delete()
    User.objects.filter(username__in=USERNAMES).delete()
    Organization.objects.filter(slug__in=[o.slug for o in demo_module.ORGANIZATIONS]).delete()
    Topic.objects.filter(slug__in=[t[0] for t in demo_module.TOPICS]).delete()
    Tag.objects.filter(datasets__isnull=True).delete()
    if not keep_regions:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {Region._meta.db_table}")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    dirs = {"FILE_STORE_DIR": root / "files", "VAR_DIR": root / "var"}
    with override_settings(**dirs):
        with django_db_blocker.unblock():
            had_regions = Region.objects.exists()
            out = io.StringIO()
            call_command("demo", password=PASSWORD, stdout=out)
        try:
            yield SimpleNamespace(
                output=out.getvalue(), files=dirs["FILE_STORE_DIR"], var=dirs["VAR_DIR"]
            )
        finally:
            with django_db_blocker.unblock():
                remove_demo(keep_regions=had_regions)


@pytest.fixture(autouse=True)
def _file_store(settings, demo):
    # Replaces conftest's per-test file store: these tests read what the module's load wrote.
    settings.FILE_STORE_DIR = demo.files
    settings.VAR_DIR = demo.var


def demo_datasets():
    return Dataset.objects.filter(is_demo=True)


def read_table(dataset):
    resource = dataset.resources.get(kind=ResourceKind.TABLE)
    with filestore.open_file(resource.latest_version.file_key) as raw:
        return list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8", newline="")))


def snapshot():
    return {
        model.__name__: model.objects.count()
        for model in (
            Region,
            Organization,
            Topic,
            Tag,
            Dataset,
            Resource,
            ResourceVersion,
            User,
            Membership,
        )
    }


@pytest.mark.django_db
def test_it_loads_the_region_reference_when_empty(demo):
    assert Region.objects.get(code="53").name == "Nusa Tenggara Timur"
    assert Region.objects.regencies_of("53").count() == 22
    assert "Referensi kode wilayah dimuat" in demo.output


@pytest.mark.django_db
def test_it_creates_the_ntt_opds_under_their_real_names():
    organizations = Organization.objects.filter(
        slug__in=[o.slug for o in demo_module.ORGANIZATIONS]
    )
    assert organizations.count() >= 12
    names = set(organizations.values_list("name", flat=True))
    assert {
        "Dinas Kesehatan",
        "Dinas Sosial",
        "Dinas Kependudukan dan Pencatatan Sipil",
        "Badan Perencanaan Pembangunan, Riset dan Inovasi Daerah",
        "Dinas Komunikasi dan Informatika",
    } <= names
    assert all(o.region_id == "53" and o.short_name for o in organizations)


@pytest.mark.django_db
def test_it_spreads_the_datasets_over_at_least_eight_topics():
    assert Topic.objects.filter(datasets__is_demo=True).distinct().count() >= 8
    assert all(t.description for t in Topic.objects.all())


@pytest.mark.django_db
def test_it_publishes_at_least_thirty_synthetic_datasets():
    published = demo_datasets().filter(state=State.PUBLISHED)
    assert published.count() >= 30
    assert not Dataset.objects.filter(is_demo=False).exists()
    for dataset in demo_datasets():
        assert re.fullmatch(r"[a-z0-9-]{2,100}", dataset.slug)
        assert demo_module.NOTE in dataset.description
        assert dataset.source == demo_module.SOURCE
        assert dataset.spatial_coverage_id == "53"
        assert dataset.contact_email.endswith("@example.org")
        assert dataset.temporal_start <= dataset.temporal_end
        assert 1 <= dataset.topics.count() <= 2
        assert dataset.tags.exists()
        assert (dataset.published_at is not None) == (dataset.state == State.PUBLISHED)


@pytest.mark.django_db
def test_it_includes_priority_restricted_closed_and_draft_datasets():
    datasets = demo_datasets()
    assert datasets.filter(is_priority=True).count() >= 3
    assert datasets.filter(access=Access.RESTRICTED, state=State.PUBLISHED).count() >= 3
    assert datasets.filter(access=Access.CLOSED, state=State.PUBLISHED).count() >= 3
    assert datasets.filter(state=State.DRAFT).count() >= 1
    assert datasets.filter(title="Persentase Penduduk Miskin Menurut Kabupaten/Kota").exists()


@pytest.mark.django_db
def test_it_finds_the_poverty_table_by_kemiskinan():
    result = search_datasets(None, "kemiskinan")
    assert [d.slug for d in result.queryset][0] == "persentase-penduduk-miskin"


@pytest.mark.django_db
def test_it_gives_every_role_an_account(demo):
    for role in Role:
        assert Membership.objects.filter(role=role, user__username__in=USERNAMES).exists(), role
    dinkes = Organization.objects.get(slug="dinas-kesehatan")
    assert User.objects.get(username="produsen.dinkes").organization_ids() == {dinkes.id}
    assert User.objects.get(username="pendukung.dinkes").has_role(Role.SUPPORT_STEWARD)
    assert User.objects.get(username="produsen.dinsos").organization_ids() == {
        Organization.objects.get(slug="dinas-sosial").id
    }
    assert Membership.objects.get(user__username="walidata").organization is None
    assert User.objects.get(username="admin").is_staff
    assert all(u.check_password(PASSWORD) for u in User.objects.filter(username__in=USERNAMES))


@pytest.mark.django_db
def test_it_keeps_the_passwords_for_make_run(demo):
    path = demo.var / demo_module.ACCOUNTS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert demo_module.read_passwords() == {name: PASSWORD for name in USERNAMES}
    assert "produsen.dinkes" in demo.output and PASSWORD in demo.output
    assert "/masuk/" in demo.output


@pytest.mark.django_db
def test_it_stores_a_table_with_a_schema_for_every_dataset():
    for dataset in demo_datasets():
        table = dataset.resources.get(kind=ResourceKind.TABLE)
        version = table.latest_version
        assert filestore.exists(version.file_key), dataset.slug
        assert version.format == "CSV" and version.row_count > 0
        assert version.created_by is not None
        fields = version.schema["fields"]
        assert [f["name"] for f in fields[:4]] == [
            "kode_provinsi",
            "nama_provinsi",
            "kode_kabupaten_kota",
            "nama_kabupaten_kota",
        ]
        # The demo's contract (title, description) merged with what ingestion inferred.
        assert (
            fields[-1].items()
            >= {
                "name": "tahun",
                "title": "Tahun",
                "type": "year",
                "description": "Tahun data.",
                "satudata:role": "period",
            }.items()
        )
        measure = next(f for f in fields if f["type"] in ("integer", "number"))
        assert (
            {"definition", "unit", "measure"}
            <= set(measure)
            <= {"name", "title", "type", "description", "constraints", "satudata:role"}
            | set(MS_VAR_FIELDS)
        )


@pytest.mark.django_db
def test_it_writes_kemendagri_codes_as_text_with_the_region_names():
    rows = read_table(Dataset.objects.get(slug="indeks-pembangunan-manusia"))
    regencies = {r.code: r.name for r in Region.objects.regencies_of("53")}
    assert {row["kode_kabupaten_kota"] for row in rows} == set(regencies)
    assert "53.10" in {row["kode_kabupaten_kota"] for row in rows}
    assert all(regencies[row["kode_kabupaten_kota"]] == row["nama_kabupaten_kota"] for row in rows)
    assert {row["kode_provinsi"] for row in rows} == {"53"}
    assert {row["tahun"] for row in rows} == {str(y) for y in range(2019, 2025)}
    assert all(58 <= float(row["ipm"]) <= 85 for row in rows)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "slug,column,low,high",
    [
        ("persentase-penduduk-miskin", "persentase_penduduk_miskin", 5, 40),
        ("prevalensi-balita-stunting", "prevalensi_stunting", 10, 50),
        ("tingkat-pengangguran-terbuka", "tingkat_pengangguran_terbuka", 0.5, 12),
    ],
)
def test_it_keeps_values_in_a_plausible_range(slug, column, low, high):
    values = [float(row[column]) for row in read_table(Dataset.objects.get(slug=slug))]
    assert low <= min(values) and max(values) <= high


@pytest.mark.django_db
def test_it_goes_down_to_kecamatan_for_one_restricted_table():
    dataset = demo_datasets().get(spatial_level=Level.DISTRICT)
    assert dataset.access == Access.RESTRICTED
    rows = read_table(dataset)
    assert all(row["kode_kecamatan"].startswith(row["kode_kabupaten_kota"] + ".") for row in rows)


@pytest.mark.django_db
def test_it_generates_the_same_table_every_time():
    spec = next(s for s in demo_module.SPECS if s.slug == "produksi-padi")
    province = Region.objects.get(code="53")
    regencies = list(Region.objects.regencies_of("53"))
    villages = {r.code: 100 for r in regencies}
    first = demo_module.table(spec, province, regencies, [], villages)
    second = demo_module.table(spec, province, regencies, [], villages)
    assert demo_module.to_csv(*first[1::-1]) == demo_module.to_csv(*second[1::-1])
    stored = Dataset.objects.get(slug="produksi-padi").resources.get().latest_version
    assert stored.sha256 == hashlib.sha256(demo_module.to_csv(first[1], first[0])).hexdigest()


@pytest.mark.django_db
def test_it_shows_a_correction_in_the_version_history():
    corrected = Resource.objects.filter(dataset__is_demo=True, versions__number=2).distinct()
    assert corrected.count() >= 2
    for resource in corrected:
        first, second = sorted(resource.versions.all(), key=lambda v: v.number)
        assert first.sha256 != second.sha256
        assert first.created_at < second.created_at
        assert first.row_count == second.row_count


@pytest.mark.django_db
def test_it_attaches_a_small_valid_pdf_to_some_datasets():
    documents = ResourceVersion.objects.filter(
        resource__kind=ResourceKind.DOCUMENT, resource__dataset__is_demo=True
    )
    assert documents.exists()
    for version in documents:
        assert version.format == "PDF"
        data = filestore.open_file(version.file_key).read()
        assert data.startswith(b"%PDF-1.4") and data.rstrip().endswith(b"%%EOF")
        xref = int(re.search(rb"startxref\n(\d+)", data).group(1))
        assert data[xref : xref + 4] == b"xref"


@pytest.mark.django_db
def test_it_fills_bps_metadata_with_known_keys():
    with_indicator = demo_datasets().exclude(indicator_metadata={})
    with_activity = demo_datasets().exclude(activity_metadata={})
    assert with_indicator.count() >= 3 and with_activity.count() >= 3
    assert all(set(d.indicator_metadata) <= set(MS_IND_FIELDS) for d in with_indicator)
    assert all(set(d.activity_metadata) <= set(MS_KEG_FIELDS) for d in with_activity)


@pytest.mark.django_db
def test_it_shows_the_public_only_open_published_data():
    visible = demo_datasets().visible_to(AnonymousUser())
    assert set(visible.values_list("access", "state").distinct()) == {
        (Access.OPEN, State.PUBLISHED)
    }
    other_opd = User.objects.get(username="produsen.dinsos")
    closed_of_dinkes = demo_datasets().filter(
        organization__slug="dinas-kesehatan", access=Access.CLOSED
    )
    assert closed_of_dinkes.exists()
    assert not demo_datasets().visible_to(other_opd).filter(pk__in=closed_of_dinkes).exists()


@pytest.mark.django_db
def test_every_published_demo_version_has_a_verified_signed_manifest():
    from satudata.signing.actions import check_release
    from satudata.signing.manifest import listed_file

    published = ResourceVersion.objects.filter(
        resource__dataset__is_demo=True, published_at__isnull=False
    ).select_related("release")
    assert published.exists()
    for version in published:
        manifest = check_release(version.release)  # raises when missing or not verifying
        assert listed_file(manifest, version.sha256) is not None
        assert manifest["version"] == version.number


@pytest.mark.django_db
def test_it_changes_nothing_on_a_second_run(demo):
    before = snapshot()
    passwords = (demo.var / demo_module.ACCOUNTS_FILE).read_text()
    out = io.StringIO()
    call_command("demo", stdout=out)
    assert snapshot() == before
    assert (demo.var / demo_module.ACCOUNTS_FILE).read_text() == passwords
    assert "tidak ada yang diubah" in out.getvalue()
    assert PASSWORD in out.getvalue()


@pytest.mark.django_db
def test_it_resets_every_demo_password_when_asked(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("demo", password="sandi-baru-yang-panjang", stdout=io.StringIO())
    assert all(
        u.check_password("sandi-baru-yang-panjang")
        for u in User.objects.filter(username__in=USERNAMES)
    )
    assert set(demo_module.read_passwords().values()) == {"sandi-baru-yang-panjang"}


@pytest.mark.django_db
def test_it_refuses_a_region_reference_without_all_of_ntt():
    with connection.cursor() as cursor:  # rolled back with the test
        cursor.execute(f"DELETE FROM {Region._meta.db_table} WHERE code = '53.20'")
    with pytest.raises(CommandError, match=r"53\.20"):
        call_command("demo", stdout=io.StringIO())
