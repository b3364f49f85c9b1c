"""The real `ckanapi` client (CLI and library) against a live test server on loopback."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import assert_no_canary

pytest.importorskip("ckanapi")

BIN = Path(sys.executable).parent
CKANAPI = BIN / "ckanapi"
OPEN = {"jumlah-penerima-bansos", "persentase-penduduk-miskin"}

pytestmark = pytest.mark.django_db(transaction=True)


def ckanapi(live_server, *args, get=False):
    """Run the ckanapi CLI; its dump workers re-run `ckanapi` from PATH, so put ours first."""
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    command = [str(CKANAPI), *args, "-r", live_server.url] + (["-g"] if get else [])
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert_no_canary(done.stdout + done.stderr)
    return done.stdout


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def assert_complete(package):
    """A complete package dict: what package_show returns, with its resources and OPD."""
    assert package["name"] in OPEN
    assert package["organization"]["name"] in ("dinas-kesehatan", "dinas-sosial")
    assert package["resources"] and all(r["url"] for r in package["resources"])
    assert package["metadata_modified"] and package["groups"] and package["extras"]


@pytest.fixture
def ckan_site(live_server, catalog, settings):
    settings.SITE_URL = live_server.url
    return live_server


def test_ckanapi_action_package_search(ckan_site):
    for get in (False, True):
        found = json.loads(ckanapi(ckan_site, "action", "package_search", "rows=1000", get=get))
        assert found["count"] == 2
        assert {p["name"] for p in found["results"]} == OPEN
        for package in found["results"]:
            assert_complete(package)
    shown = json.loads(
        ckanapi(ckan_site, "action", "package_show", "id=persentase-penduduk-miskin")
    )
    assert shown in found["results"]


def test_ckanapi_search_datasets(ckan_site):
    packages = json_lines(ckanapi(ckan_site, "search", "datasets"))
    assert sorted(p["name"] for p in packages) == sorted(OPEN)
    for package in packages:
        assert_complete(package)
    filtered = json_lines(ckanapi(ckan_site, "search", "datasets", "fq=organization:dinas-sosial"))
    assert [p["name"] for p in filtered] == ["jumlah-penerima-bansos"]


def test_ckanapi_dump_datasets_and_organizations(ckan_site):
    packages = json_lines(ckanapi(ckan_site, "dump", "datasets", "--all", "-q"))
    assert sorted(p["name"] for p in packages) == sorted(OPEN)
    for package in packages:
        assert_complete(package)
    # With the private and draft flags an anonymous harvester still gets only Terbuka data.
    flagged = json_lines(
        ckanapi(
            ckan_site, "dump", "datasets", "--all", "-q", "--include-private", "--include-drafts"
        )
    )
    assert sorted(p["name"] for p in flagged) == sorted(OPEN)
    organizations = json_lines(ckanapi(ckan_site, "dump", "organizations", "--all", "-q"))
    assert {o["name"]: o["package_count"] for o in organizations} == {
        "dinas-kesehatan": 1,
        "dinas-sosial": 1,
    }
    groups = json_lines(ckanapi(ckan_site, "dump", "groups", "--all", "-q"))
    assert {g["name"]: g["package_count"] for g in groups} == {"kemiskinan": 2, "kesehatan": 0}


def test_remoteckan_library(ckan_site):
    from ckanapi import NotFound, RemoteCKAN, SearchQueryError

    site = RemoteCKAN(ckan_site.url, user_agent="satudata-tests")
    found = site.action.package_search(fq="tags:sosial", rows=2)
    assert [p["name"] for p in found["results"]] == ["persentase-penduduk-miskin"]
    assert site.action.status_show()["ckan_version"]
    with pytest.raises(NotFound):
        site.action.package_show(id="rekap-terbatas")
    with pytest.raises(SearchQueryError):
        site.action.package_search(sort="nope asc")
    get_only = RemoteCKAN(ckan_site.url, get_only=True)
    assert sorted(get_only.action.package_list()) == sorted(OPEN)
