"""The file store on S3-compatible object storage (SATUDATA_FILE_STORE=s3), and S3 for backups.

Objects are named `<SATUDATA_S3_PREFIX>files/<sha256>`, the same keys as the local store, and
hold the same bytes (ciphertext for Terbatas/Tertutup files: encryption happens before the
upload, so the bucket never sees a plaintext of restricted data). satudata.lib.filestore does
the hashing and encryption and calls the small storage interface below (S3Store mirrors
filestore.LocalStore).

Durability: a file is written completely to a local temporary file first, then sent with one
PutObject, which S3 makes visible atomically and only whole; the request carries Content-MD5
and a SHA-256 checksum of the bytes, so the server refuses a body damaged on the way. put()
returns (and the caller commits its database row) only after S3 acknowledged the object.
Conditional writes keep the rules of the local store without a lock: plaintext is uploaded
with If-None-Match: * (it never replaces what is there, which may be an encrypted copy), and
a conversion (encrypt, decrypt, rewrap) replaces the object with If-Match: <the ETag it read>,
so a concurrent change wins and the conversion reports that it did nothing.

Local cache: DuckDB needs a file path, so readable_path() downloads the object into
SATUDATA_S3_CACHE_DIR (as stored: ciphertext stays ciphertext; a decrypted copy is made per
read, as with the local store) and revalidates it with If-None-Match: <ETag> on each use (one
request; 304 when unchanged). Files are evicted, least recently used first, once the cache
passes SATUDATA_S3_CACHE_MAX_BYTES; a file in use is held with a shared lock and never
evicted under its reader. Downloads (open_file) stream from S3 without the cache.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import io
import os
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

from . import crypto

CHUNK = 1024 * 1024
_clients: dict[tuple, object] = {}
_stores: dict[tuple, S3Store] = {}
_lock = threading.Lock()


class ObjectStoreError(OSError):
    """S3 refused or could not be reached; the message is for the operator (Indonesian)."""

    def __init__(self, message: str, code: str = ""):
        super().__init__(message)
        self.code = code


class _Precondition(Exception):
    """An If-Match / If-None-Match condition did not hold (HTTP 412)."""


class _NotModified(Exception):
    """If-None-Match matched: the cached copy is current (HTTP 304)."""


def client():
    """A boto3 S3 client for the configured endpoint (one per process; clients are thread-safe).

    Credentials come from boto3's usual chain: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and
    AWS_SESSION_TOKEN), AWS_PROFILE, or an instance role.
    """
    style = settings.S3_ADDRESSING_STYLE or ("path" if settings.S3_ENDPOINT_URL else "auto")
    config_key = (settings.S3_ENDPOINT_URL, settings.S3_REGION, style)
    with _lock:
        found = _clients.get(config_key)
        if found is None:
            import boto3
            from botocore.config import Config

            found = boto3.session.Session().client(
                "s3",
                endpoint_url=settings.S3_ENDPOINT_URL or None,
                region_name=settings.S3_REGION or None,
                config=Config(
                    retries={"mode": "standard", "max_attempts": 5},
                    connect_timeout=10,
                    read_timeout=120,
                    max_pool_connections=32,
                    s3={"addressing_style": style},
                    # we send our own SHA-256 and MD5 on every upload; many S3-compatible
                    # servers refuse the SDK's default streaming CRC trailers
                    request_checksum_calculation="when_required",
                    response_checksum_validation="when_required",
                ),
            )
            _clients[config_key] = found
    return found


def call(operation: str, **params):
    """One S3 request; maps the answers the store handles to Python exceptions."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return getattr(client(), operation)(**params)
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in ("NoSuchKey", "404", "NotFound") or status == 404:
            raise FileNotFoundError(f"s3://{params.get('Bucket')}/{params.get('Key')}") from None
        if code in ("PreconditionFailed", "412") or status == 412:
            raise _Precondition() from None
        if code in ("NotModified", "304") or status == 304:
            raise _NotModified() from None
        raise ObjectStoreError(
            f"Penyimpanan objek S3 menolak {operation}: {error}", code
        ) from error
    except BotoCoreError as error:
        raise ObjectStoreError(f"Penyimpanan objek S3 tidak dapat dihubungi: {error}") from error


def checksums(path: Path) -> dict:
    """Content-MD5 and ChecksumSHA256 of a local file, for an upload the server verifies."""
    md5 = hashlib.md5(usedforsecurity=False)  # Content-MD5 is what every S3 server checks
    sha = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            md5.update(chunk)
            sha.update(chunk)
    return {
        "ContentMD5": base64.b64encode(md5.digest()).decode(),
        "ChecksumAlgorithm": "SHA256",
        "ChecksumSHA256": base64.b64encode(sha.digest()).decode(),
    }


# --- reading an object as a seekable stream ------------------------------------------------------


class S3Reader(io.RawIOBase):
    """The bytes of one object version: sequential reads share one GET, a seek starts a
    ranged GET; every request is pinned to the ETag first seen (If-Match), so a reader never
    mixes two versions of an object."""

    def __init__(self, bucket: str, name: str, etag: str | None = None):
        self.bucket, self.name = bucket, name
        params = {"IfMatch": etag} if etag else {}
        try:
            response = call("get_object", Bucket=bucket, Key=name, **params)
        except _Precondition:
            raise FileNotFoundError(f"s3://{bucket}/{name} berubah") from None
        self.size = response["ContentLength"]
        self.etag = response["ETag"]
        self.last_modified = response.get("LastModified")
        self._body, self._body_pos, self.pos = response["Body"], 0, 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def _reopen(self):
        self._close_body()
        try:
            response = call(
                "get_object",
                Bucket=self.bucket,
                Key=self.name,
                Range=f"bytes={self.pos}-",
                IfMatch=self.etag,
            )
        except _Precondition:
            raise ObjectStoreError(
                f"Objek s3://{self.bucket}/{self.name} berubah saat dibaca."
            ) from None
        self._body, self._body_pos = response["Body"], self.pos

    def readinto(self, buffer):
        if self.pos >= self.size or len(buffer) == 0:
            return 0
        if self._body is None or self._body_pos != self.pos:
            self._reopen()
        data = self._body.read(min(len(buffer), self.size - self.pos))
        if not data:
            raise ObjectStoreError(f"Objek s3://{self.bucket}/{self.name} terpotong saat dibaca.")
        n = len(data)
        buffer[:n] = data
        self.pos += n
        self._body_pos += n
        return n

    def seek(self, offset, whence=io.SEEK_SET):
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.pos, io.SEEK_END: self.size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self.pos = base + offset
        return self.pos

    def tell(self):
        return self.pos

    def _close_body(self):
        if self._body is not None:
            self._body.close()
            self._body = None

    def close(self):
        if not self.closed:
            self._close_body()
        super().close()


def open_object(bucket: str, name: str, etag: str | None = None) -> io.BufferedReader:
    """A buffered, seekable stream of an object (FileNotFoundError when it does not exist)."""
    return io.BufferedReader(S3Reader(bucket, name, etag), CHUNK)


# --- the local cache for readers that need a path (DuckDB) ---------------------------------------


class Cache:
    """Downloaded objects under DIR/objects/ab/<key>.<etag tag> (the ETag itself beside it in
    <name>.etag), at most max_bytes in all."""

    def __init__(self, directory: Path, max_bytes: int):
        self.directory = Path(directory)
        self.max_bytes = max_bytes

    @property
    def objects(self) -> Path:
        path = self.directory / "objects"
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def tmp(self) -> Path:
        path = self.directory / "tmp"
        path.mkdir(parents=True, exist_ok=True)
        return path

    @staticmethod
    def _tag(etag: str) -> str:
        return hashlib.sha256(etag.strip('"').encode()).hexdigest()[:16]

    def _folder(self, key: str) -> Path:
        path = self.objects / key[:2]
        path.mkdir(exist_ok=True)
        return path

    def _copies(self, key: str):
        for path in self._folder(key).glob(f"{key}.*"):
            if not path.name.endswith(".etag"):
                yield path

    def find(self, key: str) -> tuple[Path, str] | None:
        """The newest cached copy of `key` and its ETag, if any."""
        found = []
        for path in self._copies(key):
            with contextlib.suppress(OSError):
                found.append((path.stat().st_mtime, path))
        if not found:
            return None
        path = max(found)[1]
        with contextlib.suppress(OSError):
            return path, (path.parent / (path.name + ".etag")).read_text()
        return None

    def pin(self, path: Path):
        """Open `path` under a shared lock (None when it was evicted meanwhile); the lock keeps
        eviction away until the returned file is closed."""
        try:
            handle = open(path, "rb")  # noqa: SIM115 - closed by the caller
        except FileNotFoundError:
            return None
        fcntl.flock(handle, fcntl.LOCK_SH)
        try:
            same = os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino
        except FileNotFoundError:
            same = False
        if not same:
            handle.close()
            return None
        with contextlib.suppress(OSError):
            # recently used (at most once a minute: DuckDB's metadata cache watches the time)
            if time.time() - os.fstat(handle.fileno()).st_mtime > 60:
                os.utime(path)
        return handle

    def add(self, key: str, etag: str, tmp_name: str) -> Path:
        """Move a complete download (or upload) into the cache; older copies of key go."""
        final = self._folder(key) / f"{key}.{self._tag(etag)}"
        (final.parent / (final.name + ".etag")).write_text(etag)
        os.replace(tmp_name, final)
        for old in self._copies(key):
            if old != final:
                self._evict(old)
        self.trim(keep=final)
        return final

    def drop(self, key: str) -> None:
        for old in self._copies(key):
            self._evict(old)

    def _evict(self, path: Path) -> int:
        """Remove `path` unless a reader holds it; returns the bytes freed."""
        try:
            handle = open(path, "rb")  # noqa: SIM115 - closed below
        except FileNotFoundError:
            return 0
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return 0
            size = os.fstat(handle.fileno()).st_size
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            with contextlib.suppress(FileNotFoundError):
                (path.parent / (path.name + ".etag")).unlink()
        return size

    def trim(self, keep: Path | None = None) -> None:
        entries = []
        for path in self.objects.glob("??/*"):
            if path.name.endswith(".etag"):
                continue
            with contextlib.suppress(FileNotFoundError):
                stat = path.stat()
                entries.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in entries)
        for _, _, path in sorted(entries, key=lambda e: e[0]):
            if total <= self.max_bytes:
                break
            if path != keep:
                total -= self._evict(path)


# --- the store -----------------------------------------------------------------------------------


class S3Store:
    """Objects `<prefix>files/<sha256>` in one bucket; see the module docstring."""

    stable = False  # a path from local_copy() is only valid inside its block

    def __init__(self, bucket: str, prefix: str, cache: Cache):
        self.bucket = bucket
        self.prefix = prefix
        self.cache = cache

    @classmethod
    def current(cls) -> S3Store:
        if not settings.S3_BUCKET:
            raise ObjectStoreError("SATUDATA_FILE_STORE=s3 memerlukan SATUDATA_S3_BUCKET.")
        prefix = settings.S3_PREFIX.strip("/")
        prefix = f"{prefix}/" if prefix else ""
        config_key = (
            settings.S3_BUCKET,
            prefix,
            settings.S3_ENDPOINT_URL,
            str(settings.S3_CACHE_DIR),
            settings.S3_CACHE_MAX_BYTES,
        )
        with _lock:
            found = _stores.get(config_key)
            if found is None:
                cache = Cache(Path(settings.S3_CACHE_DIR), settings.S3_CACHE_MAX_BYTES)
                found = _stores[config_key] = cls(settings.S3_BUCKET, prefix, cache)
        return found

    def name(self, key: str) -> str:
        return f"{self.prefix}files/{key}"

    def tmp_dir(self) -> Path:
        return self.cache.tmp

    # reading

    def exists(self, key: str) -> bool:
        try:
            call("head_object", Bucket=self.bucket, Key=self.name(key))
        except FileNotFoundError:
            return False
        return True

    def head(self, key: str, size: int) -> bytes:
        try:
            response = call(
                "get_object", Bucket=self.bucket, Key=self.name(key), Range=f"bytes=0-{size - 1}"
            )
        except ObjectStoreError as error:
            if error.code == "InvalidRange":  # an empty object
                return b""
            raise
        with contextlib.closing(response["Body"]) as body:
            return body.read()

    def version(self, key: str) -> str | None:
        try:
            return call("head_object", Bucket=self.bucket, Key=self.name(key))["ETag"]
        except FileNotFoundError:
            return None

    def open_stored(self, key: str, version: str | None = None):
        return open_object(self.bucket, self.name(key), version)

    @contextlib.contextmanager
    def local_copy(self, key: str):
        """A local path to the stored bytes of `key`, valid inside the block."""
        handle = path = None
        for _attempt in range(3):
            cached = self.cache.find(key)
            params = {"IfNoneMatch": cached[1]} if cached else {}
            try:
                response = call("get_object", Bucket=self.bucket, Key=self.name(key), **params)
            except _NotModified:
                path = cached[0]
            else:
                path = self._download(key, response)
            handle = self.cache.pin(path)
            if handle is not None:
                break
        if handle is None:
            raise ObjectStoreError(f"Salinan lokal {key} terus tergusur dari cache S3.")
        try:
            yield path
        finally:
            handle.close()

    def _download(self, key: str, response) -> Path:
        fd, tmp_name = tempfile.mkstemp(dir=self.cache.tmp, prefix="get-")
        digest = hashlib.sha256()
        first = True
        encrypted = False
        try:
            with os.fdopen(fd, "wb") as out, contextlib.closing(response["Body"]) as body:
                while chunk := body.read(CHUNK):
                    if first:
                        encrypted = crypto.is_encrypted_head(chunk)
                        first = False
                    digest.update(chunk)
                    out.write(chunk)
            # a plaintext is checked against its name now; a ciphertext when it is decrypted
            if not encrypted and digest.hexdigest() != key:
                raise crypto.CorruptCiphertext(f"Isi berkas {key} tidak cocok dengan hash-nya.")
            return self.cache.add(key, response["ETag"], tmp_name)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise

    # writing

    def _put(self, tmp_name: str, key: str, **conditions) -> str:
        with open(tmp_name, "rb") as body:
            response = call(
                "put_object",
                Bucket=self.bucket,
                Key=self.name(key),
                Body=body,
                **checksums(Path(tmp_name)),
                **conditions,
            )
        return response["ETag"]

    def _keep(self, tmp_name: str, key: str, etag: str | None) -> None:
        """The uploaded bytes are what the bucket holds now: keep them as the cached copy."""
        if etag and self.cache.max_bytes > 0:
            self.cache.add(key, etag, tmp_name)
        else:
            os.unlink(tmp_name)

    def commit(self, tmp_name: str, key: str, *, encrypted: bool) -> None:
        """put(): store a complete temporary file under `key` (see the module docstring)."""
        if encrypted:
            self._keep(tmp_name, key, self._put(tmp_name, key))
            return
        for _attempt in range(5):
            try:
                etag = self._put(tmp_name, key, IfNoneMatch="*")
            except _Precondition:
                pass  # already stored, perhaps encrypted: keep it
            except ObjectStoreError as error:
                if error.code != "ConditionalRequestConflict":
                    raise
                continue  # a concurrent write of the same key: look again
            else:
                self._keep(tmp_name, key, etag)
                return
            try:
                self._touch(key)
            except FileNotFoundError:
                continue  # removed meanwhile (orphan sweeper): upload again
            os.unlink(tmp_name)
            return
        raise ObjectStoreError(f"Berkas {key} tidak dapat disimpan ke S3 (terus berubah).")

    def _touch(self, key: str) -> None:
        """Content stored again: refresh the object's time so the orphan sweeper sees it as
        young (a server-side copy onto itself; the bytes stay as they are)."""
        call(
            "copy_object",
            Bucket=self.bucket,
            Key=self.name(key),
            CopySource={"Bucket": self.bucket, "Key": self.name(key)},
            MetadataDirective="REPLACE",
            ChecksumAlgorithm="SHA256",
        )

    def replace(self, tmp_name: str, key: str) -> None:
        self._keep(tmp_name, key, self._put(tmp_name, key))

    def replace_if(self, tmp_name: str, key: str, version: str) -> bool:
        try:
            etag = self._put(tmp_name, key, IfMatch=version)
        except (_Precondition, FileNotFoundError):
            os.unlink(tmp_name)
            return False
        self.cache.drop(key)
        self._keep(tmp_name, key, etag)
        return True

    # listing and removal (the orphan sweeper)

    def iter_keys(self):
        from .filestore import is_key

        start = f"{self.prefix}files/"
        pages = client().get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=start)
        try:
            for page in pages:
                for item in page.get("Contents", []):
                    name = item["Key"][len(start) :]
                    if is_key(name):
                        yield name
        except Exception as error:
            if isinstance(error, OSError):
                raise
            raise ObjectStoreError(f"Daftar objek S3 tidak dapat dibaca: {error}") from error

    def modified_time(self, key: str) -> float:
        return call("head_object", Bucket=self.bucket, Key=self.name(key))[
            "LastModified"
        ].timestamp()

    def delete(self, key: str, *, unless_modified_after: float | None = None) -> bool:
        # S3 has no lock: between this look and the removal, a put() of the same content may
        # refresh the object and lose it. The window is one request long; bucket versioning
        # keeps the removed version recoverable (docs/operations.md, object storage).
        try:
            head = call("head_object", Bucket=self.bucket, Key=self.name(key))
        except FileNotFoundError:
            return False
        if (
            unless_modified_after is not None
            and head["LastModified"].timestamp() > unless_modified_after
        ):
            return False
        call("delete_object", Bucket=self.bucket, Key=self.name(key))
        self.cache.drop(key)
        return True


# --- s3:// addresses (backups) -------------------------------------------------------------------


def is_url(text: str) -> bool:
    return str(text).startswith("s3://")


def parse_url(url: str) -> tuple[str, str]:
    """(bucket, object name) of s3://bucket/prefix/name."""
    parts = urlsplit(str(url))
    name = parts.path.lstrip("/")
    if parts.scheme != "s3" or not parts.netloc or not name or name.endswith("/"):
        raise ObjectStoreError(f"Alamat S3 tidak sah: {url} (bentuknya s3://bucket/awalan/nama).")
    return parts.netloc, name


def upload_file(path: Path, url: str) -> dict:
    """Upload a finished local file to s3://bucket/name; the object appears only when whole
    (PutObject, or CompleteMultipartUpload above 256 MiB) and is checked afterwards."""
    from boto3.s3.transfer import TransferConfig

    bucket, name = parse_url(url)
    size = Path(path).stat().st_size
    sums = checksums(Path(path))
    try:
        client().upload_file(
            str(path),
            bucket,
            name,
            ExtraArgs={"ChecksumAlgorithm": "SHA256"},
            Config=TransferConfig(
                multipart_threshold=256 * CHUNK, multipart_chunksize=64 * CHUNK, use_threads=True
            ),
        )
    except Exception as error:
        raise ObjectStoreError(f"Unggahan ke {url} gagal: {error}") from error
    head = call("head_object", Bucket=bucket, Key=name, ChecksumMode="ENABLED")
    if head["ContentLength"] != size:
        raise ObjectStoreError(f"Objek {url} tidak lengkap setelah diunggah.")
    stored = head.get("ChecksumSHA256")
    if stored and "-" not in stored and stored != sums["ChecksumSHA256"]:
        raise ObjectStoreError(f"Checksum objek {url} tidak cocok setelah diunggah.")
    return head
