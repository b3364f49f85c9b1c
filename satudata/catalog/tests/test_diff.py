"""The diff of two versions: exact rows and cells, schema changes, the no-key fallback,
hostile column names, metadata snapshots, and who may see which versions."""

import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.utils import timezone

from satudata.catalog.constants import Access, ResourceKind, State
from satudata.catalog.diff import diff_versions
from satudata.catalog.models import Resource, ResourceVersion
from satudata.catalog.versions import metadata_snapshot
from satudata.lib import filestore

KEYED = {
    "fields": [
        {"name": "kode_wilayah", "type": "string"},
        {"name": "tahun", "type": "integer"},
        {"name": "nilai", "type": "number"},
        {"name": "catatan", "type": "string"},
    ],
    "primaryKey": ["kode_wilayah", "tahun"],
}


def put_version(resource, table, schema, *, published=True, metadata=None):
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    stored = filestore.put(buffer.getvalue())
    number = resource.versions.count() + 1
    return ResourceVersion.objects.create(
        resource=resource,
        number=number,
        file_key=stored.key,
        sha256=stored.key,
        size=stored.size,
        original_name=f"tabel-v{number}.parquet",
        format="XLSX",
        media_type="application/octet-stream",
        row_count=table.num_rows,
        schema=schema,
        parquet_key=stored.key,
        downloads={"parquet": {"key": stored.key, "size": stored.size}},
        published_at=timezone.now() if published else None,
        metadata=metadata if metadata is not None else metadata_snapshot(resource.dataset),
    )


@pytest.fixture
def resource(catalog):
    return Resource.objects.create(
        dataset=catalog["open"], name="Tabel uji beda", kind=ResourceKind.TABLE
    )


def keyed_pair(resource):
    old = put_version(
        resource,
        pa.table(
            {
                "kode_wilayah": ["53.01", "53.01", "53.10", "53.71"],
                "tahun": [2022, 2023, 2023, 2023],
                "nilai": [10.5, 11.0, 7.25, 3.0],
                "catatan": ["a", "b", None, "d"],
            }
        ),
        KEYED,
    )
    new = put_version(
        resource,
        pa.table(
            {
                "kode_wilayah": ["53.01", "53.01", "53.10", "53.72", "53.73"],
                "tahun": [2022, 2023, 2023, 2023, 2023],
                "nilai": [10.5, 12.0, 7.25, 4.0, 5.0],
                "catatan": ["a", "b", "baru", "e", "f"],
            }
        ),
        KEYED,
    )
    return old, new


def test_keyed_diff_lists_exact_rows_and_cells(resource):
    old, new = keyed_pair(resource)
    result = diff_versions(old, new)
    rows = result.rows
    assert rows.keyed and rows.key == ["kode_wilayah", "tahun"]
    assert (rows.added_total, rows.removed_total, rows.changed_total) == (2, 1, 2)
    assert rows.added == [("53.72", 2023, 4.0, "e"), ("53.73", 2023, 5.0, "f")]
    assert rows.removed == [("53.71", 2023, 3.0, "d")]
    changed = {tuple(r.key): r.cells for r in rows.changed}
    assert changed == {
        ("53.01", 2023): [("nilai", 11.0, 12.0)],
        ("53.10", 2023): [("catatan", None, "baru")],  # NULL → value is a change
    }
    assert not result.has_column_changes


def test_listed_rows_are_capped_but_counts_stay_exact(resource):
    old = put_version(
        resource,
        pa.table({"k": list(range(10)), "v": [0] * 10}),
        {"fields": [], "primaryKey": ["k"]},
    )
    new = put_version(
        resource,
        pa.table({"k": list(range(5, 30)), "v": [1] * 25}),
        {"fields": [], "primaryKey": ["k"]},
    )
    rows = diff_versions(old, new, limit=3).rows
    assert (rows.added_total, rows.removed_total, rows.changed_total) == (20, 5, 5)
    assert [r[0] for r in rows.added] == [10, 11, 12]
    assert [r[0] for r in rows.removed] == [0, 1, 2]
    assert [r.key for r in rows.changed] == [[5], [6], [7]]


def test_schema_changes_are_reported(resource):
    old = put_version(
        resource,
        pa.table({"kode": ["53.01", "53.10"], "jumlah": ["1", "2"], "lama": ["x", "y"]}),
        {"fields": [{"name": "kode", "type": "string"}, {"name": "jumlah", "type": "string"},
                    {"name": "lama", "type": "string"}], "primaryKey": ["kode"]},
    )  # fmt: skip
    new = put_version(
        resource,
        pa.table({"kode": ["53.01", "53.10"], "jumlah": [1, 3], "baru": [True, False]}),
        {"fields": [{"name": "kode", "type": "string"}, {"name": "jumlah", "type": "integer"},
                    {"name": "baru", "type": "boolean"}], "primaryKey": ["kode"]},
    )  # fmt: skip
    result = diff_versions(old, new)
    assert [(c.name, c.type) for c in result.columns_added] == [("baru", "boolean")]
    assert [(c.name, c.type) for c in result.columns_removed] == [("lama", "string")]
    assert [(c.name, c.old, c.new) for c in result.columns_type_changed] == [
        ("jumlah", "string", "integer")
    ]
    # Values of a retyped column are compared as text: "1" and 1 are the same, "2" and 3 are not.
    assert [(r.key, r.cells) for r in result.rows.changed] == [(["53.10"], [("jumlah", "2", 3)])]


def test_without_a_common_key_rows_are_compared_as_multisets(resource):
    table = {"kode": ["53.01", "53.01", "53.10"], "nilai": [1, 1, 2]}
    old = put_version(resource, pa.table(table), {"fields": []})
    new = put_version(
        resource,
        pa.table({"kode": ["53.01", "53.10", "53.10"], "nilai": [1, 2, 9]}),
        {"fields": []},
    )
    rows = diff_versions(old, new).rows
    assert not rows.keyed and rows.fallback_reason is None
    # One of the two identical rows went away; a changed value is one removal and one addition.
    assert rows.removed == [("53.01", 1)] and rows.removed_total == 1
    assert rows.added == [("53.10", 9)] and rows.added_total == 1
    assert rows.changed == [] and rows.changed_total == 0


def test_different_or_broken_keys_fall_back_with_a_reason(resource):
    old = put_version(
        resource, pa.table({"k": [1, 2], "v": [1, 2]}), {"fields": [], "primaryKey": ["k"]}
    )
    new = put_version(
        resource, pa.table({"k": [1, 2], "v": [1, 3]}), {"fields": [], "primaryKey": ["v"]}
    )
    rows = diff_versions(old, new).rows
    assert not rows.keyed and rows.fallback_reason
    assert (rows.added, rows.removed) == ([(2, 3)], [(2, 2)])
    duplicated = put_version(
        resource, pa.table({"k": [1, 1], "v": [1, 4]}), {"fields": [], "primaryKey": ["v"]}
    )
    rows = diff_versions(new, duplicated).rows
    assert rows.keyed  # v is unique in both
    rows = diff_versions(old, put_version(resource, pa.table({"k": [1, 1], "v": [5, 6]}),
                                          {"fields": [], "primaryKey": ["k"]})).rows  # fmt: skip
    assert not rows.keyed and "unik" in rows.fallback_reason


HOSTILE = ['kode"; DROP TABLE a; --', "nilai' OR '1'='1", 'x"y', "<script>alert(1)</script>"]


def test_hostile_column_names_are_never_sql(resource, clients):
    key, value, quoted, html = HOSTILE
    schema = {"fields": [{"name": n, "type": "string"} for n in HOSTILE], "primaryKey": [key]}
    old = put_version(
        resource,
        pa.table({key: ["1", "2"], value: ["a", "b"], quoted: ["q", "q"], html: ["h", "h"]}),
        schema,
    )
    new = put_version(
        resource,
        pa.table({key: ["1", "3"], value: ["A", "c"], quoted: ["q", "q"], html: ["h", "H"]}),
        schema,
    )
    rows = diff_versions(old, new).rows
    assert rows.keyed and rows.key == [key]
    assert [(r.key, r.cells) for r in rows.changed] == [(["1"], [(value, "a", "A")])]
    assert rows.added == [("3", "c", "q", "H")] and rows.removed == [("2", "b", "q", "h")]
    # A column that exists in one version only, with a quote in its name.
    renamed = put_version(
        resource, pa.table({key: ["1"], 'b"; --': ["z"]}), {"fields": [], "primaryKey": [key]}
    )
    result = diff_versions(new, renamed)
    assert [c.name for c in result.columns_added] == ['b"; --']
    page = clients["publik"].get(
        f"/dataset/{resource.dataset.slug}/berkas/{resource.pk}/banding/",
        {"dari": old.number, "ke": new.number},
    )
    assert page.status_code == 200
    body = page.content.decode()
    assert (
        "<script>alert(1)</script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    )


def test_metadata_snapshots_are_compared_key_by_key(resource):
    dataset = resource.dataset
    before = metadata_snapshot(dataset)
    after = {**before, "title": "Judul baru", "access": Access.RESTRICTED,
             "indicator_metadata": {"unit": "persen"}}  # fmt: skip
    old = put_version(resource, pa.table({"k": [1]}), {"fields": []}, metadata=before)
    new = put_version(resource, pa.table({"k": [1]}), {"fields": []}, metadata=after)
    changes = {c.key: (c.label, c.old, c.new) for c in diff_versions(old, new).metadata}
    assert changes == {
        "title": ("Judul", dataset.title, "Judul baru"),
        "access": ("Klasifikasi akses", "Terbuka", "Terbatas"),
        "indicator_metadata.unit": ("Metadata indikator: Satuan", "—", "persen"),
    }


def test_publication_replaces_the_metadata_snapshot(resource, cast):
    from satudata.ingest.actions import publish_version

    version = put_version(resource, pa.table({"k": [1]}), {"fields": []}, published=False)
    assert version.metadata["title"] == resource.dataset.title
    resource.dataset.title = "Judul saat terbit"
    resource.dataset.save()
    publish_version(version, actor=cast["walidata"])
    stored = ResourceVersion.objects.get(pk=version.pk)
    assert stored.is_published and stored.metadata["title"] == "Judul saat terbit"


def test_the_diff_page_shows_changed_cells(resource, clients):
    old, new = keyed_pair(resource)
    url = f"/dataset/{resource.dataset.slug}/berkas/{resource.pk}/banding/"
    body = clients["publik"].get(url, {"dari": old.number, "ke": new.number}).content.decode()
    assert "<del>11</del>" in body and "<ins>12</ins>" in body
    assert "2 baris ditambah" in body and "1 baris dihapus" in body and "2 baris berubah" in body
    assert "53.73" in body and "53.71" in body
    # Without parameters the page compares the newest version with the one before it.
    default = clients["publik"].get(url).content.decode()
    assert "<ins>12</ins>" in default
    assert clients["publik"].get(url, {"dari": "x", "ke": new.number}).status_code == 404
    dataset_page = clients["publik"].get(resource.dataset.get_absolute_url()).content.decode()
    assert f"{url}?ke={new.number}" in dataset_page
    assert f"/berkas/{resource.pk}/v{new.number}/" in dataset_page


def test_the_version_page_is_permanent_and_complete(resource, clients):
    old, new = keyed_pair(resource)
    response = clients["publik"].get(
        f"/dataset/{resource.dataset.slug}/berkas/{resource.pk}/v{old.number}/"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert old.sha256 in body and "Ini bukan versi terbaru" in body
    assert f"/berkas/{resource.pk}/v{old.number}/unduh.parquet" in body
    assert resource.dataset.title in body and "Cara mengutip" in body
    assert "<script" not in body


def test_unpublished_versions_of_a_restricted_dataset_are_hidden(catalog, clients, cast):
    dataset = catalog["restricted"]
    resource = Resource.objects.create(
        dataset=dataset, name="Tabel terbatas", kind=ResourceKind.TABLE
    )
    first = put_version(resource, pa.table({"k": [1]}), {"fields": []})
    hidden = put_version(resource, pa.table({"k": [2]}), {"fields": []}, published=False)
    base = f"/dataset/{dataset.slug}/berkas/{resource.pk}"
    for who in ("publik", "produsen_b", "pimpinan"):
        assert clients[who].get(f"{base}/v{hidden.number}/").status_code == 404, who
        assert (
            clients[who].get(f"{base}/banding/", {"dari": 1, "ke": hidden.number}).status_code
            == 404
        ), who
    # Terbatas: never the public, any role sees its published versions.
    assert clients["publik"].get(f"{base}/v{first.number}/").status_code == 404
    assert clients["publik"].get(f"{base}/banding/").status_code == 404
    assert clients["pimpinan"].get(f"{base}/v{first.number}/").status_code == 200
    # The pimpinan's default comparison never reaches the unpublished version.
    assert clients["pimpinan"].get(f"{base}/banding/").context["new"].pk == first.pk
    for who in ("produsen_a", "walidata"):
        assert clients[who].get(f"{base}/v{hidden.number}/").status_code == 200, who
        page = clients[who].get(f"{base}/banding/", {"dari": 1, "ke": hidden.number})
        assert page.status_code == 200 and page.context["result"].rows.added == [(2,)]
    closed = catalog["closed"]
    assert closed.state == State.PUBLISHED
    version = closed.resources.first().versions.first()
    assert (
        clients["publik"]
        .get(f"/dataset/{closed.slug}/berkas/{version.resource_id}/v1/")
        .status_code
        == 404
    )


def test_versions_made_by_the_upload_pipeline_compare(resource, cast):
    from satudata.ingest.actions import ingest_now

    def upload(text):
        run = ingest_now(resource, text.encode(), "tabel.csv", actor=cast["produsen_a"])
        assert run.version is not None, run.status
        return run.version

    old = upload("kode_wilayah,tahun,jumlah\n53.01,2023,10\n53.10,2023,20\n")
    new = upload("kode_wilayah,tahun,jumlah\n53.01,2023,10\n53.10,2023,25\n53.71,2023,7\n")
    assert old.parquet_key and new.parquet_key
    assert old.metadata["title"] == resource.dataset.title  # the snapshot taken at creation
    rows = diff_versions(old, new).rows
    assert rows.keyed and rows.key == old.schema["primaryKey"] == ["kode_wilayah"]
    assert (rows.added, rows.removed) == ([("53.71", 2023, 7)], [])
    assert [(r.key, r.cells) for r in rows.changed] == [(["53.10"], [("jumlah", 20, 25)])]
