"""Signed releases: manifests made at publication, their verification, and "Verifikasi Data"."""

import base64
import hashlib
import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from django.test import Client

from conftest import CANARY_RESTRICTED
from satudata.audit.models import AuditEvent
from satudata.catalog.actions import add_version
from satudata.catalog.models import ResourceVersion
from satudata.ingest.actions import ingest_now, publish_version
from satudata.signing import keys
from satudata.signing.actions import sign_missing
from satudata.signing.manifest import (
    InvalidRelease,
    canonical,
    key_id,
    keyring_from_json,
    sign,
    verify_manifest,
)
from satudata.signing.models import Release, SigningKey

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]
CSV = b"kode_wilayah,nilai\n53.10,12.5\n53.71,8.25\n"


def publish_new(dataset, data=CSV, name="tabel.csv", actor=None):
    """A new version of the dataset's first resource, published the way the workflow does."""
    resource = dataset.resources.first()
    version = add_version(resource, data, name, actor=actor)
    publish_version(version, actor=actor)
    return ResourceVersion.objects.get(pk=version.pk)


def urls(version):
    base = (
        f"/dataset/{version.resource.dataset.slug}/berkas/{version.resource_id}/v{version.number}/"
    )
    return base + "manifest.json", base + "manifest.sig"


def published_ring():
    return keyring_from_json(
        json.loads(Client().get("/.well-known/satudata-signing-keys.json").content)
    )


def fetch(client, version):
    manifest_url, sig_url = urls(version)
    return client.get(manifest_url), client.get(sig_url)


def official(body):
    """The page vouches for the file (the phrase alone also appears in the page's description)."""
    return (
        'class="notice verified"' in body
        and "Berkas ini adalah rilis resmi yang tidak diubah" in body
    )


def verify_page(client, **data):
    return client.post("/verifikasi/", data)


# --- signing at publication -------------------------------------------------------------------


def test_it_signs_the_manifest_in_the_publication(catalog, cast):
    version = publish_new(catalog["open"], actor=cast["walidata"])
    release = Release.objects.get(version=version)
    manifest = verify_manifest(release.manifest.encode(), release.signature, published_ring())
    assert manifest["dataset"] == {
        "slug": "persentase-penduduk-miskin",
        "title": "Persentase Penduduk Miskin",
    }
    assert manifest["organization"]["name"] == "Dinas Kesehatan"
    assert manifest["version"] == version.number and manifest["published_at"].endswith("Z")
    assert manifest["files"][0] | {"url": ""} == {
        "name": "tabel.csv",
        "format": "CSV",
        "role": "original",
        "sha256": hashlib.sha256(CSV).hexdigest(),
        "size": len(CSV),
        "url": "",
    }
    assert release.key_id == manifest["key_id"] == key_id(keys.private_key().public_key())
    event = AuditEvent.objects.get(action="release.sign")
    assert event.after["manifest_sha256"] == hashlib.sha256(release.manifest.encode()).hexdigest()


def test_a_failed_publication_leaves_no_release(catalog, cast, monkeypatch):
    resource = catalog["open"].resources.first()
    version = add_version(resource, CSV, "tabel.csv")

    def broken(*args, **kwargs):
        raise RuntimeError("signing failed")

    monkeypatch.setattr("satudata.ingest.actions.sign_release", broken)
    with pytest.raises(RuntimeError):
        publish_version(version, actor=cast["walidata"])
    assert not ResourceVersion.objects.get(pk=version.pk).is_published  # one transaction
    assert not Release.objects.exists()


def test_it_lists_every_download_with_the_hash_of_its_bytes(catalog, cast):
    resource = catalog["open"].resources.first()
    run = ingest_now(resource, CSV, "tabel.csv", actor=cast["produsen_a"])
    version = publish_version(run.version, actor=cast["walidata"])
    manifest = json.loads(version.release.manifest)
    formats = {f["format"]: f for f in manifest["files"]}
    assert set(formats) == {"CSV", "XLSX", "JSON", "PARQUET"}  # the original upload is a CSV too
    client = Client()
    for entry in manifest["files"]:
        response = client.get(entry["url"].removeprefix("http://127.0.0.1:8000"))
        body = b"".join(response.streaming_content)
        assert hashlib.sha256(body).hexdigest() == entry["sha256"] and len(body) == entry["size"]


def test_the_key_file_is_made_once_and_private(settings, tmp_path):
    settings.SIGNING_KEY_FILE = str(tmp_path / "kunci" / "signing.key")
    first = keys.private_key()
    mode = stat.S_IMODE(os.stat(settings.SIGNING_KEY_FILE).st_mode)
    assert mode == 0o600
    assert key_id(keys.private_key().public_key()) == key_id(first.public_key())


# --- what is rejected -----------------------------------------------------------------------------


def tampered_cases(data, signature, ours):
    other = Ed25519PrivateKey.generate()
    changed = bytearray(data)
    at = data.index(b'"version":') + len(b'"version":')
    changed[at] = ord("9") if changed[at] != ord("9") else ord("8")
    forged = json.loads(data)
    forged["key_id"] = key_id(other.public_key())
    forged_data = canonical(forged)
    return {
        "one changed byte": (bytes(changed), signature, ours),
        "signed by another key under our key id": (data, sign(other, data), ours),
        "signed by a key the portal never published": (forged_data, sign(other, forged_data), ours),
        "signature of another manifest": (data, sign(keys.private_key(), data + b" "), ours),
        "not base64": (data, "%%%", ours),
    }


def test_it_rejects_tampered_manifests_and_other_keys(catalog, cast):
    version = publish_new(catalog["open"], actor=cast["walidata"])
    data, signature = version.release.manifest.encode(), version.release.signature
    ring = published_ring()
    assert verify_manifest(data, signature, ring)["version"] == version.number
    accepted = []
    for name, (body, sig, keyring) in tampered_cases(data, signature, ring).items():
        try:
            verify_manifest(body, sig, keyring)
        except InvalidRelease:
            continue
        accepted.append(name)
    assert not accepted


def test_a_keys_file_with_a_wrong_key_id_is_refused(catalog):
    document = json.loads(Client().get("/.well-known/satudata-signing-keys.json").content)
    document["keys"][0]["kid"] = "0000000000000000"
    with pytest.raises(InvalidRelease):
        keyring_from_json(document)


# --- public URLs ----------------------------------------------------------------------------------


def test_the_manifest_follows_the_version_page(catalog, cast, clients):
    sign_missing()
    open_version = catalog["open"].resources.first().versions.get()
    restricted = catalog["restricted"].resources.first().versions.get()
    ring = published_ring()
    manifest, signature = fetch(clients["publik"], open_version)
    assert manifest.status_code == 200 and manifest["Content-Type"] == "application/json"
    verify_manifest(manifest.content, signature.content.decode(), ring)
    expected = {
        "publik": 404,
        "produsen_b": 404,
        "pembina": 200,
        "produsen_a": 200,
        "walidata": 200,
    }
    seen = {name: [r.status_code for r in fetch(clients[name], restricted)] for name in expected}
    assert seen == {name: [code, code] for name, code in expected.items()}
    # The version page links them.
    body = (
        clients["publik"].get(urls(open_version)[0].removesuffix("manifest.json")).content.decode()
    )
    assert "Tanda tangan digital" in body and urls(open_version)[0] in body


def test_an_unpublished_version_has_no_manifest(catalog, clients):
    resource = catalog["open"].resources.first()
    draft = add_version(resource, CSV, "tabel.csv")
    assert [r.status_code for r in fetch(clients["walidata"], draft)] == [404, 404]


def test_the_public_keys_are_published_with_pem(catalog):
    client = Client()
    document = json.loads(client.get("/.well-known/satudata-signing-keys.json").content)
    current = key_id(keys.private_key().public_key())
    assert document["current"] == current and document["keys"][0]["status"] == "current"
    pem = client.get("/.well-known/satudata-signing-key.pem").content.decode()
    assert pem == document["keys"][0]["public_key_pem"] and pem.startswith(
        "-----BEGIN PUBLIC KEY-----"
    )
    assert client.get(f"/.well-known/satudata-signing-keys/{current}.pem").content.decode() == pem
    assert client.get("/.well-known/satudata-signing-keys/ffffffffffffffff.pem").status_code == 404


def test_a_rotated_key_stays_valid_for_old_manifests(catalog, cast):
    old_version = publish_new(catalog["open"], actor=cast["walidata"])
    call_command("signing_key", rotate=True, stdout=io.StringIO())
    new_version = publish_new(catalog["open"], data=CSV + b"53.01,1\n", actor=cast["walidata"])
    assert old_version.release.key_id != new_version.release.key_id
    ring = published_ring()
    for version in (old_version, new_version):
        verify_manifest(version.release.manifest.encode(), version.release.signature, ring)
    ids = [old_version.release.key_id, new_version.release.key_id]
    statuses = {
        k.key_id: k.retired_at is not None for k in SigningKey.objects.filter(key_id__in=ids)
    }
    assert statuses == {old_version.release.key_id: True, new_version.release.key_id: False}
    assert AuditEvent.objects.filter(action="signing_key.rotate").count() == 1
    assert Path(keys.key_path().as_posix() + f".retired-{old_version.release.key_id}").exists()


# --- Verifikasi Data ------------------------------------------------------------------------------


def test_an_uploaded_official_file_is_recognised(catalog, cast, clients):
    version = publish_new(catalog["open"], actor=cast["walidata"])
    upload = io.BytesIO(CSV)
    upload.name = "kiriman-whatsapp.csv"
    body = verify_page(clients["publik"], berkas=upload).content.decode()
    assert official(body)
    assert (
        "Persentase Penduduk Miskin" in body
        and f"versi {version.number}" in body
        and "Dinas Kesehatan" in body
    )
    assert hashlib.sha256(CSV).hexdigest() in body
    assert "<script" not in body


def test_a_changed_file_does_not_match(catalog, cast, clients):
    publish_new(catalog["open"], actor=cast["walidata"])
    upload = io.BytesIO(CSV.replace(b"12.5", b"15.5"))
    upload.name = "data-resmi.csv"
    body = verify_page(clients["publik"], berkas=upload).content.decode()
    assert "Tidak cocok dengan rilis resmi mana pun" in body
    assert not official(body)


def test_a_pasted_hash_is_checked_and_a_link_works_too(catalog, cast, clients):
    publish_new(catalog["open"], actor=cast["walidata"])
    sha = hashlib.sha256(CSV).hexdigest()
    assert official(verify_page(clients["publik"], sha256=sha.upper()).content.decode())
    assert official(clients["publik"].get("/verifikasi/", {"sha256": sha}).content.decode())
    bad = verify_page(clients["publik"], sha256="bukan-hash")
    assert bad.status_code == 400 and "Ini bukan SHA-256" in bad.content.decode()
    assert verify_page(clients["publik"]).status_code == 400


def test_a_restricted_release_is_not_found_for_the_public(catalog, clients):
    sign_missing()
    restricted = catalog["restricted"].resources.first().versions.get()
    answers = {}
    for name in ("publik", "produsen_b", "pembina", "walidata"):
        body = verify_page(clients[name], sha256=restricted.sha256).content.decode()
        answers[name] = official(body)
        if not answers[name]:
            assert (
                "Tidak cocok dengan rilis resmi mana pun" in body and CANARY_RESTRICTED not in body
            )
    assert answers == {"publik": False, "produsen_b": False, "pembina": True, "walidata": True}
    closed = catalog["closed"].resources.first().versions.get()
    assert "Tidak cocok" in verify_page(clients["pembina"], sha256=closed.sha256).content.decode()


def test_a_withdrawn_release_says_so_with_the_reason(catalog, cast, clients):
    from satudata.workflow.transitions import withdraw

    version = publish_new(catalog["open"], actor=cast["walidata"])
    withdraw(
        catalog["open"], "Angka kabupaten salah hitung; diganti rilis baru.", actor=cast["walidata"]
    )
    body = verify_page(clients["publik"], sha256=version.sha256).content.decode()
    assert "pernah dirilis, tetapi datasetnya sudah ditarik" in body
    assert "Angka kabupaten salah hitung" in body and not official(body)


def test_a_release_altered_in_the_database_is_not_vouched_for(catalog, cast, clients):
    version = publish_new(catalog["open"], actor=cast["walidata"])
    release = version.release
    Release.objects.filter(pk=release.pk).update(
        manifest=release.manifest.replace("Dinas Kesehatan", "Dinas Lain")
    )
    body = verify_page(clients["publik"], sha256=version.sha256).content.decode()
    assert "Tidak cocok dengan rilis resmi mana pun" in body and not official(body)


def test_a_too_large_upload_is_refused_and_not_kept(catalog, clients, settings):
    settings.UPLOAD_MAX_BYTES = 10
    upload = io.BytesIO(CSV)
    upload.name = "besar.csv"
    response = verify_page(clients["publik"], berkas=upload)
    assert response.status_code == 400 and "Berkas terlalu besar" in response.content.decode()


def test_the_form_is_csrf_protected(catalog):
    client = Client(enforce_csrf_checks=True)
    assert client.get("/verifikasi/").status_code == 200
    assert client.post("/verifikasi/", {"sha256": "a" * 64}).status_code == 403


# --- backfill and the command line ----------------------------------------------------------------


def test_sign_releases_backfills_every_published_version_once(catalog):
    published = ResourceVersion.objects.filter(published_at__isnull=False)
    assert not Release.objects.exists()
    out = io.StringIO()
    call_command("sign_releases", stdout=out)
    assert set(Release.objects.values_list("version_id", flat=True)) == set(
        published.values_list("pk", flat=True)
    )
    assert f"{published.count()} manifes" in out.getvalue()
    call_command("sign_releases", stdout=io.StringIO())
    assert Release.objects.count() == published.count()


@pytest.fixture
def downloaded(catalog, cast, tmp_path):
    """What a journalist saves from the portal: the file, manifest.json, manifest.sig, the keys."""
    version = publish_new(catalog["open"], actor=cast["walidata"])
    client = Client()
    manifest, signature = fetch(client, version)
    paths = {
        "file": tmp_path / "tabel.csv",
        "manifest": tmp_path / "manifest.json",
        "signature": tmp_path / "manifest.sig",
        "keys": tmp_path / "keys.json",
        "pem": tmp_path / "kunci.pem",
    }
    paths["file"].write_bytes(CSV)
    paths["manifest"].write_bytes(manifest.content)
    paths["signature"].write_bytes(signature.content)
    paths["keys"].write_bytes(client.get("/.well-known/satudata-signing-keys.json").content)
    paths["pem"].write_bytes(client.get("/.well-known/satudata-signing-key.pem").content)
    return paths


def run_verify(paths, keys_name="keys", **changes):
    out = io.StringIO()
    call_command(
        "verify",
        str(paths["file"]),
        manifest=str(paths["manifest"]),
        signature=str(paths["signature"]),
        keys=str(paths[keys_name]),
        stdout=out,
        **changes,
    )
    return out.getvalue()


def test_the_command_verifies_offline_without_the_database(downloaded, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert "SAH: berkas ini adalah rilis resmi yang tidak diubah" in run_verify(downloaded)
        assert "Persentase Penduduk Miskin" in run_verify(downloaded, keys_name="pem")


def test_the_command_rejects_a_changed_file_manifest_or_key(downloaded):
    failures = []
    cases = {
        "file": lambda p: p["file"].write_bytes(CSV.replace(b"8.25", b"9.25")),
        "manifest": lambda p: p["manifest"].write_bytes(
            p["manifest"].read_bytes().replace(b"Kesehatan", b"Kesehatam")
        ),
        "key": lambda p: p["pem"].write_bytes(_other_pem()),
    }
    originals = {name: downloaded[name].read_bytes() for name in ("file", "manifest", "pem")}
    for name, spoil in cases.items():
        spoil(downloaded)
        try:
            run_verify(downloaded, keys_name="pem" if name == "key" else "keys")
        except CommandError:
            pass
        else:
            failures.append(name)
        for key, data in originals.items():
            downloaded[key].write_bytes(data)
    assert not failures


def _other_pem():
    from satudata.signing.manifest import public_pem

    return public_pem(Ed25519PrivateKey.generate().public_key()).encode()


def test_the_command_looks_a_hash_up_in_the_database(catalog, cast, tmp_path):
    publish_new(catalog["open"], actor=cast["walidata"])
    path = tmp_path / "tabel.csv"
    path.write_bytes(CSV)
    out = io.StringIO()
    call_command("verify", str(path), stdout=out)
    assert "SAH" in out.getvalue()
    path.write_bytes(CSV + b"\n")
    with pytest.raises(CommandError, match="TIDAK DITEMUKAN"):
        call_command("verify", str(path), stdout=io.StringIO())


def test_the_command_runs_on_a_machine_without_the_portal(downloaded, tmp_path):
    """A separate process whose database cannot even be opened: only the files are used."""
    env = {
        **os.environ,
        "SATUDATA_DATABASE_URL": f"sqlite:///{tmp_path}/tidak-ada/db.sqlite3",
        "SATUDATA_VAR_DIR": str(tmp_path / "var"),
        "SATUDATA_SECRET_KEY": "uji-tanpa-basis-data",
        "SATUDATA_SIGNING_KEY_FILE": str(tmp_path / "tidak-ada" / "signing.key"),
    }
    args = [sys.executable, "-m", "satudata", "verify", str(downloaded["file"])]
    args += ["--manifest", str(downloaded["manifest"]), "--signature", str(downloaded["signature"])]
    args += ["--keys", str(downloaded["keys"])]
    ok = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert "SAH" in ok.stdout
    downloaded["file"].write_bytes(CSV + b"53.01,99\n")
    bad = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0 and "TIDAK COCOK" in bad.stderr
    assert not (tmp_path / "tidak-ada").exists()


def test_openssl_verifies_the_signature_as_documented(downloaded, tmp_path):
    """docs/security.md: the exact steps with plain OpenSSL."""
    raw = tmp_path / "manifest.sig.bin"
    raw.write_bytes(base64.b64decode(downloaded["signature"].read_bytes()))
    command = [
        "openssl",
        "pkeyutl",
        "-verify",
        "-pubin",
        "-inkey",
        str(downloaded["pem"]),
        "-rawin",
    ]
    command += ["-in", str(downloaded["manifest"]), "-sigfile", str(raw)]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        pytest.skip("openssl is not installed")
    assert result.returncode == 0 and "Signature Verified Successfully" in result.stdout
    downloaded["manifest"].write_bytes(
        downloaded["manifest"].read_bytes().replace(b"Dinas", b"Dinaz")
    )
    assert subprocess.run(command, capture_output=True, timeout=60).returncode != 0
