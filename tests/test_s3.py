"""Files in S3-compatible object storage, and backups to S3, against a real local S3 server.

The server is moto's (`python -m moto.server`), started once on a free loopback port; each
test gets its own bucket. Nothing leaves the machine: the endpoint is 127.0.0.1 and the
instance-metadata lookup for credentials is switched off.
"""

import io
import os
import socket
import subprocess
import sys
import tarfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import boto3
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from conftest import CANARY_RESTRICTED
from satudata.api.ckan import ids
from satudata.lib import archive_crypto, backup, crypto, filestore, objectstore
from satudata.stats import query

ROOT = Path(__file__).resolve().parent.parent
REGION = "ap-southeast-3"  # Jakarta
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "satudata-uji",
    "AWS_SECRET_ACCESS_KEY": "rahasia-uji",
    "AWS_EC2_METADATA_DISABLED": "true",
}
TABLE = (
    b"kode_wilayah,nama_wilayah,tahun,jumlah\n"
    b"53.01,Kabupaten Kupang,2023,120\n"
    b"53.10,Kabupaten Manggarai,2023,95\n"
    b"53.71,Kota Kupang,2023,210\n"
)
SECRET_TABLE = (
    b"kode_wilayah,tahun,jumlah,catatan\n"
    b"53.01,2023,7," + CANARY_RESTRICTED.encode() + b"\n"
    b"53.71,2023,9," + CANARY_RESTRICTED.encode() + b"\n"
)


@pytest.fixture(scope="session")
def s3_endpoint():
    """A moto S3 server process on a free loopback port, for the whole session."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("the local S3 server (moto) did not start")
            time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=10)


class Bucket:
    def __init__(self, endpoint, name):
        self.name = name
        self.client = boto3.client("s3", endpoint_url=endpoint, region_name=REGION)

    def objects(self, prefix="") -> dict[str, bytes]:
        found = {}
        listing = self.client.list_objects_v2(Bucket=self.name, Prefix=prefix)
        for item in listing.get("Contents", []):
            body = self.client.get_object(Bucket=self.name, Key=item["Key"])["Body"]
            found[item["Key"]] = body.read()
        return found

    def get(self, name) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=name)["Body"].read()

    def put(self, name, data: bytes):
        self.client.put_object(Bucket=self.name, Key=name, Body=data)


@pytest.fixture
def s3(s3_endpoint, settings, monkeypatch, tmp_path):
    """A fresh bucket, and the file store switched to it (request this before `catalog`)."""
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    bucket = Bucket(s3_endpoint, f"satudata-{uuid.uuid4().hex[:12]}")
    bucket.client.create_bucket(
        Bucket=bucket.name, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    settings.FILE_STORE = "s3"
    settings.S3_BUCKET = bucket.name
    settings.S3_ENDPOINT_URL = s3_endpoint
    settings.S3_REGION = REGION
    settings.S3_PREFIX = "ntt"
    settings.S3_CACHE_DIR = tmp_path / "s3-cache"
    return bucket


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def _upload(client, dataset, data, capture):
    from satudata.ingest.models import IngestRun

    payload = {"resource": str(dataset.resources.get().pk), "file": io.BytesIO(data)}
    payload["file"].name = "data.csv"
    with capture(execute=True):
        response = client.post(reverse("ingest:upload", args=[dataset.slug]), payload)
    assert response.status_code == 302
    return IngestRun.objects.order_by("-id").first()


def _publish(clients, version):
    from satudata.workflow.models import Submission

    clients["produsen_a"].post(reverse("workflow:submit_version", args=[version.pk]))
    submission = Submission.objects.get(version=version)
    clients["walidata"].post(reverse("workflow:transition", args=[submission.pk, "approve"]))
    assert clients["walidata"].post(reverse("ingest:publish", args=[version.pk])).status_code == 302


def _download(client, version, fmt=None) -> bytes:
    dataset = version.resource.dataset
    args = [dataset.slug, version.resource_id, version.number]
    if fmt is None:
        url = reverse("portal:download", args=args)
    else:
        url = reverse("portal:download_format", args=[*args, fmt])
    response = client.get(url)
    assert response.status_code == 200, url
    return b"".join(response.streaming_content)


def _keys_of(run) -> set[str]:
    version = run.version
    keys = {run.file_key, run.report_key, version.file_key, version.parquet_key}
    keys |= {item["key"] for item in version.downloads.values()}
    return {k for k in keys if k}


# --- the portal on S3: ingest -> publish -> download ---------------------------------------------


def test_ingest_publish_and_download_with_files_in_s3(
    s3, clients, catalog, immediate_tasks, django_capture_on_commit_callbacks, tmp_path
):
    from satudata.ingest.constants import RunStatus

    capture = django_capture_on_commit_callbacks
    run = _upload(clients["produsen_a"], catalog["open"], TABLE, capture)
    assert run.status == RunStatus.SUCCEEDED, list(run.problems.values_list("code", "message"))
    version = run.version
    _publish(clients, version)
    stored = s3.objects("ntt/files/")
    for key in _keys_of(run):
        assert stored[f"ntt/files/{key}"]  # every file of the upload is in the bucket
    assert stored[f"ntt/files/{version.file_key}"] == TABLE
    assert _download(clients["publik"], version) == TABLE
    assert b"53.10" in _download(clients["publik"], version, "csv")
    for fmt in ("xlsx", "json", "parquet"):
        assert _download(clients["publik"], version, fmt)
    # the preview is read by DuckDB from the local cache's copy of the Parquet object
    page = clients["publik"].get(catalog["open"].get_absolute_url()).content.decode()
    assert "Kabupaten Manggarai" in page
    # the query engine (DuckDB) reads the Parquet object through the local cache
    query.reset()
    answer = clients["publik"].get(
        "/api/3/action/datastore_search",
        {"resource_id": ids.to_ckan("resource", version.resource_id), "q": "Manggarai"},
    )
    assert answer.status_code == 200, answer.content
    records = answer.json()["result"]["records"]
    assert [r["kode_wilayah"] for r in records] == ["53.10"]
    # nothing went to the local file store
    assert not list(filestore.root().glob("??/??/*"))

    # Terbatas: encrypted before it reaches the bucket; readable by those allowed
    secret = _upload(clients["produsen_a"], catalog["restricted"], SECRET_TABLE, capture)
    assert secret.status == RunStatus.SUCCEEDED, list(secret.problems.values_list("code"))
    _publish(clients, secret.version)
    stored = s3.objects("ntt/files/")
    for key in _keys_of(secret):
        data = stored[f"ntt/files/{key}"]
        assert data.startswith(crypto.MAGIC)
        assert CANARY_RESTRICTED.encode() not in data
    assert _download(clients["pimpinan"], secret.version) == SECRET_TABLE
    assert CANARY_RESTRICTED.encode() in _download(clients["pimpinan"], secret.version, "csv")
    page = clients["pimpinan"].get(catalog["restricted"].get_absolute_url()).content.decode()
    assert CANARY_RESTRICTED in page  # the preview, decrypted for this request only
    assert clients["publik"].get(catalog["restricted"].get_absolute_url()).status_code == 404
    # what stays on local disk (the cache) holds ciphertext only: no decrypted copy outlives a read
    for path in (tmp_path / "s3-cache").rglob("*"):
        if path.is_file():
            assert CANARY_RESTRICTED.encode() not in path.read_bytes(), path


def test_put_is_checksummed_and_never_replaces_an_encrypted_copy(s3, settings):
    data = b"kode_wilayah,jumlah\n53.71,1\n"
    key = filestore.put(data, encrypt=True).key
    name = f"ntt/files/{key}"
    head = s3.client.head_object(Bucket=s3.name, Key=name, ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"]  # the upload carried the SHA-256 of its bytes
    first = s3.get(name)
    assert first.startswith(crypto.MAGIC) and filestore.is_encrypted(key)
    assert filestore.put(data).key == key  # the same content stored again, unencrypted
    assert s3.get(name) == first
    with filestore.open_file(key) as plain:
        assert plain.read() == data
    assert filestore.plaintext_sha256(key) == key
    # classification changes convert the object in place
    assert filestore.decrypt_existing(key) and s3.get(name) == data
    assert filestore.encrypt_existing(key) and s3.get(name).startswith(crypto.MAGIC)
    old = filestore.key_id_of(key)
    settings.MASTER_KEY_OLD, settings.MASTER_KEY = settings.MASTER_KEY, crypto.new_key_text()
    assert filestore.rewrap(key) and filestore.key_id_of(key) not in (None, old)
    assert filestore.plaintext_sha256(key) == key


def test_a_lost_race_is_refused_by_the_bucket(s3):
    key = filestore.put(b"isi pertama\n").key
    backend = filestore.store()
    version = backend.version(key)
    s3.put(f"ntt/files/{key}", b"ditulis proses lain\n")  # another writer, after our look
    tmp = filestore._write_tmp(lambda out: out.write(b"konversi yang kalah\n"))
    assert not backend.replace_if(tmp, key, version)
    assert s3.get(f"ntt/files/{key}") == b"ditulis proses lain\n"
    assert not os.path.exists(tmp)


def test_the_cache_keeps_to_its_cap_and_never_evicts_a_file_in_use(s3, settings, tmp_path):
    settings.S3_CACHE_MAX_BYTES = 25_000
    keys = [filestore.put(bytes([i]) * 10_000).key for i in range(6)]
    objects = tmp_path / "s3-cache" / "objects"
    with filestore.readable_path(keys[0]) as held:
        for key in keys[1:]:
            with filestore.readable_path(key) as path:
                assert path.read_bytes() == bytes([keys.index(key)]) * 10_000
        assert held.exists() and held.read_bytes() == b"\0" * 10_000
    cached = [p for p in objects.glob("??/*") if not p.name.endswith(".etag")]
    assert sum(p.stat().st_size for p in cached) <= 25_000
    # a cached copy changed behind our back is never served: it is checked against its hash
    with filestore.readable_path(keys[5]) as path:
        assert path.read_bytes() == b"\5" * 10_000
    s3.put(f"ntt/files/{keys[5]}", b"rusak")
    with pytest.raises(crypto.CorruptCiphertext), filestore.readable_path(keys[5]):
        pass
    with pytest.raises(FileNotFoundError), filestore.readable_path("0" * 64):
        pass


def test_the_sweeper_primitives_work_on_s3(s3):
    key = filestore.put(b"yatim\n").key
    assert list(filestore.iter_keys()) == [key]
    made = filestore.modified_time(key)
    assert abs(made - time.time()) < 120
    time.sleep(1.1)  # S3 keeps whole seconds
    filestore.put(b"yatim\n")  # the same content stored again (an upload not yet committed)
    assert filestore.modified_time(key) > made  # young again: the sweeper must keep it
    made = filestore.modified_time(key)
    assert not filestore.delete(key, unless_modified_after=made - 3600)  # young: kept
    assert filestore.delete(key, unless_modified_after=made + 1)
    assert list(filestore.iter_keys()) == [] and not filestore.exists(key)


# --- integrity and backups -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_verify_integrity_on_s3_finds_corrupt_and_missing_objects(s3, catalog):
    from satudata.catalog.models import ResourceVersion

    call_command("verify_integrity")  # a sound bucket passes
    restricted = ResourceVersion.objects.get(resource__dataset=catalog["restricted"])
    sealed = f"ntt/files/{restricted.file_key}"
    data = bytearray(s3.get(sealed))
    data[-3] ^= 1  # one bit of ciphertext flipped
    s3.put(sealed, bytes(data))
    version = ResourceVersion.objects.get(resource__dataset=catalog["open"])
    s3.put(f"ntt/files/{version.file_key}", b"bit rot")
    lost = ResourceVersion.objects.get(resource__dataset=catalog["other_opd"])
    s3.client.delete_object(Bucket=s3.name, Key=f"ntt/files/{lost.file_key}")
    result = backup.verify_integrity()
    assert sorted(result["corrupt"]) == sorted([restricted.file_key, version.file_key])
    assert lost.file_key in result["missing"]
    with pytest.raises(CommandError, match="2 berkas rusak dan"):
        call_command("verify_integrity")


def _target(tmp_path, endpoint, env_extra):
    """Environment of an empty portal with local file storage (its own database on PG)."""
    env = dict(os.environ, SATUDATA_VAR_DIR=str(tmp_path / "dst"), SATUDATA_DATABASE_URL="")
    env.update(CREDENTIALS, SATUDATA_S3_ENDPOINT_URL=endpoint, SATUDATA_S3_REGION=REGION)
    env.update(env_extra)
    env.pop("SATUDATA_FILE_STORE", None)
    url = os.environ.get("SATUDATA_DATABASE_URL", "")
    if url:
        database = f"s3drill_{uuid.uuid4().hex[:8]}"
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{database}"')
        env["SATUDATA_DATABASE_URL"] = urlunsplit(urlsplit(url)._replace(path="/" + database))
    return env


def _run(env, *args):
    done = subprocess.run(
        [sys.executable, "-m", "satudata", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


# One process for both (each start of Django costs seconds on a busy machine).
DIGEST_AND_VERIFY = (
    "import io, json; from django.core.management import call_command; "
    "from satudata.lib.backup import database_digest, stored_keys; "
    "out = io.StringIO(); call_command('verify_integrity', stdout=out); "
    "print(json.dumps({'tables': database_digest(), 'files': stored_keys(), "
    "'verify': out.getvalue()}))"
)


@pytest.mark.django_db(transaction=True)
def test_encrypted_backup_to_s3_restores_into_an_empty_local_instance(
    s3, s3_endpoint, catalog, settings, tmp_path
):
    import json

    settings.BACKUP_PASSPHRASE = "kata sandi cadangan yang panjang"
    url = f"s3://{s3.name}/cadangan/harian/satudata.tar"
    out = io.StringIO()
    call_command("backup", url, "--encrypt", stdout=out)
    assert "kata sandi cadangan" in out.getvalue()
    before = {"tables": backup.database_digest(), "files": backup.stored_keys()}
    assert len(before["files"]) >= 4  # the catalog's files, all in the bucket

    sealed = s3.get("cadangan/harian/satudata.tar")
    assert archive_crypto.is_encrypted_head(sealed)
    for plain in (b"manifest.json", b"database.", CANARY_RESTRICTED.encode()):
        assert plain not in sealed
    with pytest.raises(tarfile.TarError):
        tarfile.open(fileobj=io.BytesIO(sealed)).getmembers()
    assert backup.check_archive(url)["files"]
    settings.BACKUP_PASSPHRASE = "kata sandi yang salah"
    with pytest.raises(backup.BackupError, match="kata sandi atau kunci salah"):
        backup.check_archive(url)

    target = _target(
        tmp_path,
        s3_endpoint,
        {
            "SATUDATA_BACKUP_PASSPHRASE": "kata sandi cadangan yang panjang",
            # the restricted files inside are still encrypted with the portal's master key
            "SATUDATA_MASTER_KEY": settings.MASTER_KEY,
        },
    )
    assert "Portal dipulihkan" in _run(target, "restore", url)
    after = json.loads(_run(target, "shell", "-c", DIGEST_AND_VERIFY).splitlines()[-1])
    assert "utuh dan lengkap" in after.pop("verify")
    assert after == before
    # the restored files are on the target's local disk, encrypted where they were
    files = tmp_path / "dst" / "files"
    assert sorted(p.name for p in files.glob("??/??/*")) == before["files"]
    for path in files.glob("??/??/*"):
        assert CANARY_RESTRICTED.encode() not in path.read_bytes()


@pytest.mark.django_db(transaction=True)
def test_an_archive_sealed_with_the_master_key_needs_that_key(settings, tmp_path):
    settings.BACKUP_PASSPHRASE = ""
    filestore.put(b"isi berkas\n")
    archive = tmp_path / "cadangan.tar"
    backup.create_backup(archive, encrypt=True)
    assert archive_crypto.is_encrypted_head(archive.read_bytes()[:16])
    assert backup.check_archive(archive)["files"]
    data = bytearray(archive.read_bytes())
    for change in ("flip", "cut"):
        bad = tmp_path / f"{change}.tar"
        bad.write_bytes(bytes(data[:-1]) if change == "cut" else _flipped(data, len(data) // 2))
        with pytest.raises(backup.BackupError):
            backup.check_archive(bad)
    settings.MASTER_KEY = crypto.new_key_text()
    with pytest.raises(backup.BackupError, match="tidak tersedia"):
        backup.check_archive(archive)


@pytest.mark.django_db(transaction=True)
def test_an_encrypted_backup_without_any_key_is_refused(settings, tmp_path):
    settings.BACKUP_PASSPHRASE = settings.MASTER_KEY = ""
    settings.VAR_DIR = tmp_path / "var"  # no var/master.key either
    with pytest.raises(CommandError, match="SATUDATA_BACKUP_PASSPHRASE atau kunci induk"):
        call_command("backup", str(tmp_path / "a.tar"), "--encrypt")
    assert not (tmp_path / "a.tar").exists() and not (tmp_path / "var" / "master.key").exists()


def _flipped(data: bytearray, at: int) -> bytes:
    copy = bytearray(data)
    copy[at] ^= 1
    return bytes(copy)


def test_s3_addresses_are_checked():
    assert objectstore.parse_url("s3://cadangan/harian/a.tar") == ("cadangan", "harian/a.tar")
    for bad in ("s3://cadangan", "s3://cadangan/", "s3:///a.tar", "http://x/a.tar"):
        with pytest.raises(objectstore.ObjectStoreError):
            objectstore.parse_url(bad)


def test_the_start_up_check_wants_a_bucket_for_s3(settings):
    from satudata.lib.checks import file_store

    settings.FILE_STORE, settings.S3_BUCKET = "s3", ""
    assert [e.id for e in file_store(None)] == ["satudata.E011"]
    settings.S3_BUCKET = "satudata-berkas"
    assert file_store(None) == []
    settings.FILE_STORE = "nfs"
    assert [e.id for e in file_store(None)] == ["satudata.E010"]
