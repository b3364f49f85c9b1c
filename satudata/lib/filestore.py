"""Content-addressed, durable file store, with encryption at rest, on local disk or S3.

A file is written to a temporary name, fsync'd, renamed to its SHA-256 and the directory
fsync'd, so once put() returns the bytes survive a crash. Keys are always hashes we
computed, never anything a user chose, so a key cannot escape the store directory.

Where the bytes live is chosen by SATUDATA_FILE_STORE: `local` (LocalStore below, under
FILE_STORE_DIR) or `s3` (satudata.lib.objectstore.S3Store: an S3-compatible bucket, with a
local cache for readers that need a path). Hashing and encryption happen here, before the
bytes reach either backend, so both hold exactly the same bytes under the same keys.

The key is the SHA-256 of the *plaintext*, encrypted or not, so deduplication, backups and
manifests work the same for both. A file of a Terbatas or Tertutup dataset is stored
encrypted (satudata.lib.crypto: AES-256-GCM, a data key per file wrapped by the master
key); a file on disk is encrypted exactly when it starts with crypto.MAGIC (a plaintext
that itself starts with those bytes is stored encrypted too, so the rule has no exception).
Once encrypted, a file stays encrypted when the same content is stored again unencrypted:
only decrypt_existing() turns it back, and only on a classification change to Terbuka.

Readers: open_file() returns the plaintext (a seekable stream that decrypts chunk by chunk,
authenticating each); readable_path() gives DuckDB a path, a private decrypted copy that is
deleted on exit when the file is encrypted. Callers check the access policy first.
"""

import contextlib
import fcntl
import hashlib
import io
import os
import re
import shutil
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from . import crypto
from .crypto import CorruptCiphertext, CryptoError, MasterKeyUnavailable  # noqa: F401

CHUNK = 1024 * 1024
_KEY = re.compile(r"^[0-9a-f]{64}$")


class StoredFile:
    def __init__(self, key, size):
        self.key = key
        self.size = size

    @property
    def sha256(self):
        return self.key


def root() -> Path:
    return Path(settings.FILE_STORE_DIR)


def is_key(name: str) -> bool:
    return bool(_KEY.match(name))


def path_for(key: str) -> Path:
    """Where the (possibly encrypted) bytes of `key` lie in the *local* store; read them
    through open_file() or readable_path(), which work for every backend."""
    if not _KEY.match(key):
        raise ValueError("not a file store key")
    return root() / key[:2] / key[2:4] / key


def _fsync_dir(path: Path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _make_dirs(path: Path):
    """mkdir -p, fsyncing the parent of each directory created, so that a power loss cannot
    take a new ab/ or ab/cd/ directory (and the fsync'd file in it) away."""
    if path.is_dir():
        return
    _make_dirs(path.parent)
    try:
        path.mkdir()
    except FileExistsError:
        return
    _fsync_dir(path.parent)


def _local_tmp_dir() -> Path:
    tmp_dir = root() / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    return tmp_dir


def _tmp_dir() -> Path:
    """Where files are written before they are stored (local disk, for either backend)."""
    return store().tmp_dir()


@contextlib.contextmanager
def _replacing():
    """Serialise check-then-rename of store files across processes (a short critical section)."""
    with open(_local_tmp_dir() / ".lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# --- the backends ---------------------------------------------------------------------------------


class LocalStore:
    """Files under FILE_STORE_DIR/ab/cd/<sha256>. The interface every backend offers:
    tmp_dir, exists, head, version, open_stored, local_copy, commit, replace, replace_if,
    iter_keys, modified_time, delete (satudata.lib.objectstore.S3Store is the other one)."""

    stable = True  # a path from local_copy() stays valid after the block (the file itself)

    def tmp_dir(self) -> Path:
        return _local_tmp_dir()

    def exists(self, key: str) -> bool:
        return path_for(key).exists()

    def head(self, key: str, size: int) -> bytes:
        """The first `size` bytes as stored; FileNotFoundError when there is no such file."""
        with open(path_for(key), "rb") as f:
            return f.read(size)

    def version(self, key: str):
        """A token that changes whenever the stored bytes are replaced (None: no such file)."""
        try:
            stat = path_for(key).stat()
        except FileNotFoundError:
            return None
        return (stat.st_ino, stat.st_mtime_ns)

    def open_stored(self, key: str, version=None):
        return open(path_for(key), "rb")  # noqa: SIM115 - the caller closes the stream

    @contextlib.contextmanager
    def local_copy(self, key: str):
        """A path to the stored bytes (the file itself; it may not exist: callers check)."""
        yield path_for(key)

    def commit(self, tmp_name: str, key: str, *, encrypted: bool) -> None:
        """put(): rename a complete, fsync'd temporary file to `key`, unless it is plaintext
        and an encrypted copy is there already."""
        final = path_for(key)
        _make_dirs(final.parent)
        with _replacing():
            if not encrypted and _encrypted_at(final):
                os.unlink(tmp_name)  # keep the encrypted copy
                os.utime(final)  # stored again: young for the orphan sweeper (sweep.py)
            else:
                os.replace(tmp_name, final)
                _fsync_dir(final.parent)

    def replace(self, tmp_name: str, key: str) -> None:
        path = path_for(key)
        _make_dirs(path.parent)
        with _replacing():
            os.replace(tmp_name, path)
            _fsync_dir(path.parent)

    def replace_if(self, tmp_name: str, key: str, version) -> bool:
        """Rename tmp over the file unless it changed since `version` (another writer won)."""
        path = path_for(key)
        with _replacing():
            if self.version(key) != version:
                os.unlink(tmp_name)
                return False
            os.replace(tmp_name, path)
            _fsync_dir(path.parent)
        return True

    def iter_keys(self):
        base = root()
        if not base.is_dir():
            return
        for path in base.glob("??/??/*"):
            if is_key(path.name) and path.parent.parent.name == path.name[:2]:
                yield path.name

    def modified_time(self, key: str) -> float:
        return path_for(key).stat().st_mtime

    def delete(self, key: str, *, unless_modified_after: float | None = None) -> bool:
        path = path_for(key)
        with _replacing():
            try:
                if (
                    unless_modified_after is not None
                    and path.stat().st_mtime > unless_modified_after
                ):
                    return False
                path.unlink()
            except FileNotFoundError:
                return False
            _fsync_dir(path.parent)
        return True


_LOCAL = LocalStore()


def store():
    """The backend chosen by SATUDATA_FILE_STORE ("local" or "s3")."""
    if settings.FILE_STORE == "s3":
        from .objectstore import S3Store

        return S3Store.current()
    return _LOCAL


# --- writing -------------------------------------------------------------------------------------


def _chunks(stream):
    if isinstance(stream, bytes | bytearray | memoryview):
        data = bytes(stream)
        for start in range(0, len(data), CHUNK):
            yield data[start : start + CHUNK]
        return
    while chunk := stream.read(CHUNK):
        yield chunk


def _head(chunks) -> tuple[bytes, object]:
    """The first bytes (at least len(MAGIC) unless the stream is shorter) and the rest."""
    head = b""
    for chunk in chunks:
        head += chunk
        if len(head) >= len(crypto.MAGIC):
            break
    return head, chunks


def put(stream, encrypt: bool = False) -> StoredFile:
    """Store a binary stream (or bytes) and return its key and size (of the plaintext).

    encrypt=True stores it encrypted (the dataset is Terbatas or Tertutup). An existing
    encrypted copy of the same content is never replaced by a plaintext one. Returns only
    once the backend holds the bytes durably (fsync'd rename, or an acknowledged PutObject),
    so the caller's database commit comes after.
    """
    head, rest = _head(_chunks(stream))
    encrypt = encrypt or head.startswith(crypto.MAGIC)
    master = crypto.current_key() if encrypt else None
    digest = hashlib.sha256()
    size = 0
    backend = store()
    fd, tmp_name = tempfile.mkstemp(dir=backend.tmp_dir())
    try:
        with os.fdopen(fd, "wb") as out:
            encryptor = crypto.Encryptor() if encrypt else None
            if encryptor:
                out.write(b"\0" * crypto.HEADER_SIZE)
            for chunk in _prepend(head, rest):
                digest.update(chunk)
                size += len(chunk)
                out.write(encryptor.feed(chunk) if encryptor else chunk)
            key = digest.hexdigest()
            if encryptor:
                tail, header = encryptor.finish(key, *master)
                out.write(tail)
                out.seek(0)
                out.write(header)
            out.flush()
            os.fsync(out.fileno())
        backend.commit(tmp_name, key, encrypted=encrypt)
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise
    return StoredFile(key, size)


def put_verbatim(key: str, stream) -> str:
    """Store bytes exactly as given under `key` (a restore: plaintext or ciphertext as it was
    backed up); returns the SHA-256 of the bytes for the caller to check."""
    path_for(key)  # refuses anything but a key
    digest = hashlib.sha256()

    def write(out):
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)

    tmp_name = _write_tmp(write)
    try:
        store().replace(tmp_name, key)
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise
    return digest.hexdigest()


def _prepend(head, rest):
    if head:
        yield head
    yield from rest


def _encrypted_at(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return crypto.is_encrypted_head(f.read(len(crypto.MAGIC)))
    except FileNotFoundError:
        return False


def _encrypted_stream(raw) -> bool:
    """Whether a stream of stored bytes (at offset 0) is encrypted; leaves it at offset 0."""
    head = raw.read(len(crypto.MAGIC))
    raw.seek(0)
    return crypto.is_encrypted_head(head)


def is_encrypted(key: str) -> bool:
    """Whether the stored bytes of `key` are encrypted (False when there is no such file)."""
    try:
        return crypto.is_encrypted_head(store().head(key, len(crypto.MAGIC)))
    except FileNotFoundError:
        return False


def exists(key: str) -> bool:
    return store().exists(key)


# --- reading -------------------------------------------------------------------------------------


class _Decrypting(io.RawIOBase):
    """The plaintext of an encrypted file: seekable, each chunk authenticated when read."""

    def __init__(self, raw, key: str, ring: crypto.Keyring):
        self.raw = raw
        size = raw.seek(0, io.SEEK_END)
        raw.seek(0)
        header = crypto.Header.unpack(raw.read(crypto.HEADER_SIZE))
        self.layout = crypto.Layout(header, size)
        self.aead = AESGCM(header.data_key(key, ring))
        self.prefix = header.prefix
        self.pos = 0
        self._cached = (None, b"")
        if self.layout.size == 0:
            self._chunk(0)  # an empty file: check its one (empty) chunk now

    def readable(self):
        return True

    def seekable(self):
        return True

    def _chunk(self, index: int) -> bytes:
        if self._cached[0] == index:
            return self._cached[1]
        start, length = self.layout.chunk_span(index)
        self.raw.seek(start)
        sealed = self.raw.read(length)
        if len(sealed) != length:
            raise CorruptCiphertext("Berkas terenkripsi terpotong.")
        last = index == self.layout.count - 1
        plain = crypto.open_chunk(self.aead, self.prefix, index, last, sealed)
        self._cached = (index, plain)
        return plain

    def readinto(self, buffer):
        if self.pos >= self.layout.size:
            return 0
        index, offset = divmod(self.pos, self.layout.chunk_size)
        data = self._chunk(index)
        n = min(len(buffer), len(data) - offset)
        buffer[:n] = data[offset : offset + n]
        self.pos += n
        return n

    def seek(self, offset, whence=io.SEEK_SET):
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.pos, io.SEEK_END: self.layout.size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self.pos = base + offset
        return self.pos

    def tell(self):
        return self.pos

    def close(self):
        if not self.closed:
            self.raw.close()
        super().close()


def _plain_stream(raw, key: str, ring: crypto.Keyring | None = None):
    """The plaintext of a stream of stored bytes (closing it closes `raw`)."""
    if not _encrypted_stream(raw):
        return raw
    return io.BufferedReader(_Decrypting(raw, key, ring or crypto.keyring()), CHUNK)


def open_stored(key: str):
    """The bytes of `key` exactly as stored (ciphertext when encrypted), as a seekable stream:
    for backups and integrity checks. Raises FileNotFoundError."""
    return store().open_stored(key)


def open_file(key: str):
    """The plaintext of `key` as a binary, seekable stream (decrypting when encrypted).

    Raises FileNotFoundError, or crypto.CryptoError for a changed or truncated encrypted
    file or a missing master key. Only call it once the access policy allowed the read.
    """
    raw = store().open_stored(key)
    try:
        return _plain_stream(raw, key)
    except BaseException:
        raw.close()
        raise


def plain_tmp_dir() -> Path:
    """Where decrypted copies for DuckDB live while they are read (0700)."""
    path = Path(settings.DECRYPT_TMP_DIR) if settings.DECRYPT_TMP_DIR else _tmp_dir() / "plain"
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def _decrypted_copy(key: str, raw_path: Path, directory: Path) -> Path:
    fd, name = tempfile.mkstemp(dir=directory, prefix="plain-")
    try:
        with os.fdopen(fd, "wb") as out, _plain_stream(open(raw_path, "rb"), key) as plain:
            shutil.copyfileobj(plain, out, CHUNK)
    except BaseException:
        os.unlink(name)
        raise
    return Path(name)


def _linked_copy(raw_path: Path, directory: Path) -> Path:
    """A copy of a cached file that outlives the cache entry (a hard link when possible)."""
    fd, name = tempfile.mkstemp(dir=directory, prefix="plain-")
    os.close(fd)
    os.unlink(name)
    try:
        os.link(raw_path, name)
    except OSError:
        shutil.copyfile(raw_path, name)
    return Path(name)


def plain_copy(key: str, directory: Path) -> Path:
    """A path to the plaintext of `key`: the stored file itself when it is not encrypted and
    lies on local disk, else a copy (0600; decrypted when encrypted) in `directory`, which the
    caller removes."""
    backend = store()
    with backend.local_copy(key) as raw_path:
        if _encrypted_at(raw_path):
            return _decrypted_copy(key, raw_path, directory)
        return raw_path if backend.stable else _linked_copy(raw_path, directory)


@contextlib.contextmanager
def readable_path(key: str):
    """A filesystem path to the plaintext of `key` for tools that want one (DuckDB).

    Local store: the stored file when it is not encrypted (it may not exist: callers check).
    S3: the cached copy (FileNotFoundError when there is no such object), held for the block.
    An encrypted file: a private decrypted copy that is deleted when the block ends.
    """
    with store().local_copy(key) as raw_path:
        if not _encrypted_at(raw_path):
            yield raw_path
            return
        path = _decrypted_copy(key, raw_path, plain_tmp_dir())
        try:
            yield path
        finally:
            path.unlink(missing_ok=True)


def persistent_path(key: str) -> Path | None:
    """A path to the plaintext of `key` that stays valid as long as the file is stored (the
    stored file itself: local store, not encrypted), for a reader that keeps it (a DuckDB
    view); None when the plaintext must be read through readable_path() for each use."""
    if store().stable and not is_encrypted(key):
        return path_for(key)
    return None


# --- conversion, rotation and checks -------------------------------------------------------------


def _write_tmp(write) -> str:
    fd, name = tempfile.mkstemp(dir=_tmp_dir())
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        os.unlink(name)
        raise
    return name


def _encrypt_from(key: str, source, out):
    """Encrypt a plaintext stream whose SHA-256 must be `key` into `out`."""
    kid, master = crypto.current_key()
    encryptor = crypto.Encryptor()
    digest = hashlib.sha256()
    out.write(b"\0" * crypto.HEADER_SIZE)
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        out.write(encryptor.feed(chunk))
    if digest.hexdigest() != key:
        raise CorruptCiphertext(f"Isi berkas {key} tidak cocok dengan hash-nya.")
    tail, header = encryptor.finish(key, kid, master)
    out.write(tail)
    out.seek(0)
    out.write(header)


def encrypt_existing(key: str) -> bool:
    """Encrypt a stored plaintext file in place (atomically); False when there was nothing to do."""
    backend = store()
    version = backend.version(key)
    if version is None:
        return False
    try:
        with backend.open_stored(key, version) as source:
            if _encrypted_stream(source):
                return False
            tmp_name = _write_tmp(lambda out: _encrypt_from(key, source, out))
    except FileNotFoundError:
        return False  # replaced or removed since we looked
    return backend.replace_if(tmp_name, key, version)


def decrypt_existing(key: str) -> bool:
    """Store an encrypted file as plaintext again; False when there was nothing to do.

    A plaintext that starts with crypto.MAGIC stays encrypted (see the module docstring).
    """
    backend = store()
    version = backend.version(key)
    if version is None:
        return False
    digest = hashlib.sha256()
    magic = [False]

    def write(out):
        plain = _plain_stream(raw, key)
        first = True
        while chunk := plain.read(CHUNK):
            if first and chunk.startswith(crypto.MAGIC):
                magic[0] = True
            first = False
            digest.update(chunk)
            out.write(chunk)

    try:
        with backend.open_stored(key, version) as raw:
            if not _encrypted_stream(raw):
                return False
            tmp_name = _write_tmp(write)
    except FileNotFoundError:
        return False
    if magic[0] or digest.hexdigest() != key:
        os.unlink(tmp_name)
        if magic[0]:
            return False
        raise CorruptCiphertext(f"Isi berkas {key} tidak cocok dengan hash-nya.")
    return backend.replace_if(tmp_name, key, version)


def rewrap(key: str, *, reencrypt: bool = False) -> bool:
    """Wrap an encrypted file's data key with the current master key (the body is kept).

    reencrypt=True gives the file a new data key and body instead. False when there was
    nothing to do (not encrypted, or already under the current key and not re-encrypting).
    """
    backend = store()
    version = backend.version(key)
    if version is None:
        return False
    try:
        with backend.open_stored(key, version) as raw:
            if not _encrypted_stream(raw):
                return False
            ring = crypto.keyring(create=True)
            kid, master = crypto.current_key()
            header = crypto.Header.unpack(raw.read(crypto.HEADER_SIZE))
            if header.key_id == kid and not reencrypt:
                return False
            data_key = header.data_key(key, ring)
            raw.seek(0)
            if reencrypt:
                plain = _plain_stream(raw, key, ring)
                tmp_name = _write_tmp(lambda out: _encrypt_from(key, plain, out))
            else:
                new = header.rewrapped(key, data_key, kid, master).pack()

                def write(out):
                    out.write(new)
                    raw.seek(crypto.HEADER_SIZE)
                    shutil.copyfileobj(raw, out, CHUNK)

                tmp_name = _write_tmp(write)
    except FileNotFoundError:
        return False
    return backend.replace_if(tmp_name, key, version)


def key_id_of(key: str) -> bytes | None:
    """The id of the master key that wrapped an encrypted file's data key (None: not encrypted)."""
    try:
        head = store().head(key, crypto.HEADER_SIZE)
    except FileNotFoundError:
        return None
    if not crypto.is_encrypted_head(head):
        return None
    return crypto.Header.unpack(head).key_id


def plaintext_sha256(key: str) -> str:
    """SHA-256 of the plaintext, reading every byte (decrypting and authenticating)."""
    digest = hashlib.sha256()
    with open_file(key) as plain:
        while chunk := plain.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --- listing and removal, for the orphan sweeper (satudata/lib/sweep.py) -------------------------
# The sweeper uses only these, so every backend offers the same four functions.


def iter_keys():
    """Every key in the store, in no particular order (temporary files left out)."""
    yield from store().iter_keys()


def modified_time(key: str) -> float:
    """When `key` was last stored (seconds since the epoch); put() of content that is already
    stored refreshes it. Raises FileNotFoundError."""
    return store().modified_time(key)


def delete(key: str, *, unless_modified_after: float | None = None) -> bool:
    """Remove the file of `key`; True when it was removed.

    With `unless_modified_after` (a time as modified_time gives) the file is kept when it was
    stored after that moment. On the local store the check and the removal happen under the
    lock put() renames under, so content stored again between the sweeper's look and its
    removal is never lost; on S3 see objectstore.S3Store.delete.
    """
    return store().delete(key, unless_modified_after=unless_modified_after)


def stale_tmp_files(cutoff: float) -> list[Path]:
    """Temporary files of the store (a put() or decrypted copy cut short by a crash) last
    written before `cutoff`; the lock file is never one of them."""
    base = _tmp_dir()
    if not base.is_dir():
        return []
    found = []
    for path in base.rglob("*"):
        try:
            if path.is_file() and path.name != ".lock" and path.stat().st_mtime < cutoff:
                found.append(path)
        except FileNotFoundError:
            continue
    return found
