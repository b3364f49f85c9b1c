"""Backups that restore: one archive with a consistent database snapshot and every stored file.

The archive is a plain tar file, written to a temporary name, fsync'd and renamed, so a
half-written archive never looks like a finished one:

    database.sqlite3 | database.pgdump   the database, as the engine itself snapshots it
    files/<sha256>                       every file of the content-addressed store, as stored:
                                         encrypted files stay encrypted (their data keys are
                                         wrapped in their headers; restoring needs the master
                                         key, which is never in the archive)
    manifest.json                        last: format, time, engine, sizes and checksums,
                                         and a digest (row count + hash) of every table

The archive may be encrypted as a whole (`--encrypt`, satudata.lib.archive_crypto: the same
tar inside an authenticated AES-256-GCM envelope) and written to, or read from, S3-compatible
storage (`s3://bucket/prefix/name`, satudata.lib.objectstore): it is finished locally first,
then uploaded with a checksum, and appears in the bucket only whole. Files are read through
the file store, so a portal whose files live in S3 backs them up the same way.

The database is snapshotted first (SQLite's online backup API, or pg_dump, each a consistent
point in time); the files are listed after it. Every file the snapshot refers to was stored
(and fsync'd) before the transaction that refers to it committed, so it is in the archive;
files are immutable and named by their hash, which is checked while they are copied in. A
restore checks every member against the manifest before it touches the target, refuses a
database that already holds a portal (unless forced), and compares the restored tables with
the digest in the manifest.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404  # fixed argument lists, never a shell
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from django.conf import settings
from django.db import connection

from . import archive_crypto, crypto, filestore, objectstore

FORMAT = 1
MANIFEST = "manifest.json"
FILES = "files/"
CHUNK = 1024 * 1024
# Tables whose content is derived from other tables (SQLite full-text index shadow tables):
# compared through the tables they index, not byte for byte.
DERIVED_PREFIXES = ("sqlite_", "catalog_dataset_fts")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the operator (Indonesian)."""


def engine() -> str:
    return "sqlite" if connection.vendor == "sqlite" else "postgresql"


# --- the database ------------------------------------------------------------------------------


def pg_tool(name: str) -> str:
    """pg_dump/pg_restore: from PATH, else the newest Debian server binaries."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if not candidates:
        raise BackupError(f"Program {name} tidak ditemukan; pasang klien PostgreSQL.")
    return str(candidates[-1])


def pg_environment() -> dict[str, str]:
    """libpq environment for the database in use (a test run's own, in tests)."""
    params = connection.get_connection_params()
    env = dict(os.environ)
    for key, name in (
        ("PGHOST", "host"),
        ("PGPORT", "port"),
        ("PGUSER", "user"),
        ("PGPASSWORD", "password"),
        ("PGDATABASE", "dbname"),
        ("PGSSLMODE", "sslmode"),
    ):
        if params.get(name):
            env[key] = str(params[name])
    return env


def dump_database(path: Path) -> None:
    """A consistent snapshot of the default database into `path`."""
    if engine() == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        return
    run = subprocess.run(  # nosec B603  # fixed program and argument list, never a shell
        [
            pg_tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            "--file",
            str(path),
        ],
        env=pg_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode:
        raise BackupError(f"pg_dump gagal: {run.stderr.strip()}")


def load_database(path: Path) -> None:
    """Replace the default database's contents with the dump at `path`."""
    if engine() == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(path)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
        return
    connection.close()
    run = subprocess.run(  # nosec B603  # fixed program and argument list, never a shell
        [
            pg_tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            pg_environment().get("PGDATABASE", ""),
            str(path),
        ],
        env=pg_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode:
        raise BackupError(f"pg_restore gagal: {run.stderr.strip()}")


def database_digest() -> dict[str, list]:
    """{table: [row count, sha256 of its rows in a fixed order]} for every table of the portal."""
    digest = {}
    with connection.cursor() as cursor:
        tables = sorted(connection.introspection.table_names(cursor))
        for table in tables:
            if table.startswith(DERIVED_PREFIXES):
                continue
            name = connection.ops.quote_name(table)  # names come from the database's own catalog
            columns = len(connection.introspection.get_table_description(cursor, table))
            order = ", ".join(str(i) for i in range(1, columns + 1))
            cursor.execute(f"SELECT * FROM {name} ORDER BY {order}")  # noqa: S608  # nosec B608  # table names come from the database catalog, quoted with quote_name
            rows, hashed = 0, hashlib.sha256()
            while batch := cursor.fetchmany(2000):
                for row in batch:
                    hashed.update(repr(tuple(_plain(v) for v in row)).encode())
                rows += len(batch)
            digest[table] = [rows, hashed.hexdigest()]
    return digest


def _plain(value):
    # The same value read back through another connection may come as another type.
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


def is_empty() -> bool:
    """Whether the database holds no portal yet (no tables, or tables without users/datasets)."""
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        for table in ("accounts_user", "catalog_dataset"):
            if table in tables:
                cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608  # nosec B608  # table names come from the database catalog, quoted with quote_name
                if cursor.fetchone()[0]:
                    return False
    return True


# --- the archive -------------------------------------------------------------------------------


class _Hashing(io.RawIOBase):
    """A read-only stream that hashes what passes through it."""

    def __init__(self, raw):
        self.raw, self.sha256, self.size = raw, hashlib.sha256(), 0

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self.raw.read(len(buffer))
        self.sha256.update(data)
        self.size += len(data)
        buffer[: len(data)] = data
        return len(data)


def stored_keys() -> list[str]:
    """Keys of every file in the store, local or S3 (temporary files left out)."""
    try:
        return sorted(filestore.iter_keys())
    except objectstore.ObjectStoreError as error:
        raise BackupError(str(error)) from error


def _work_dir() -> Path:
    """Local room for an archive on its way to or from S3 (and decrypted copies of one)."""
    path = Path(settings.VAR_DIR) / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path


def create_backup(
    dest: str | Path,
    *,
    encrypt: bool = False,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Write the archive to `dest` (a .tar path or s3://bucket/prefix/name); returns its
    manifest. encrypt=True seals it with a key from SATUDATA_BACKUP_PASSPHRASE, else from
    the master key (archive_crypto)."""
    say = progress or (lambda message: None)
    remote = objectstore.is_url(str(dest))
    try:
        if remote:
            objectstore.parse_url(str(dest))
            folder = _work_dir()
            fd, name = tempfile.mkstemp(prefix="backup-", suffix=".tar.partial", dir=folder)
            os.close(fd)
            partial = Path(name)
        else:
            dest = Path(dest)
            dest.parent.mkdir(parents=True, exist_ok=True)
            folder = dest.parent
            partial = dest.with_name(dest.name + ".partial")
        work = Path(tempfile.mkdtemp(prefix="backup-", dir=folder))
    except objectstore.ObjectStoreError as error:
        raise BackupError(str(error)) from error
    try:
        member = "database.sqlite3" if engine() == "sqlite" else "database.pgdump"
        dump = work / member
        say("Memotret basis data …")
        dump_database(dump)
        digest = database_digest()
        database = {"engine": engine(), "member": member, "size": dump.stat().st_size}
        database["sha256"] = _file_sha256(dump)
        keys = stored_keys()
        say(f"Menyalin {len(keys):,} berkas …")
        files, corrupt = [], []
        with open(partial, "wb") as sink:
            out = _sealed(sink) if encrypt else sink
            manifest = _write_tar(out, dump, member, database, digest, keys, files, corrupt)
            if encrypt:
                out.finish()
            sink.flush()
            os.fsync(sink.fileno())
        if remote:
            say(f"Mengunggah ke {dest} …")
            objectstore.upload_file(partial, str(dest))
            say(f"Cadangan selesai: {dest} ({partial.stat().st_size / 1e6:.1f} MB).")
        else:
            os.replace(partial, dest)
            _fsync_dir(dest.parent)
            say(f"Cadangan selesai: {dest} ({dest.stat().st_size / 1e6:.1f} MB).")
        return manifest
    except (objectstore.ObjectStoreError, archive_crypto.ArchiveKeyError) as error:
        raise BackupError(str(error)) from error
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if partial.exists():
            partial.unlink()


def _sealed(sink):
    try:
        return archive_crypto.EncryptingWriter(sink)
    except crypto.MasterKeyUnavailable as error:
        raise BackupError(
            "Cadangan terenkripsi memerlukan SATUDATA_BACKUP_PASSPHRASE atau kunci induk "
            f"(SATUDATA_MASTER_KEY / SATUDATA_MASTER_KEY_FILE): {error}"
        ) from error


def _write_tar(out, dump, member, database, digest, keys, files, corrupt) -> dict:
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        tar.add(dump, arcname=member)
        for key in keys:
            try:
                raw = filestore.open_stored(key)
            except FileNotFoundError:
                continue  # removed since the listing (an old orphan): the snapshot needs it not
            with raw:
                info = tarfile.TarInfo(FILES + key)
                info.size = raw.seek(0, io.SEEK_END)
                info.mtime, info.mode = int(time.time()), 0o600
                raw.seek(0)
                hashing = _Hashing(raw)
                tar.addfile(info, io.BufferedReader(hashing, CHUNK))
            if hashing.size != info.size:
                raise BackupError(f"Berkas {key} berubah saat dicadangkan.")
            entry = {"key": key, "size": info.size}
            if hashing.sha256.hexdigest() != key:
                # encrypted at rest: the archive holds the ciphertext, checked by its own
                # hash; the plaintext is checked against the key by decrypting it
                if _sound_encrypted(key):
                    entry.update(sha256=hashing.sha256.hexdigest(), encrypted=True)
                else:
                    corrupt.append(key)
            files.append(entry)
        if corrupt:
            raise BackupError(
                f"{len(corrupt)} berkas di penyimpanan rusak (isinya tidak cocok dengan "
                f"hash-nya), misalnya {corrupt[0]}. Jalankan satudata verify-integrity."
            )
        manifest = {
            "format": FORMAT,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "database": database,
            "tables": digest,
            "files": files,
        }
        data = json.dumps(manifest, indent=1, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime = len(data), int(dt.datetime.now().timestamp())
        tar.addfile(info, io.BytesIO(data))
    return manifest


@contextlib.contextmanager
def opened_archive(source: str | Path) -> Iterator[Path]:
    """A local path to the plain tar of `source` (a path or an s3:// address), downloaded
    and decrypted first when it is remote or encrypted; removed when the block ends."""
    work = None
    try:
        if objectstore.is_url(str(source)):
            stream = objectstore.open_object(*objectstore.parse_url(str(source)))
        else:
            stream = open(source, "rb")  # noqa: SIM115 - closed below
        with stream:
            encrypted = archive_crypto.is_encrypted_head(stream.peek(16)[:16])
            if encrypted or objectstore.is_url(str(source)):
                work = Path(tempfile.mkdtemp(prefix="restore-", dir=_work_dir()))
                path = work / "archive.tar"
                with open(path, "wb") as out:
                    if encrypted:
                        archive_crypto.decrypt(stream, out)
                    else:
                        shutil.copyfileobj(stream, out, CHUNK)
            else:
                path = Path(source)
    except FileNotFoundError as error:
        _cleanup(work)
        raise BackupError(f"Arsip {source} tidak ada: {error}") from error
    except archive_crypto.ArchiveKeyError as error:
        _cleanup(work)
        raise BackupError(str(error)) from error
    except OSError as error:
        _cleanup(work)
        raise BackupError(f"{source} bukan arsip cadangan Satu Data yang utuh: {error}") from error
    try:
        yield path
    finally:
        _cleanup(work)


def _cleanup(work: Path | None) -> None:
    if work is not None:
        shutil.rmtree(work, ignore_errors=True)


def read_manifest(archive: str | Path) -> dict:
    with opened_archive(archive) as path:
        return _read_manifest(path)


def _read_manifest(archive: Path) -> dict:
    try:
        with tarfile.open(archive, "r:") as tar:
            member = tar.getmember(MANIFEST)
            manifest = json.load(tar.extractfile(member))
    except (OSError, KeyError, tarfile.TarError, ValueError) as error:
        raise BackupError(f"{archive} bukan arsip cadangan Satu Data yang utuh: {error}") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Format arsip {manifest.get('format')!r} tidak dikenal.")
    return manifest


def check_archive(archive: str | Path, manifest: dict | None = None) -> dict:
    """Read every member and check it against the manifest; returns the manifest."""
    with opened_archive(archive) as path:
        return _check_archive(path, manifest)


def _check_archive(archive: Path, manifest: dict | None = None) -> dict:
    manifest = manifest or _read_manifest(archive)
    expected = {FILES + f["key"]: (f.get("sha256", f["key"]), f["size"]) for f in manifest["files"]}
    database = manifest["database"]
    expected[database["member"]] = (database["sha256"], database["size"])
    seen = set()
    with tarfile.open(archive, "r:") as tar:
        for member in tar:
            if member.name == MANIFEST:
                continue
            if member.name not in expected or not member.isfile():
                raise BackupError(f"Arsip berisi anggota yang tidak tercatat: {member.name!r}.")
            sha256, size = expected[member.name]
            if _stream_sha256(tar.extractfile(member)) != sha256 or member.size != size:
                raise BackupError(f"Isi {member.name} di arsip tidak cocok dengan manifesnya.")
            seen.add(member.name)
    missing = set(expected) - seen
    if missing:
        raise BackupError(f"Arsip tidak lengkap: {len(missing)} anggota hilang.")
    return manifest


def restore_backup(
    archive: str | Path, *, force: bool = False, progress: Callable[[str], None] | None = None
) -> dict:
    """Rebuild the portal's database and file store from `archive` (a path or an s3://
    address, encrypted or not); returns the manifest."""
    say = progress or (lambda message: None)
    with opened_archive(archive) as path:
        try:
            return _restore(path, force, say)
        except objectstore.ObjectStoreError as error:
            raise BackupError(str(error)) from error


def _restore(archive: Path, force: bool, say) -> dict:
    say("Memeriksa arsip …")
    manifest = _check_archive(archive)
    database = manifest["database"]
    if database["engine"] != engine():
        raise BackupError(
            f"Arsip ini dari {database['engine']}, portal ini memakai {engine()}; "
            "pulihkan ke jenis basis data yang sama."
        )
    if not force and not is_empty():
        raise BackupError(
            "Basis data tujuan sudah berisi portal. Pulihkan ke instans kosong, atau pakai "
            "--force untuk menimpanya."
        )
    stored_hash = {f["key"]: f.get("sha256", f["key"]) for f in manifest["files"]}
    encrypted = [f["key"] for f in manifest["files"] if f.get("encrypted")]
    work = Path(tempfile.mkdtemp(prefix="restore-"))
    try:
        with tarfile.open(archive, "r:") as tar:
            say(f"Memulihkan {len(manifest['files']):,} berkas …")
            for member in tar:
                if member.name.startswith(FILES):
                    key = member.name[len(FILES) :]
                    if filestore.exists(key):
                        continue
                    # byte for byte: an encrypted file is restored still encrypted
                    if filestore.put_verbatim(key, tar.extractfile(member)) != stored_hash[key]:
                        raise BackupError(f"Berkas {key} berubah saat dipulihkan.")
                elif member.name == database["member"]:
                    with open(work / member.name, "wb") as out:
                        shutil.copyfileobj(tar.extractfile(member), out, CHUNK)
        say("Memulihkan basis data …")
        load_database(work / database["member"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    connection.close()
    restored = database_digest()
    different = sorted(
        t for t in set(manifest["tables"]) | set(restored)
        if manifest["tables"].get(t) != restored.get(t)
    )  # fmt: skip
    if different:
        raise BackupError(
            f"Hasil pemulihan berbeda dari cadangan pada tabel: {', '.join(different[:10])}."
        )
    _check_restored_encrypted(encrypted, say)
    say(
        f"Pemulihan selesai: {len(restored)} tabel dan {len(manifest['files']):,} berkas sama "
        "dengan cadangan."
    )
    return manifest


def _sound_encrypted(key: str) -> bool:
    """Whether an encrypted stored file decrypts, authenticated, to the plaintext of `key`."""
    if not filestore.is_encrypted(key):
        return False
    try:
        return filestore.plaintext_sha256(key) == key
    except filestore.MasterKeyUnavailable as error:
        raise BackupError(f"Berkas {key} tidak dapat diperiksa: {error}") from error
    except filestore.CryptoError:
        return False


def _check_restored_encrypted(keys, say) -> None:
    """Decrypt every restored encrypted file once; without the master key, say so loudly."""
    locked = 0
    for key in keys:
        try:
            if filestore.plaintext_sha256(key) != key:
                raise BackupError(f"Berkas terenkripsi {key} rusak setelah dipulihkan.")
        except filestore.MasterKeyUnavailable:
            locked += 1
        except filestore.CryptoError as error:
            raise BackupError(f"Berkas terenkripsi {key} rusak: {error}") from error
    if locked:
        say(
            f"PERINGATAN: {locked:,} berkas terenkripsi belum dapat dibuka karena kunci induknya "
            "tidak tersedia. Pasang kunci induk dari cadangan kunci (SATUDATA_MASTER_KEY atau "
            "SATUDATA_MASTER_KEY_FILE), lalu jalankan satudata verify-integrity."
        )


# --- integrity of the live store ---------------------------------------------------------------


def referenced_keys() -> dict[str, list[str]]:
    """Keys the database refers to, by where they are referenced."""
    from satudata.catalog.models import ResourceVersion
    from satudata.ingest.models import IngestRun

    refs: dict[str, list[str]] = {}

    def add(key, where):
        if key:
            refs.setdefault(key, []).append(where)

    for pk, file_key, parquet_key, downloads in ResourceVersion.objects.values_list(
        "pk", "file_key", "parquet_key", "downloads"
    ).iterator():
        add(file_key, f"versi {pk} (berkas asli)")
        add(parquet_key, f"versi {pk} (Parquet)")
        for fmt, item in (downloads or {}).items():
            add((item or {}).get("key"), f"versi {pk} (unduhan {fmt})")
    for pk, file_key, report_key in IngestRun.objects.values_list(
        "pk", "file_key", "report_key"
    ).iterator():
        add(file_key, f"unggahan {pk}")
        add(report_key, f"unggahan {pk} (laporan)")
    return refs


def verify_integrity(progress: Callable[[str], None] | None = None) -> dict:
    """Check every stored file against its hash and every reference against the store."""
    say = progress or (lambda message: None)
    from .encryption import restricted_keys

    keys = stored_keys()
    say(f"Memeriksa {len(keys):,} berkas …")
    corrupt, locked = [], []
    for key in keys:
        try:
            if not filestore.is_encrypted(key):
                with filestore.open_stored(key) as raw:
                    if _stream_sha256(raw) != key:
                        corrupt.append(key)
                continue
        except FileNotFoundError:
            continue  # removed since the listing (an old orphan)
        try:  # the plaintext, decrypted and authenticated chunk by chunk
            if filestore.plaintext_sha256(key) != key:
                corrupt.append(key)
        except filestore.MasterKeyUnavailable:
            locked.append(key)
        except filestore.CryptoError:
            corrupt.append(key)
    present = set(keys)
    missing = {key: where for key, where in referenced_keys().items() if key not in present}
    unencrypted = sorted(
        key for key in restricted_keys() if key in present and not filestore.is_encrypted(key)
    )
    return {
        "files": len(keys),
        "corrupt": corrupt,
        "missing": missing,
        "locked": locked,
        "unencrypted": unencrypted,
    }


# --- helpers -----------------------------------------------------------------------------------


def _stream_sha256(stream) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _file_sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return _stream_sha256(f)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
