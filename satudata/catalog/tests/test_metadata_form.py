"""Creating a dataset and editing its metadata from /kelola/, with its audit trail."""

import pytest
from django.urls import reverse

from satudata.audit.models import AuditEvent
from satudata.catalog.constants import Access, State
from satudata.catalog.models import Dataset
from satudata.catalog.search import search_datasets

CREATE = reverse("catalog_manage:create")


def change_url(dataset):
    return reverse("catalog_manage:change", args=[dataset.slug])


def form_data(dataset=None, **overrides):
    """A complete POST body: the dataset's current values, or a new dataset's."""
    data = {
        "title": "Jumlah Puskesmas",
        "description": "Jumlah puskesmas per kabupaten/kota.",
        "license": "CC-BY-4.0",
        "update_frequency": "tahunan",
        "temporal_start": "2020",
        "temporal_end": "2023",
        "spatial_code": "53",
        "spatial_level": "",
        "access": Access.OPEN,
        "contact_name": "",
        "contact_email": "",
        "source": "",
        "unit": "",
        "measure": "",
        "tags_text": "",
    }
    if dataset is not None:
        data.update(
            title=dataset.title,
            description=dataset.description,
            license=dataset.license,
            update_frequency=dataset.update_frequency,
            temporal_start=dataset.temporal_start or "",
            temporal_end=dataset.temporal_end or "",
            spatial_code=dataset.spatial_coverage_id or "",
            access=dataset.access,
            tags_text=", ".join(t.name for t in dataset.tags.all()),
            topics=[t.pk for t in dataset.topics.all()],
        )
        for key, value in dataset.indicator_metadata.items():
            data[f"ind_{key}"] = value
        for key, value in dataset.activity_metadata.items():
            data[f"keg_{key}"] = value
    data.update(overrides)
    return data


def test_a_produsen_creates_a_draft_for_their_opd(clients, catalog, opd_a, topic, cast):
    response = clients["produsen_a"].post(
        CREATE,
        form_data(
            organization=opd_a.pk,
            topics=[topic.pk],
            tags_text="puskesmas, Fasilitas Kesehatan, puskesmas",
            ind_definition="Banyaknya puskesmas yang beroperasi.",
            keg_title="Pendataan Fasilitas Kesehatan",
            is_priority="on",  # ignored: only the Walidata designates Data Prioritas
        ),
    )
    assert response.status_code == 302
    dataset = Dataset.objects.get(slug="jumlah-puskesmas")
    assert response["Location"] == change_url(dataset)
    assert dataset.state == State.DRAFT
    assert dataset.organization == opd_a
    assert dataset.is_priority is False
    assert sorted(t.name for t in dataset.tags.all()) == ["Fasilitas Kesehatan", "puskesmas"]
    assert dataset.indicator_metadata == {"definition": "Banyaknya puskesmas yang beroperasi."}
    assert dataset.activity_metadata == {"title": "Pendataan Fasilitas Kesehatan"}
    assert dataset.spatial_coverage_id == "53"
    event = AuditEvent.objects.get(action="dataset.create", target_id=str(dataset.pk))
    assert event.actor == cast["produsen_a"]
    assert event.after["tags"] == ["Fasilitas Kesehatan", "puskesmas"]
    # Searchable by its owner at once, invisible to the public (a draft).
    assert dataset in search_datasets(cast["produsen_a"], "puskesmas").queryset
    assert dataset not in search_datasets(None, "puskesmas").queryset


def test_a_produsen_cannot_create_for_another_opd(clients, catalog, opd_b):
    response = clients["produsen_a"].post(CREATE, form_data(organization=opd_b.pk))
    assert response.status_code == 400
    assert not Dataset.objects.filter(slug="jumlah-puskesmas").exists()


def test_the_walidata_creates_for_any_opd(clients, catalog, opd_b):
    response = clients["walidata"].post(
        CREATE, form_data(organization=opd_b.pk, slug="puskesmas-ntt", is_priority="on")
    )
    assert response.status_code == 302
    dataset = Dataset.objects.get(slug="puskesmas-ntt")
    assert dataset.organization == opd_b and dataset.is_priority


@pytest.mark.parametrize("name,status", [("publik", 404), ("pimpinan", 404), ("pembina", 404)])
def test_who_may_not_create_gets_404(clients, catalog, name, status):
    assert clients[name].get(CREATE).status_code == status
    assert clients[name].post(CREATE, form_data()).status_code == status
    assert not Dataset.objects.filter(slug="jumlah-puskesmas").exists()


def test_errors_are_explained_in_indonesian(clients, catalog, opd_a):
    response = clients["produsen_a"].post(
        CREATE,
        form_data(
            organization=opd_a.pk,
            title=" ",
            slug="Persentase Penduduk!",
            temporal_start="2024",
            temporal_end="2020",
            spatial_code="99.99",
            contact_email="bukan-surel",
        ),
    )
    assert response.status_code == 400
    page = response.content.decode()
    for message in (
        "Judul wajib diisi.",
        "Gunakan 2–100 huruf kecil",
        "Tahun akhir tidak boleh sebelum tahun awal.",
        "Kode wilayah 99.99 tidak dikenal",
        "Alamat surel tidak sah.",
    ):
        assert message in page
    # A slug already taken is refused too.
    taken = clients["produsen_a"].post(
        CREATE, form_data(organization=opd_a.pk, slug=catalog["open"].slug)
    )
    assert "Slug ini sudah dipakai" in taken.content.decode()
    assert Dataset.objects.count() == len(catalog)


def test_a_slug_is_made_unique_from_the_title(clients, catalog, opd_a):
    clients["produsen_a"].post(
        CREATE, form_data(organization=opd_a.pk, title="Persentase Penduduk Miskin")
    )
    assert Dataset.objects.filter(slug="persentase-penduduk-miskin-2").exists()


def test_an_edit_is_audited_with_only_the_changed_fields(clients, catalog, cast):
    dataset = catalog["draft"]
    response = clients["produsen_a"].post(
        change_url(dataset),
        form_data(dataset, title="Draf Dibaharui", tags_text="gizi", ind_unit="persen"),
    )
    assert response.status_code == 302
    dataset.refresh_from_db()
    assert dataset.title == "Draf Dibaharui"
    assert dataset.indicator_metadata == {"unit": "persen"}
    event = AuditEvent.objects.get(action="dataset.change", target_id=str(dataset.pk))
    assert set(event.after) == {"title", "tags", "indicator_metadata"}
    assert event.before["title"].startswith("Draf ") and event.after["title"] == "Draf Dibaharui"
    assert event.after["tags"] == ["gizi"]
    assert event.actor == cast["produsen_a"]
    assert "dibaharui" in dataset.search_document or "baharu" in dataset.search_document
    assert not AuditEvent.objects.filter(action="dataset.classification").exists()
    # Saving again without a change records nothing.
    clients["produsen_a"].post(change_url(dataset), form_data(dataset))
    assert AuditEvent.objects.filter(action="dataset.change").count() == 1


def test_unknown_metadata_keys_are_kept(clients, catalog):
    dataset = catalog["draft"]
    Dataset.objects.filter(pk=dataset.pk).update(
        indicator_metadata={"romantik_id": "X1", "unit": "persen"}
    )
    dataset.refresh_from_db()
    clients["produsen_a"].post(change_url(dataset), form_data(dataset, ind_unit="jiwa"))
    dataset.refresh_from_db()
    assert dataset.indicator_metadata == {"romantik_id": "X1", "unit": "jiwa"}


@pytest.mark.parametrize(
    "name,key,status",
    [
        ("produsen_b", "draft", 404),
        ("produsen_b", "closed", 404),
        ("produsen_b", "open", 403),
        ("pimpinan", "restricted", 403),
        ("publik", "open", 403),
        ("publik", "draft", 404),
    ],
)
def test_who_may_not_change_gets_404_or_403_and_nothing_changes(
    clients, catalog, name, key, status
):
    dataset = catalog[key]
    client = clients[name]
    assert client.get(change_url(dataset)).status_code == status
    assert (
        client.post(change_url(dataset), form_data(dataset, title="Diretas")).status_code == status
    )
    dataset.refresh_from_db()
    assert dataset.title != "Diretas"
    assert not AuditEvent.objects.filter(action__startswith="dataset.").exists()


def test_the_walidata_edits_any_opd(clients, catalog):
    dataset = catalog["other_opd"]
    assert (
        clients["walidata"]
        .post(change_url(dataset), form_data(dataset, unit="keluarga"))
        .status_code
        == 302
    )
    dataset.refresh_from_db()
    assert dataset.unit == "keluarga"


def test_tightening_the_classification_is_audited_with_a_reason(clients, catalog, cast):
    dataset = catalog["open"]
    refused = clients["walidata"].post(
        change_url(dataset), form_data(dataset, access=Access.CLOSED)
    )
    assert refused.status_code == 400
    assert "Tuliskan alasan perubahan klasifikasi akses." in refused.content.decode()
    response = clients["walidata"].post(
        change_url(dataset),
        form_data(dataset, access=Access.CLOSED, access_reason="Memuat data per desa."),
    )
    assert response.status_code == 302
    dataset.refresh_from_db()
    assert dataset.access == Access.CLOSED
    event = AuditEvent.objects.get(action="dataset.classification")
    assert (event.before, event.after) == ({"access": "open"}, {"access": "closed"})
    assert event.reason == "Memuat data per desa."
    assert event.actor == cast["walidata"]
    # The classification is not repeated in a dataset.change event.
    assert not AuditEvent.objects.filter(action="dataset.change").exists()


@pytest.mark.parametrize("key", ["restricted", "closed"])
def test_a_produsen_cannot_make_a_dataset_open(clients, catalog, key):
    dataset = catalog[key]
    response = clients["produsen_a"].post(
        change_url(dataset),
        form_data(dataset, access=Access.OPEN, access_reason="Sudah dianonimkan.", title="Baru"),
        follow=True,
    )
    # The posted class is ignored (with a message); the other fields are saved.
    assert "nilai yang dikirim diabaikan" in response.content.decode()
    dataset.refresh_from_db()
    assert dataset.access == key and dataset.title == "Baru"
    assert not AuditEvent.objects.filter(action="dataset.classification").exists()


def test_the_walidata_makes_a_dataset_open(clients, catalog):
    dataset = catalog["restricted"]
    response = clients["walidata"].post(
        change_url(dataset),
        form_data(dataset, access=Access.OPEN, access_reason="Sudah dianonimkan."),
    )
    assert response.status_code == 302
    dataset.refresh_from_db()
    assert dataset.access == Access.OPEN
    assert AuditEvent.objects.get(action="dataset.classification").after == {"access": "open"}


def test_the_manage_page_links_to_the_forms(clients, catalog):
    page = clients["produsen_a"].get(reverse("ingest:manage")).content.decode()
    assert CREATE in page
    assert change_url(catalog["draft"]) in page
    assert CREATE not in clients["pimpinan"].get(reverse("ingest:manage")).content.decode()
