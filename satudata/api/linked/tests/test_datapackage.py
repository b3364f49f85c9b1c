"""Data packages of public datasets and versions pass `frictionless validate` against a live server."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from satudata.catalog.actions import add_version

from .conftest import CANARIES, assert_no_canary

FRICTIONLESS = Path(sys.executable).parent / "frictionless"


def frictionless_validate(url):
    """Run the real `frictionless validate` command on a descriptor URL; returns its JSON report."""
    done = subprocess.run(
        [str(FRICTIONLESS), "validate", "--json", url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = json.loads(done.stdout)
    assert done.returncode == 0 and report["valid"], json.dumps(report, indent=1)[:4000]
    return report


@pytest.mark.django_db(transaction=True)
def test_data_packages_pass_frictionless_validate(live_server, catalog, cast, settings):
    from satudata.stats.tests.conftest import published_version

    settings.SITE_URL = live_server.url
    # A validated table (typed schema, CSV download with BOM) beside the fixture's plain CSV.
    version = published_version(catalog["open"], cast["walidata"])
    assert version.downloads.get("csv")

    package_url = f"{live_server.url}/dataset/persentase-penduduk-miskin/datapackage.json"
    report = frictionless_validate(package_url)
    assert len(report["tasks"]) == 2  # both tables of the dataset
    assert {t["stats"]["rows"] for t in report["tasks"]} == {1, 6}

    version_url = (
        f"{live_server.url}/dataset/persentase-penduduk-miskin/berkas/"
        f"{version.resource_id}/v{version.number}/datapackage.json"
    )
    report = frictionless_validate(version_url)
    assert [t["stats"]["rows"] for t in report["tasks"]] == [6]

    frictionless_validate(f"{live_server.url}/dataset/jumlah-penerima-bansos/datapackage.json")


def test_the_descriptor_points_at_our_downloads_with_the_stored_schema(client, catalog, cast, site):
    from satudata.stats.tests.conftest import published_version

    version = published_version(catalog["open"], cast["walidata"])
    url = f"/dataset/persentase-penduduk-miskin/berkas/{version.resource_id}/v{version.number}/datapackage.json"
    response = client.get(url)
    assert response.status_code == 200 and response["ETag"]
    descriptor = response.json()
    (resource,) = descriptor["resources"]
    assert resource["path"] == (
        f"{site}/dataset/persentase-penduduk-miskin/berkas/{version.resource_id}/v1/unduh.csv"
    )
    assert resource["hash"] == "sha256:" + version.downloads["csv"]["key"]
    assert resource["bytes"] == version.downloads["csv"]["size"]
    names = [f["name"] for f in resource["schema"]["fields"]]
    assert names == [f["name"] for f in version.schema["fields"]]
    assert [f["type"] for f in resource["schema"]["fields"]] == [
        f["type"] for f in version.schema["fields"]
    ]
    # Our internal processing hints stay home.
    assert "satudata:role" in json.dumps(version.schema)
    assert "satudata:role" not in json.dumps(resource["schema"])
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"


def test_only_published_versions_are_packaged(client, catalog, site):
    resource = catalog["open"].resources.get()
    draft = add_version(resource, b"kode_wilayah,nilai\n53.10,99\n", "belum.csv")
    response = client.get(
        f"/dataset/persentase-penduduk-miskin/berkas/{resource.pk}/v{draft.number}/datapackage.json"
    )
    assert response.status_code == 404
    descriptor = client.get("/dataset/persentase-penduduk-miskin/datapackage.json").json()
    assert [r["path"].rsplit("/v", 1)[1] for r in descriptor["resources"]] == ["1/unduh/"]


@pytest.mark.parametrize("role", ["publik", "walidata", "produsen_a", "pimpinan"])
@pytest.mark.parametrize("which", ["restricted", "closed", "draft"])
def test_non_public_datasets_have_no_package(clients, catalog, site, role, which):
    dataset = catalog[which]
    resource = dataset.resources.get()
    for url in (
        f"/dataset/{dataset.slug}/datapackage.json",
        f"/dataset/{dataset.slug}/berkas/{resource.pk}/v1/datapackage.json",
    ):
        response = clients[role].get(url)
        assert response.status_code == 404
        assert not any(c in response.content.decode() for c in CANARIES)


def test_a_public_package_holds_no_canary(client, catalog, site):
    for slug in ("persentase-penduduk-miskin", "jumlah-penerima-bansos"):
        assert_no_canary(client.get(f"/dataset/{slug}/datapackage.json").content.decode())
