"""Backups that restore: the drill on the demo, and every way an archive or the store can be bad."""

import base64
import io
import json
import os
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from satudata.lib import backup, filestore

ROOT = Path(__file__).resolve().parent.parent
DRILL_MASTER_KEY = base64.b64encode(os.urandom(32)).decode()
SATUDATA = [sys.executable, "-m", "satudata"]


# --- the restore drill: back up the demo, restore into an empty instance, compare ---------------


def _instance(tmp_path, name, admin_connection):
    """Environment of a separate portal: its own var dir and, on PostgreSQL, its own database."""
    env = dict(os.environ, SATUDATA_VAR_DIR=str(tmp_path / name), SATUDATA_DATABASE_URL="")
    # The demo's Terbatas/Tertutup files are encrypted at rest: the restored instance needs the
    # same master key, which is never in the archive (docs/security.md, "Encryption at rest").
    env["SATUDATA_MASTER_KEY"] = DRILL_MASTER_KEY
    url = os.environ.get("SATUDATA_DATABASE_URL", "")
    if url:
        database = f"drill_{name}_{uuid.uuid4().hex[:8]}"
        with admin_connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{database}"')
        parts = urlsplit(url)
        env["SATUDATA_DATABASE_URL"] = urlunsplit(parts._replace(path="/" + database))
    return env


def _run(env, *args):
    done = subprocess.run(
        [*SATUDATA, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


DIGEST = (
    "import json; from satudata.lib.backup import database_digest, stored_keys; "
    "print(json.dumps({'tables': database_digest(), 'files': stored_keys()}))"
)


@pytest.mark.django_db(transaction=True)
def test_restore_drill_on_the_demo(tmp_path):
    # PostgreSQL: CREATE DATABASE cannot run inside a transaction, so use Django's connection
    # in autocommit (transaction=True tests run outside one).
    source = _instance(tmp_path, "src", connection)
    target = _instance(tmp_path, "dst", connection)
    _run(source, "migrate", "--noinput", "-v", "0")
    _run(source, "demo", "--password", "kata-sandi-latihan")
    archive = tmp_path / "cadangan.tar"
    _run(source, "backup", str(archive))
    assert "Arsip utuh" in _run(source, "restore", "--check", str(archive))

    out = _run(target, "restore", str(archive))
    assert "Portal dipulihkan" in out
    before = json.loads(_run(source, "shell", "-c", DIGEST).splitlines()[-1])
    after = json.loads(_run(target, "shell", "-c", DIGEST).splitlines()[-1])
    assert after == before
    assert before["tables"]["catalog_dataset"][0] > 40 and len(before["files"]) > 100
    assert "utuh dan lengkap" in _run(target, "verify-integrity")
    # a restored portal serves its pages
    _run(
        target,
        "shell",
        "-c",
        "from django.test import Client; assert Client().get('/').status_code == 200",
    )


# --- archives that must be refused ---------------------------------------------------------------


def _stored(data: bytes) -> str:
    return filestore.put(data).key


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_in_process_and_refusals(tmp_path, settings):
    keys = [_stored(b"satu"), _stored(b"dua" * 1000)]
    archive = tmp_path / "a.tar"
    manifest = backup.create_backup(archive)
    assert sorted(f["key"] for f in manifest["files"]) == sorted(keys)
    assert backup.check_archive(archive)["database"]["engine"] == backup.engine()
    assert not (tmp_path / "a.tar.partial").exists()

    # into an empty store: files come back from the archive, each under its own hash
    settings.FILE_STORE_DIR = tmp_path / "kosong"
    backup.restore_backup(archive, force=True)
    assert backup.stored_keys() == sorted(keys)

    # a portal with data is not overwritten without --force
    from satudata.accounts.models import User

    User.objects.create(username="ada")
    with pytest.raises(backup.BackupError, match="sudah berisi portal"):
        backup.restore_backup(archive)


def _rewrite(archive: Path, out: Path, change):
    """Copy the archive member by member, letting `change(name, data)` alter or drop a member."""
    with tarfile.open(archive) as src, tarfile.open(out, "w") as dst:
        for member in src:
            data = change(member.name, src.extractfile(member).read())
            if data is None:
                continue
            info = tarfile.TarInfo(member.name)
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))


@pytest.mark.django_db(transaction=True)
def test_tampered_or_incomplete_archives_are_refused(tmp_path):
    key = _stored(b"isi asli")
    archive = tmp_path / "a.tar"
    backup.create_backup(archive)
    cases = {
        "flipped": lambda name, data: b"isi palsu" if name == f"files/{key}" else data,
        "dropped": lambda name, data: None if name == f"files/{key}" else data,
        "database": lambda name, data: data + b"x" if name.startswith("database.") else data,
        "extra": lambda name, data: data,
    }
    for label, change in cases.items():
        bad = tmp_path / f"{label}.tar"
        _rewrite(archive, bad, change)
        if label == "extra":
            with tarfile.open(bad, "a") as tar:
                info = tarfile.TarInfo("../../etc/passwd")
                info.size = 1
                tar.addfile(info, io.BytesIO(b"x"))
        with pytest.raises(backup.BackupError):
            backup.check_archive(bad)
        with pytest.raises(CommandError):
            call_command("restore", str(bad), "--force")
    (tmp_path / "junk.tar").write_bytes(b"bukan arsip")
    with pytest.raises(CommandError, match="bukan arsip cadangan"):
        call_command("restore", "--check", str(tmp_path / "junk.tar"))


@pytest.mark.django_db(transaction=True)
def test_verify_integrity_finds_corrupt_and_missing_files(catalog):
    from satudata.catalog.models import ResourceVersion

    call_command("verify_integrity")  # a sound store passes
    version = ResourceVersion.objects.exclude(file_key="").first()
    path = filestore.path_for(version.file_key)
    path.write_bytes(path.read_bytes() + b"!")  # bit rot
    other = ResourceVersion.objects.exclude(pk=version.pk).exclude(file_key=version.file_key)
    lost = other.exclude(file_key="").first()
    filestore.path_for(lost.file_key).unlink()
    result = backup.verify_integrity()
    assert result["corrupt"] == [version.file_key]
    assert lost.file_key in result["missing"]
    with pytest.raises(CommandError, match="1 berkas rusak dan"):
        call_command("verify_integrity")
    with pytest.raises(backup.BackupError, match="rusak"):
        backup.create_backup(Path(str(path.parent)) / "tidak-jadi.tar")
