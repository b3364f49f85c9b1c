"""Content-addressed, durable local file store, with encryption at rest.

A file is written to a temporary name, fsync'd, renamed to its SHA-256 and the directory
fsync'd, so once put() returns the bytes survive a crash. Keys are always hashes we
computed, never anything a user chose, so a key cannot escape the store directory.

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
    """Where the (possibly encrypted) bytes of `key` lie; read them through open_file()."""
    if not _KEY.match(key):
        raise ValueError("not a file store key")
    return root() / key[:2] / key[2:4] / key


def _fsync_dir(path: Path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _tmp_dir() -> Path:
    tmp_dir = root() / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    return tmp_dir


@contextlib.contextmanager
def _replacing():
    """Serialise check-then-rename of store files across processes (a short critical section)."""
    with open(_tmp_dir() / ".lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


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
    encrypted copy of the same content is never replaced by a plaintext one.
    """
    head, rest = _head(_chunks(stream))
    encrypt = encrypt or head.startswith(crypto.MAGIC)
    master = crypto.current_key() if encrypt else None
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=_tmp_dir())
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
        final = path_for(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        with _replacing():
            if not encrypt and _encrypted_at(final):
                os.unlink(tmp_name)  # keep the encrypted copy
            else:
                os.replace(tmp_name, final)
                _fsync_dir(final.parent)
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise
    return StoredFile(key, size)


def put_verbatim(key: str, stream) -> str:
    """Store bytes exactly as given under `key` (a restore: plaintext or ciphertext as it was
    backed up); returns the SHA-256 of the bytes for the caller to check."""
    path = path_for(key)
    digest = hashlib.sha256()

    def write(out):
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)

    tmp_name = _write_tmp(write)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _replacing():
        os.replace(tmp_name, path)
        _fsync_dir(path.parent)
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


def is_encrypted(key: str) -> bool:
    """Whether the stored bytes of `key` are encrypted (False when there is no such file)."""
    return _encrypted_at(path_for(key))


def exists(key: str) -> bool:
    return path_for(key).exists()


# --- reading -------------------------------------------------------------------------------------


class _Decrypting(io.RawIOBase):
    """The plaintext of an encrypted file: seekable, each chunk authenticated when read."""

    def __init__(self, raw, key: str, ring: crypto.Keyring):
        self.raw = raw
        header = crypto.Header.unpack(raw.read(crypto.HEADER_SIZE))
        self.layout = crypto.Layout(header, os.fstat(raw.fileno()).st_size)
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


def open_file(key: str):
    """The plaintext of `key` as a binary, seekable stream (decrypting when encrypted).

    Raises FileNotFoundError, or crypto.CryptoError for a changed or truncated encrypted
    file or a missing master key. Only call it once the access policy allowed the read.
    """
    raw = open(path_for(key), "rb")  # noqa: SIM115 - the caller closes the stream
    try:
        if not crypto.is_encrypted_head(raw.read(len(crypto.MAGIC))):
            raw.seek(0)
            return raw
        raw.seek(0)
        return io.BufferedReader(_Decrypting(raw, key, crypto.keyring()), CHUNK)
    except BaseException:
        raw.close()
        raise


def plain_tmp_dir() -> Path:
    """Where decrypted copies for DuckDB live while they are read (0700)."""
    path = Path(settings.DECRYPT_TMP_DIR) if settings.DECRYPT_TMP_DIR else root() / "tmp" / "plain"
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def plain_copy(key: str, directory: Path) -> Path:
    """A path to the plaintext of `key`: the stored file itself when it is not encrypted,
    else a decrypted copy (0600) in `directory`, which the caller removes."""
    path = path_for(key)
    if not _encrypted_at(path):
        return path
    fd, name = tempfile.mkstemp(dir=directory, prefix="plain-")
    try:
        with os.fdopen(fd, "wb") as out, open_file(key) as plain:
            shutil.copyfileobj(plain, out, CHUNK)
    except BaseException:
        os.unlink(name)
        raise
    return Path(name)


@contextlib.contextmanager
def readable_path(key: str):
    """A filesystem path to the plaintext of `key` for tools that want one (DuckDB).

    The stored file when it is not encrypted (it may not exist: callers check), else a
    private decrypted copy that is deleted when the block ends.
    """
    path = plain_copy(key, plain_tmp_dir())
    try:
        yield path
    finally:
        if path != path_for(key):
            path.unlink(missing_ok=True)


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


def _replace_if_unchanged(tmp_name: str, path: Path, stat) -> bool:
    """Rename tmp over path unless path changed since `stat` (then another writer won)."""
    with _replacing():
        try:
            now = path.stat()
        except FileNotFoundError:
            now = None
        if now is None or (now.st_ino, now.st_mtime_ns) != (stat.st_ino, stat.st_mtime_ns):
            os.unlink(tmp_name)
            return False
        os.replace(tmp_name, path)
        _fsync_dir(path.parent)
    return True


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
    path = path_for(key)
    if not path.exists() or _encrypted_at(path):
        return False
    stat = path.stat()
    with open(path, "rb") as source:
        tmp_name = _write_tmp(lambda out: _encrypt_from(key, source, out))
    return _replace_if_unchanged(tmp_name, path, stat)


def decrypt_existing(key: str) -> bool:
    """Store an encrypted file as plaintext again; False when there was nothing to do.

    A plaintext that starts with crypto.MAGIC stays encrypted (see the module docstring).
    """
    path = path_for(key)
    if not _encrypted_at(path):
        return False
    stat = path.stat()
    digest = hashlib.sha256()
    magic = [False]

    def write(out):
        with open_file(key) as plain:
            first = True
            while chunk := plain.read(CHUNK):
                if first and chunk.startswith(crypto.MAGIC):
                    magic[0] = True
                first = False
                digest.update(chunk)
                out.write(chunk)

    tmp_name = _write_tmp(write)
    if magic[0] or digest.hexdigest() != key:
        os.unlink(tmp_name)
        if magic[0]:
            return False
        raise CorruptCiphertext(f"Isi berkas {key} tidak cocok dengan hash-nya.")
    return _replace_if_unchanged(tmp_name, path, stat)


def rewrap(key: str, *, reencrypt: bool = False) -> bool:
    """Wrap an encrypted file's data key with the current master key (the body is kept).

    reencrypt=True gives the file a new data key and body instead. False when there was
    nothing to do (not encrypted, or already under the current key and not re-encrypting).
    """
    path = path_for(key)
    if not _encrypted_at(path):
        return False
    ring = crypto.keyring(create=True)
    kid, master = crypto.current_key()
    stat = path.stat()
    with open(path, "rb") as raw:
        header = crypto.Header.unpack(raw.read(crypto.HEADER_SIZE))
        if header.key_id == kid and not reencrypt:
            return False
        data_key = header.data_key(key, ring)
        if reencrypt:
            with open_file(key) as plain:
                tmp_name = _write_tmp(lambda out: _encrypt_from(key, plain, out))
        else:
            new = header.rewrapped(key, data_key, kid, master).pack()

            def write(out):
                out.write(new)
                raw.seek(crypto.HEADER_SIZE)
                shutil.copyfileobj(raw, out, CHUNK)

            tmp_name = _write_tmp(write)
    return _replace_if_unchanged(tmp_name, path, stat)


def key_id_of(key: str) -> bytes | None:
    """The id of the master key that wrapped an encrypted file's data key (None: not encrypted)."""
    path = path_for(key)
    if not _encrypted_at(path):
        return None
    with open(path, "rb") as raw:
        return crypto.Header.unpack(raw.read(crypto.HEADER_SIZE)).key_id


def plaintext_sha256(key: str) -> str:
    """SHA-256 of the plaintext, reading every byte (decrypting and authenticating)."""
    digest = hashlib.sha256()
    with open_file(key) as plain:
        while chunk := plain.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
