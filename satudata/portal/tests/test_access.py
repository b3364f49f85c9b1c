"""A Terbatas or Tertutup dataset never reaches someone who may not see it, on any page."""

import pytest
from django.urls import reverse

from conftest import CANARY_CLOSED, CANARY_DRAFT, CANARY_RESTRICTED

# Who sees which dataset of OPD A (True: 200, False: 404).
MATRIX = {
    "open": {"walidata", "produsen_a", "produsen_b", "pembina", "pimpinan", "admin", "publik"},
    "restricted": {"walidata", "produsen_a", "pembina", "pimpinan", "admin"},
    "closed": {"walidata", "produsen_a", "admin"},
    "draft": {"walidata", "produsen_a", "admin"},
}
ROLES = ["walidata", "produsen_a", "produsen_b", "pembina", "pimpinan", "admin", "publik"]
CANARIES = {"restricted": CANARY_RESTRICTED, "closed": CANARY_CLOSED, "draft": CANARY_DRAFT}


def download_url(dataset):
    resource = dataset.resources.get()
    return reverse("portal:download", args=[dataset.slug, resource.id, 1])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", list(MATRIX))
def test_it_shows_a_dataset_page_and_file_only_to_those_allowed(clients, catalog, role, kind):
    dataset = catalog[kind]
    allowed = role in MATRIX[kind]
    page = clients[role].get(dataset.get_absolute_url())
    assert page.status_code == (200 if allowed else 404)
    download = clients[role].get(download_url(dataset))
    assert download.status_code == (200 if allowed else 404)
    if allowed:
        assert b"".join(download.streaming_content).startswith(b"kode_wilayah")
    else:
        assert dataset.title.encode() not in page.content


def public_pages(catalog, opd_a, topic):
    yield reverse("portal:home")
    yield reverse("portal:search")
    for word in ("gizi", "kasus", "draf", "rekap", "uraian"):  # words of the hidden titles
        yield reverse("portal:search") + f"?q={word}"
    yield reverse("portal:search") + "?klasifikasi=restricted&klasifikasi=closed"
    yield reverse("portal:search") + "?tahun=2015&tahun=2011&tahun=2008"
    yield reverse("portal:search") + "?organisasi=dinas-kesehatan"
    yield reverse("portal:search") + "?topik=kesehatan"
    yield reverse("portal:organizations")
    yield opd_a.get_absolute_url()
    yield reverse("portal:topics")
    yield topic.get_absolute_url()
    for dataset in catalog.values():
        yield dataset.get_absolute_url()


@pytest.mark.parametrize(
    "role,hidden",
    [
        ("publik", ["restricted", "closed", "draft"]),
        ("produsen_b", ["closed", "draft"]),
        ("pembina", ["closed", "draft"]),
        ("pimpinan", ["closed", "draft"]),
    ],
)
def test_it_never_shows_hidden_canaries_on_any_page(clients, catalog, opd_a, topic, role, hidden):
    client = clients[role]
    for url in public_pages(catalog, opd_a, topic):
        body = client.get(url).content.decode()
        for kind in hidden:
            assert CANARIES[kind] not in body, f"{CANARIES[kind]} leaked on {url} to {role}"


def test_it_counts_only_visible_datasets_for_the_public(clients, catalog, opd_a, topic):
    publik = clients["publik"]
    search = publik.get(reverse("portal:search"))
    assert search.context["total"] == 2
    facets = {name: items for name, _, items in search.context["facets"]}
    assert {(v, n) for v, _, n, _ in facets["organisasi"]} == {
        ("dinas-kesehatan", 1),
        ("dinas-sosial", 1),
    }
    assert "kesehatan" not in {v for v, *_ in facets.get("topik", [])}
    assert not {"2015", "2011", "2008"} & {v for v, *_ in facets["tahun"]}
    assert "klasifikasi" not in facets
    home = publik.get(reverse("portal:home"))
    assert home.context["counts"]["datasets"] == 2
    assert home.context["counts"]["topics"] == 1
    organizations = {
        o.slug: o.n for o in publik.get(reverse("portal:organizations")).context["organizations"]
    }
    assert organizations == {"dinas-kesehatan": 1, "dinas-sosial": 1}
    topics = {t.slug: t.n for t in publik.get(reverse("portal:topics")).context["topics"]}
    assert topics == {"kemiskinan": 2, "kesehatan": 0}
    assert list(publik.get(topic.get_absolute_url()).context["datasets"]) == []


@pytest.mark.parametrize("kind", list(CANARIES))
def test_it_finds_nothing_hidden_when_searching_for_its_words(clients, catalog, kind):
    for token in (CANARIES[kind], f"kolom {CANARIES[kind]}"):
        response = clients["publik"].get(reverse("portal:search"), {"q": token})
        assert response.context["total"] == 0
        assert list(response.context["page"]) == []


def test_it_ignores_the_access_filter_for_the_public(clients, catalog):
    response = clients["publik"].get(reverse("portal:search") + "?klasifikasi=closed")
    assert response.context["total"] == 2


def test_it_counts_restricted_data_for_government_users(clients, catalog):
    response = clients["pimpinan"].get(reverse("portal:search"))
    assert response.context["total"] == 3
    facets = {name: items for name, _, items in response.context["facets"]}
    assert {(v, n) for v, _, n, _ in facets["klasifikasi"]} == {("open", 2), ("restricted", 1)}
    walidata = clients["walidata"].get(reverse("portal:search") + "?klasifikasi=closed")
    assert [d.slug for d in walidata.context["page"]] == ["rekap-tertutup"]


def test_it_lets_the_owning_opd_see_its_drafts_and_closed_data(clients, catalog):
    response = clients["produsen_a"].get(reverse("portal:search"))
    assert response.context["total"] == 5
    response = clients["produsen_b"].get(reverse("portal:search"))
    assert response.context["total"] == 2  # the open datasets of both OPDs; not A's Terbatas


def test_it_answers_404_for_an_unknown_dataset_like_for_a_hidden_one(clients, catalog):
    unknown = clients["publik"].get("/dataset/tidak-ada/")
    hidden = clients["publik"].get(catalog["closed"].get_absolute_url())
    assert unknown.status_code == hidden.status_code == 404
    assert unknown.content == hidden.content


def test_it_refuses_a_download_whose_version_belongs_to_another_dataset(clients, catalog):
    closed_resource = catalog["closed"].resources.get()
    url = reverse("portal:download", args=[catalog["open"].slug, closed_resource.id, 1])
    assert clients["publik"].get(url).status_code == 404
