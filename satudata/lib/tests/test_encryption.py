"""Encryption at rest of Terbatas and Tertutup files (docs/security.md, "Encryption at rest")."""

import base64
import io
import os
import tarfile

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from conftest import CANARY_CLOSED
from satudata.catalog.actions import change_access
from satudata.catalog.constants import Access
from satudata.catalog.models import ResourceVersion
from satudata.ingest.constants import RunStatus
from satudata.ingest.models import IngestRun
from satudata.lib import backup, crypto, filestore
from satudata.stats import query

SECRET_CELL = "kanarisandi8w"
HEADER = b"kode_wilayah,nama_wilayah,tahun,jumlah,catatan"
CSV = HEADER + (
    b"\n53.01,Kabupaten Kupang,2023,120," + SECRET_CELL.encode() + b"\n"
    b"53.10,Kabupaten Manggarai,2023,95,biasa\n"
    b"53.71,Kota Kupang,2023,210,biasa\n"
)
BIG = 2 * crypto.CHUNK + 12345  # three chunks, the last one short


def new_key():
    return base64.b64encode(os.urandom(32)).decode()


def raw(key):
    return filestore.path_for(key).read_bytes()


def assert_hidden(data: bytes, *plaintexts: bytes):
    for plain in plaintexts:
        assert plain not in data, plain[:40]


def parquet_bytes():
    buffer = io.BytesIO()
    pq.write_table(pa.table({"kode_wilayah": ["53.01"], "catatan": [SECRET_CELL]}), buffer)
    return buffer.getvalue()


# --- the file format -----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 100, crypto.CHUNK, crypto.CHUNK + 1, BIG])
def test_round_trip_and_seek(size):
    data = os.urandom(size)
    stored = filestore.put(data, encrypt=True)
    assert stored.key == filestore.put(data).key  # the key is the plaintext's hash either way
    assert stored.size == size and filestore.is_encrypted(stored.key)
    with filestore.open_file(stored.key) as plain:
        assert plain.read() == data
        plain.seek(max(0, size - 7))
        assert plain.read() == data[max(0, size - 7) :]
        plain.seek(size // 2)
        assert plain.read(10) == data[size // 2 : size // 2 + 10]
    assert filestore.plaintext_sha256(stored.key) == stored.key


def test_the_disk_holds_no_plaintext():
    stored = filestore.put(CSV, encrypt=True)
    parquet = filestore.put(parquet_bytes(), encrypt=True)
    assert_hidden(raw(stored.key), HEADER, b"kode_wilayah", SECRET_CELL.encode())
    assert_hidden(raw(parquet.key), b"PAR1", SECRET_CELL.encode())
    assert raw(stored.key).startswith(crypto.MAGIC)
    # while an unencrypted file is stored as it is
    assert raw(filestore.put(b"terbuka").key) == b"terbuka"


def test_two_files_with_the_same_plaintext_do_not_share_ciphertext():
    first = raw(filestore.put(CSV, encrypt=True).key)
    second = raw(filestore.put(CSV, encrypt=True).key)
    assert first != second  # a new data key and nonce prefix every time


@pytest.mark.parametrize("where", ["header", "wrapped key", "body", "last tag"])
def test_a_changed_byte_is_refused(where):
    key = filestore.put(os.urandom(BIG), encrypt=True).key
    path = filestore.path_for(key)
    data = bytearray(path.read_bytes())
    offset = {
        "header": 8,  # the master key id
        "wrapped key": 8 + 8 + 12 + 5,
        "body": crypto.HEADER_SIZE + crypto.CHUNK + 40,
        "last tag": len(data) - 1,
    }[where]
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(crypto.CryptoError):
        filestore.plaintext_sha256(key)


@pytest.mark.parametrize(
    "cut",
    [
        crypto.HEADER_SIZE + crypto.CHUNK + crypto.TAG,  # exactly after the first chunk
        crypto.HEADER_SIZE + 2 * (crypto.CHUNK + crypto.TAG),  # after the second (full) chunk
        -1,  # one byte short
        50,  # inside the header
    ],
)
def test_a_truncated_file_is_refused(cut):
    key = filestore.put(os.urandom(BIG), encrypt=True).key
    path = filestore.path_for(key)
    path.write_bytes(path.read_bytes()[:cut])
    with pytest.raises(crypto.CryptoError):
        filestore.plaintext_sha256(key)


def test_an_extended_or_moved_file_is_refused():
    data = os.urandom(crypto.CHUNK)  # exactly one full chunk
    key = filestore.put(data, encrypt=True).key
    path = filestore.path_for(key)
    original = path.read_bytes()
    # a second copy of the last chunk appended: the first is then not the last one any more
    path.write_bytes(original + original[crypto.HEADER_SIZE :])
    with pytest.raises(crypto.CryptoError):
        filestore.plaintext_sha256(key)
    # another file's ciphertext put in its place: its header is bound to its own hash
    other = filestore.put(os.urandom(crypto.CHUNK), encrypt=True).key
    path.write_bytes(raw(other))
    with pytest.raises(crypto.CorruptCiphertext):
        filestore.plaintext_sha256(key)


def test_the_wrong_master_key_cannot_open_a_file(settings):
    key = filestore.put(CSV, encrypt=True).key
    settings.MASTER_KEY = new_key()
    with pytest.raises(crypto.MasterKeyUnavailable):
        filestore.open_file(key)
    settings.MASTER_KEY = ""
    settings.MASTER_KEY_FILE = str(filestore.root() / "tidak-ada.key")
    with pytest.raises(crypto.MasterKeyUnavailable):
        filestore.open_file(key)
    with pytest.raises(crypto.MasterKeyUnavailable):  # a configured file is never made up
        filestore.put(CSV, encrypt=True)


def test_the_default_key_file_is_made_once_with_mode_0600(settings, tmp_path):
    settings.MASTER_KEY = ""
    settings.MASTER_KEY_FILE = ""
    settings.VAR_DIR = tmp_path / "var"
    key = filestore.put(CSV, encrypt=True).key
    made = tmp_path / "var" / "master.key"
    assert made.stat().st_mode & 0o777 == 0o600
    text = made.read_text()
    assert len(base64.b64decode(text.strip())) == 32
    filestore.put(b"lagi", encrypt=True)
    assert made.read_text() == text
    with filestore.open_file(key) as plain:
        assert plain.read() == CSV


def test_a_master_key_of_the_wrong_length_is_refused(settings):
    settings.MASTER_KEY = base64.b64encode(b"pendek").decode()
    with pytest.raises(crypto.MasterKeyUnavailable, match="32 byte"):
        filestore.put(CSV, encrypt=True)


def test_an_encrypted_copy_is_never_replaced_by_plaintext():
    key = filestore.put(CSV, encrypt=True).key
    assert filestore.put(CSV).key == key  # the same bytes uploaded to a Terbuka dataset
    assert filestore.is_encrypted(key)
    with filestore.open_file(key) as plain:
        assert plain.read() == CSV
    # and a plaintext that looks like our header is stored encrypted, so the rule is exact
    lookalike = crypto.MAGIC + b"bukan berkas terenkripsi"
    other = filestore.put(lookalike)
    assert filestore.is_encrypted(other.key)
    with filestore.open_file(other.key) as plain:
        assert plain.read() == lookalike
    assert not filestore.decrypt_existing(other.key)


def test_encrypt_and_decrypt_existing_files():
    key = filestore.put(CSV).key
    assert filestore.encrypt_existing(key) and not filestore.encrypt_existing(key)
    assert_hidden(raw(key), HEADER)
    assert filestore.decrypt_existing(key) and not filestore.decrypt_existing(key)
    assert raw(key) == CSV


def test_readable_path_is_a_private_copy_removed_afterwards():
    key = filestore.put(parquet_bytes(), encrypt=True).key
    with filestore.readable_path(key) as path:
        assert path != filestore.path_for(key)
        assert path.stat().st_mode & 0o777 == 0o600
        assert path.parent.stat().st_mode & 0o777 == 0o700
        assert pq.read_table(path).column("catatan").to_pylist() == [SECRET_CELL]
    assert not path.exists()
    plain = filestore.put(b"terbuka").key
    with filestore.readable_path(plain) as path:
        assert path == filestore.path_for(plain)
    assert path.exists()


# --- rotation ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_rotate_keys_rewraps_then_the_old_key_can_go(settings, capsys):
    old = settings.MASTER_KEY
    keys = [filestore.put(CSV, encrypt=True).key, filestore.put(os.urandom(BIG), encrypt=True).key]
    plain = filestore.put(b"terbuka").key
    bodies = {k: raw(k)[crypto.HEADER_SIZE :] for k in keys}
    settings.MASTER_KEY, settings.MASTER_KEY_OLD = new_key(), old
    call_command("rotate_keys")
    out = capsys.readouterr().out
    assert "2 berkas dibungkus ulang" in out and "1 berkas Terbuka" in out
    new_id = crypto.key_id(base64.b64decode(settings.MASTER_KEY))
    for key in keys:
        assert filestore.key_id_of(key) == new_id
        assert raw(key)[crypto.HEADER_SIZE :] == bodies[key]  # only the wrap changed
    assert raw(plain) == b"terbuka"
    call_command("rotate_keys")  # idempotent
    assert "0 berkas dibungkus ulang, 2 sudah memakai" in capsys.readouterr().out
    settings.MASTER_KEY_OLD = ""  # the old key removed: everything still opens
    for key in keys:
        assert filestore.plaintext_sha256(key) == key
    call_command("rotate_keys", "--reencrypt")
    assert "2 berkas dienkripsi ulang" in capsys.readouterr().out
    for key in keys:
        assert raw(key)[crypto.HEADER_SIZE :] != bodies[key]
        assert filestore.plaintext_sha256(key) == key


@pytest.mark.django_db
def test_rotate_keys_without_the_old_key_fails_and_changes_nothing(settings):
    key = filestore.put(CSV, encrypt=True).key
    before = raw(key)
    settings.MASTER_KEY = new_key()
    with pytest.raises(CommandError, match="1 berkas gagal"):
        call_command("rotate_keys")
    assert raw(key) == before


def test_old_keys_from_a_key_file(settings, tmp_path):
    old = settings.MASTER_KEY
    key = filestore.put(CSV, encrypt=True).key
    ring = tmp_path / "lama.keys"
    ring.write_text(f"# kunci induk sebelum 2026\n{new_key()}\n{old}\n")
    settings.MASTER_KEY, settings.MASTER_KEY_OLD_FILE = new_key(), str(ring)
    with filestore.open_file(key) as plain:
        assert plain.read() == CSV


# --- the portal: uploads, downloads, queries, classification changes -----------------------------


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def upload(client, dataset, data, capture, name="data.csv"):
    payload = {"resource": str(dataset.resources.get().pk), "file": io.BytesIO(data)}
    payload["file"].name = name
    with capture(execute=True):
        return client.post(reverse("ingest:upload", args=[dataset.slug]), payload)


def stored_keys_of(run):
    version = run.version
    keys = {run.file_key, run.report_key, version.parquet_key}
    keys |= {item["key"] for item in version.downloads.values()}
    return keys


@pytest.mark.django_db
def test_a_tertutup_upload_is_encrypted_and_only_its_owner_gets_it_back(
    clients, catalog, immediate_tasks, django_capture_on_commit_callbacks
):
    dataset = catalog["closed"]
    upload(clients["produsen_a"], dataset, CSV, django_capture_on_commit_callbacks)
    run = IngestRun.objects.order_by("-id").first()
    assert run.status == RunStatus.SUCCEEDED, list(run.problems.values_list("code", "message"))
    keys = stored_keys_of(run)
    assert len(keys) >= 4  # original, report, Parquet and the other downloads
    for key in keys:
        data = raw(key)
        assert data.startswith(crypto.MAGIC)
        assert_hidden(data, HEADER, b"kode_wilayah", SECRET_CELL.encode(), b"PAR1", b"Kupang")
    version = run.version
    url = reverse("portal:download", args=[dataset.slug, version.resource_id, version.number])
    response = clients["produsen_a"].get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == CSV
    assert int(response["Content-Length"]) == len(CSV)
    parquet = clients["produsen_a"].get(
        reverse(
            "portal:download_format",
            args=[dataset.slug, version.resource_id, version.number, "parquet"],
        )
    )
    assert b"".join(parquet.streaming_content).startswith(b"PAR1")
    # someone the policy refuses never reaches the file
    assert clients["produsen_b"].get(url).status_code == 404
    assert clients["publik"].get(url).status_code == 404
    # the dataset page previews the published version, whose file is encrypted too
    published = ResourceVersion.objects.get(resource__dataset=dataset, number=1)
    assert filestore.is_encrypted(published.file_key)
    page = clients["produsen_a"].get(reverse("portal:dataset", args=[dataset.slug]))
    assert CANARY_CLOSED in page.content.decode()


@pytest.mark.django_db
def test_duckdb_reads_an_encrypted_terbatas_parquet(
    clients, catalog, immediate_tasks, django_capture_on_commit_callbacks
):
    dataset = catalog["restricted"]
    upload(clients["produsen_a"], dataset, CSV, django_capture_on_commit_callbacks)
    version = IngestRun.objects.order_by("-id").first().version
    assert filestore.is_encrypted(version.parquet_key)
    query.reset()
    table = query.Table(version)
    answer = query.rows(
        table, query.RowQuery(filters=(query.make_filter(table, "catatan", "eq", SECRET_CELL),))
    )
    assert [r["kode_wilayah"] for r in answer["records"]] == ["53.01"]
    assert query.count(table) == 3
    assert not list(filestore.plain_tmp_dir().iterdir())  # no decrypted copy left behind
    # the version page's comparison reads both Parquet files the same way
    upload(
        clients["produsen_a"],
        dataset,
        CSV.replace(b"95", b"96"),
        django_capture_on_commit_callbacks,
    )
    page = clients["produsen_a"].get(
        reverse("portal:diff", args=[dataset.slug, version.resource_id]) + "?dari=2&ke=3"
    )
    assert page.status_code == 200
    assert "Perbandingan tidak dapat dibuat" not in page.content.decode()
    assert not list(filestore.plain_tmp_dir().iterdir())


@pytest.mark.django_db
def test_a_classification_change_encrypts_and_decrypts_the_files(
    cast, catalog, immediate_tasks, django_capture_on_commit_callbacks
):
    dataset = catalog["open"]
    keys = set(
        ResourceVersion.objects.filter(resource__dataset=dataset).values_list("file_key", flat=True)
    )
    assert keys and not any(filestore.is_encrypted(k) for k in keys)
    with django_capture_on_commit_callbacks(execute=True):
        change_access(
            dataset, Access.CLOSED, actor=cast["walidata"], reason="Memuat data individu."
        )
    assert all(filestore.is_encrypted(k) for k in keys)
    with django_capture_on_commit_callbacks(execute=True):
        change_access(
            dataset, Access.OPEN, actor=cast["walidata"], reason="Sudah diagregasi penuh."
        )
    assert not any(filestore.is_encrypted(k) for k in keys)


@pytest.mark.django_db
def test_a_file_shared_with_a_tertutup_dataset_stays_encrypted(
    cast, catalog, immediate_tasks, django_capture_on_commit_callbacks
):
    from satudata.catalog.actions import add_version

    closed, opened = catalog["closed"], catalog["open"]
    shared = add_version(closed.resources.get(), CSV, "bersama.csv").file_key
    add_version(opened.resources.get(), CSV, "bersama.csv")
    with django_capture_on_commit_callbacks(execute=True):
        change_access(opened, Access.RESTRICTED, actor=cast["walidata"], reason="Uji bersama.")
    with django_capture_on_commit_callbacks(execute=True):
        change_access(opened, Access.OPEN, actor=cast["walidata"], reason="Uji bersama lagi.")
    assert filestore.is_encrypted(shared)


# --- integrity checks and backups ----------------------------------------------------------------


@pytest.mark.django_db
def test_verify_integrity_decrypts_and_finds_tampering(catalog, settings):
    closed = ResourceVersion.objects.get(resource__dataset=catalog["closed"])
    assert filestore.is_encrypted(closed.file_key)
    call_command("verify_integrity")  # a sound store with encrypted files passes
    path = filestore.path_for(closed.file_key)
    data = bytearray(path.read_bytes())
    data[-3] ^= 0x40
    path.write_bytes(bytes(data))
    assert backup.verify_integrity()["corrupt"] == [closed.file_key]
    settings.MASTER_KEY = new_key()
    restricted = ResourceVersion.objects.get(resource__dataset=catalog["restricted"])
    assert restricted.file_key in backup.verify_integrity()["locked"]


@pytest.mark.django_db
def test_verify_integrity_reports_a_restricted_file_left_unencrypted(catalog):
    version = ResourceVersion.objects.get(resource__dataset=catalog["restricted"])
    filestore.decrypt_existing(version.file_key)
    assert backup.verify_integrity()["unencrypted"] == [version.file_key]
    with pytest.raises(CommandError, match="belum terenkripsi"):
        call_command("verify_integrity")
    call_command("rotate_keys")  # catches up
    assert filestore.is_encrypted(version.file_key)
    call_command("verify_integrity")


@pytest.mark.django_db(transaction=True)
def test_a_backup_carries_ciphertext_and_restores_with_the_master_key(tmp_path, settings, capsys):
    secret = filestore.put(CSV, encrypt=True).key
    open_key = filestore.put(b"terbuka").key
    archive = tmp_path / "a.tar"
    manifest = backup.create_backup(archive)
    entries = {f["key"]: f for f in manifest["files"]}
    assert entries[secret]["encrypted"] and "encrypted" not in entries[open_key]
    with tarfile.open(archive) as tar:
        member = tar.extractfile(f"files/{secret}").read()
    assert member.startswith(crypto.MAGIC)
    assert_hidden(member, HEADER, SECRET_CELL.encode())
    assert_hidden(archive.read_bytes(), HEADER, SECRET_CELL.encode())

    key = settings.MASTER_KEY
    settings.FILE_STORE_DIR = tmp_path / "kosong"
    settings.MASTER_KEY = new_key()  # a new server without the master key yet
    backup.restore_backup(archive, force=True, progress=print)
    assert "belum dapat dibuka karena kunci induknya" in capsys.readouterr().out
    assert backup.verify_integrity()["locked"] == [secret]
    settings.MASTER_KEY = key  # the master key from its own (offline) backup
    assert backup.verify_integrity()["locked"] == []
    with filestore.open_file(secret) as plain:
        assert plain.read() == CSV


@pytest.mark.django_db(transaction=True)
def test_a_tampered_encrypted_file_is_not_backed_up(tmp_path):
    key = filestore.put(CSV, encrypt=True).key
    path = filestore.path_for(key)
    data = bytearray(path.read_bytes())
    data[crypto.HEADER_SIZE + 3] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(backup.BackupError, match="rusak"):
        backup.create_backup(tmp_path / "a.tar")
