"""Search with Indonesian stemming, the same on SQLite and PostgreSQL (make test runs both)."""

import pytest
from django.urls import reverse

from satudata.catalog.search import search_datasets
from satudata.lib.text import search_document, stem


@pytest.mark.parametrize(
    "word,expected",
    [
        ("kemiskinan", "miskin"),
        ("pembangunan", "bangun"),
        ("kependudukan", "duduk"),
        ("kesehatan", "sehat"),
        ("perekonomian", "ekonomi"),
        ("2024", "2024"),
        ("ntt", "ntt"),
    ],
)
def test_it_stems_indonesian_words(word, expected):
    assert stem(word) == expected


def test_it_builds_the_search_document_from_stems():
    assert search_document("Kemiskinan di Kabupaten Kupang") == "miskin di kabupaten kupang"


def slugs(result):
    return [d.slug for d in result.queryset]


@pytest.mark.parametrize(
    "q,expected",
    [
        ("kemiskinan", ["persentase-penduduk-miskin"]),
        ("Penduduk MISKIN", ["persentase-penduduk-miskin"]),
        ("kependudukan", ["persentase-penduduk-miskin"]),
        ("sasaran", ["jumlah-penerima-bansos"]),  # a column name
        ("sosial", ["jumlah-penerima-bansos", "persentase-penduduk-miskin"]),  # title and tag
        ("miskin bansos", []),
        ("tidakadasamasekali", []),
        ("", []),
    ],
)
def test_it_finds_stemmed_forms(catalog, q, expected):
    if not q:
        assert search_datasets(None, q).total == 2
        return
    result = search_datasets(None, q)
    assert sorted(slugs(result)) == sorted(expected)
    assert result.total == len(expected)


def test_it_ranks_a_title_match_first(catalog):
    result = search_datasets(None, "sosial")
    assert slugs(result)[0] == "jumlah-penerima-bansos"


def test_it_ignores_search_operators_in_the_query(catalog):
    for q in [
        'miskin" OR "x',
        "miskin & !bansos",
        "miskin*",
        "NEAR(miskin)",
        "'; DROP TABLE x; --",
    ]:
        result = search_datasets(None, q)
        assert result.total <= 2


def test_it_searches_from_the_page(client, catalog):
    response = client.get(reverse("portal:search"), {"q": "kemiskinan"})
    assert response.status_code == 200
    assert [d.slug for d in response.context["page"]] == ["persentase-penduduk-miskin"]
    assert "Persentase Penduduk Miskin" in response.content.decode()


def test_it_sorts_and_filters(client, catalog):
    response = client.get(reverse("portal:search"), {"urut": "judul", "tahun": "2021"})
    assert [d.slug for d in response.context["page"]] == [
        "jumlah-penerima-bansos",
        "persentase-penduduk-miskin",
    ]
    response = client.get(reverse("portal:search"), {"format": "CSV", "organisasi": "dinas-sosial"})
    assert [d.slug for d in response.context["page"]] == ["jumlah-penerima-bansos"]
    response = client.get(
        reverse("portal:search"), {"urut": "'; DROP", "tahun": "abcd", "halaman": "999"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize("name", ["organisasi", "topik", "format", "wilayah", "tahun"])
def test_a_nul_byte_in_a_filter_matches_nothing_instead_of_failing(client, catalog, name):
    """PostgreSQL refuses NUL in text; found by schemathesis on /api/v1/datasets."""
    assert client.get("/api/v1/datasets", {name: "a\x00b"}).status_code == 200
    assert client.get("/dataset/", {name: "\x00"}).status_code == 200
