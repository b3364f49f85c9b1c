"""The orphan sweeper: only unreferenced files older than the threshold go."""

import os
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from satudata.catalog.models import ResourceVersion
from satudata.ingest.models import IngestRun
from satudata.lib import filestore
from satudata.lib.sweep import sweep_orphans

HOUR = 3600


def age(key_or_path, hours):
    """Make a stored file (or any path) look `hours` old."""
    path = key_or_path if isinstance(key_or_path, Path) else filestore.path_for(key_or_path)
    then = time.time() - hours * HOUR
    os.utime(path, (then, then))


def sweep(*args):
    from io import StringIO

    out = StringIO()
    call_command("sweep_orphans", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def store(catalog):
    """Referenced files (the catalog's versions and one run's upload and report), all made
    old, plus a young and an old orphan."""
    version = ResourceVersion.objects.first()
    upload, report = filestore.put(b"unggahan, dirujuk proses").key, filestore.put(b"lap").key
    IngestRun.objects.create(
        resource=version.resource, file_key=upload, report_key=report, size=10, original_name="a"
    )
    referenced = set(filestore.iter_keys())
    for key in referenced:
        age(key, 100)
    young, old = filestore.put(b"yatim muda").key, filestore.put(b"yatim tua").key
    age(young, 23)
    age(old, 25)
    return {"referenced": referenced, "young": young, "old": old, "upload": upload}


@pytest.mark.django_db
def test_it_removes_only_old_unreferenced_files(store):
    out = sweep()
    keys = set(filestore.iter_keys())
    assert store["referenced"] <= keys  # versions' originals, Parquet, downloads; runs' files
    assert store["upload"] in keys
    assert store["young"] in keys  # perhaps an upload whose transaction has not committed yet
    assert store["old"] not in keys
    assert "1 berkas yatim dihapus, 1 berkas yatim yang lebih muda dari 24 jam" in out
    assert len(store["referenced"]) > 3
    # a shorter threshold takes the young orphan too, never a referenced file
    sweep("--older-than", "1")
    assert set(filestore.iter_keys()) == store["referenced"]


@pytest.mark.django_db
def test_dry_run_removes_nothing(store):
    before = set(filestore.iter_keys())
    out = sweep("--dry-run", "-v", "2")
    assert set(filestore.iter_keys()) == before
    assert f"yatim akan dihapus: {store['old']}" in out
    assert "1 berkas yatim akan dihapus" in out
    result = sweep_orphans(older_than_hours=0, dry_run=True)
    assert sorted(result.removed) == sorted([store["young"], store["old"]])
    assert set(filestore.iter_keys()) == before


@pytest.mark.django_db
def test_content_stored_again_is_young_even_when_the_old_copy_is_kept(db, settings):
    # An encrypted copy is kept when the same content is stored again unencrypted (filestore.put):
    # its time must still move, or the sweeper could remove a file a transaction is about to
    # refer to (the upload of a file someone uploaded, then abandoned, a day ago).
    key = filestore.put(b"isi yang sama", encrypt=True).key
    age(key, 48)
    assert filestore.put(b"isi yang sama").key == key
    assert filestore.is_encrypted(key)
    assert time.time() - filestore.modified_time(key) < 60
    sweep_orphans(older_than_hours=24)
    assert filestore.exists(key)


@pytest.mark.django_db
def test_delete_checks_the_time_again(db):
    key = filestore.put(b"baru saja disimpan lagi").key
    cutoff = time.time() - HOUR
    assert filestore.delete(key, unless_modified_after=cutoff) is False
    assert filestore.exists(key)
    age(key, 2)
    assert filestore.delete(key, unless_modified_after=cutoff) is True
    assert not filestore.exists(key)
    assert filestore.delete(key) is False  # already gone


@pytest.mark.django_db
def test_stale_temporary_files_and_work_directories_go(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    filestore.put(b"membuat direktori tmp")
    tmp = filestore.root() / "tmp"
    stale, fresh = tmp / "tmpterputus", tmp / "tmpsedangditulis"
    stale.write_bytes(b"setengah")
    fresh.write_bytes(b"sedang ditulis")
    age(stale, 30)
    lock = tmp / ".lock"
    age(lock, 30)
    work_old = settings.VAR_DIR / "tmp" / "run-7-abc"
    work_new = settings.VAR_DIR / "tmp" / "run-8-def"
    for directory in (work_old, work_new):
        directory.mkdir(parents=True)
        (directory / "tabel.parquet").write_bytes(b"PAR1")
    age(work_old / "tabel.parquet", 30)
    age(work_old, 30)
    out = sweep()
    assert "2 berkas sementara basi dihapus" in out
    assert not stale.exists() and not work_old.exists()
    assert fresh.exists() and work_new.exists() and lock.exists()


def test_a_negative_threshold_is_refused():
    with pytest.raises(CommandError):
        call_command("sweep_orphans", "--older-than", "-1")
    with pytest.raises(CommandError):
        call_command("sweep_orphans", "--older-than", "nan")
