"""Encrypted backup archives (`satudata backup --encrypt`): a streaming AES-256-GCM envelope
around the plain tar archive, so the manifest inside is unchanged.

    magic        8   b"\\x89SDBAK1\\n"
    kdf          1   1: scrypt(SATUDATA_BACKUP_PASSPHRASE), 2: HKDF-SHA256(master key)
    key id       8   the master key's id (kdf 2), zeros for a passphrase
    salt        16   random, per archive: every archive has its own key
    scrypt       3   log2(N), r, p (kdf 1; zeros for kdf 2)
    chunk size   4   plaintext bytes per chunk, big-endian
    prefix       7   random nonce prefix
    body             chunks of AES-256-GCM(key, prefix || counter(4) || last(1), chunk,
                     associated data = the whole header)

As in the file store (satudata.lib.crypto), each nonce carries its chunk number and a
last-chunk flag, so a reordered, dropped, truncated or extended archive fails its tag; the
header is authenticated with every chunk, so a changed salt, key id or chunk size fails too.
Every chunk but the last is full. A reader streams it front to back (an S3 download or a
file) and needs no length in advance.
"""

from __future__ import annotations

import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.conf import settings

from . import crypto

MAGIC = b"\x89SDBAK1\n"
_HEADER = struct.Struct(">8sB8s16sBBBI7s")
HEADER_SIZE = _HEADER.size
KDF_PASSPHRASE = 1
KDF_MASTER_KEY = 2
SCRYPT = (17, 8, 1)  # N = 2**17, r = 8, p = 1: 128 MiB and about half a second, once per archive
CHUNK = 1024 * 1024
TAG = 16
_HKDF_INFO = b"satudata backup archive v1"


class ArchiveKeyError(Exception):
    """The archive cannot be opened; the message is for the operator (Indonesian)."""


def is_encrypted_head(head: bytes) -> bool:
    return head.startswith(MAGIC)


def _derive(kdf: int, kid: bytes, salt: bytes, scrypt: tuple[int, int, int]) -> bytes:
    if kdf == KDF_PASSPHRASE:
        if not settings.BACKUP_PASSPHRASE:
            raise ArchiveKeyError(
                "Arsip ini dienkripsi dengan kata sandi cadangan: setel SATUDATA_BACKUP_PASSPHRASE."
            )
        log_n, r, p = scrypt
        if not (10 <= log_n <= 20 and 1 <= r <= 16 and 1 <= p <= 4):
            raise ArchiveKeyError("Parameter scrypt di kepala arsip tidak sah.")
        return Scrypt(salt=salt, length=32, n=2**log_n, r=r, p=p).derive(
            settings.BACKUP_PASSPHRASE.encode()
        )
    if kdf == KDF_MASTER_KEY:
        try:
            master = crypto.keyring().get(kid)
        except crypto.MasterKeyUnavailable as error:
            raise ArchiveKeyError(
                f"Arsip ini dienkripsi dengan kunci induk {kid.hex()}, yang tidak tersedia: {error}"
            ) from error
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=_HKDF_INFO).derive(master)
    raise ArchiveKeyError("Kepala arsip terenkripsi rusak (cara penurunan kunci tidak dikenal).")


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    if counter >= 1 << 32:
        raise ArchiveKeyError("Arsip terlalu besar untuk dienkripsi.")
    return prefix + struct.pack(">I", counter) + (b"\x01" if last else b"\x00")


def key_source() -> str:
    """Which key `--encrypt` uses now: "passphrase" when SATUDATA_BACKUP_PASSPHRASE is set,
    else "master key"."""
    return "passphrase" if settings.BACKUP_PASSPHRASE else "master key"


class EncryptingWriter:
    """A write-only binary file that encrypts into `out` (tarfile writes to it)."""

    def __init__(self, out, chunk_size: int = CHUNK):
        salt, prefix = os.urandom(16), os.urandom(7)
        if settings.BACKUP_PASSPHRASE:
            kdf, kid, scrypt = KDF_PASSPHRASE, b"\0" * 8, SCRYPT
        else:
            ring = crypto.keyring()  # never create a key here: it would open nothing elsewhere
            if ring.current is None:
                raise crypto.MasterKeyUnavailable("Belum ada kunci induk.")
            kid, scrypt = ring.current_id, (0, 0, 0)
            kdf = KDF_MASTER_KEY
        self.header = _HEADER.pack(MAGIC, kdf, kid, salt, *scrypt, chunk_size, prefix)
        self.aead = AESGCM(_derive(kdf, kid, salt, scrypt))
        self.prefix, self.chunk_size = prefix, chunk_size
        self.out, self.buffer, self.counter, self.written = out, bytearray(), 0, 0
        out.write(self.header)

    def write(self, data) -> int:
        self.buffer += data
        self.written += len(data)
        # keep at least one byte back: the last chunk is only known at the end
        while len(self.buffer) > self.chunk_size:
            self._seal(bytes(self.buffer[: self.chunk_size]), last=False)
            del self.buffer[: self.chunk_size]
        return len(data)

    def tell(self) -> int:
        return self.written

    def _seal(self, chunk: bytes, last: bool) -> None:
        nonce = _nonce(self.prefix, self.counter, last)
        self.out.write(self.aead.encrypt(nonce, chunk, self.header))
        self.counter += 1

    def finish(self) -> None:
        self._seal(bytes(self.buffer), last=True)
        self.buffer.clear()


def _read_exact(stream, size: int) -> bytes:
    parts, missing = [], size
    while missing:
        data = stream.read(missing)
        if not data:
            break
        parts.append(data)
        missing -= len(data)
    return b"".join(parts)


def decrypt(source, out) -> int:
    """Decrypt an archive read front to back from `source` (its magic not yet read) into
    `out`; returns the plaintext size. Raises ArchiveKeyError for a wrong key or a changed,
    truncated or extended archive."""
    header = _read_exact(source, HEADER_SIZE)
    if len(header) != HEADER_SIZE or not header.startswith(MAGIC):
        raise ArchiveKeyError("Kepala arsip terenkripsi rusak atau terpotong.")
    _magic, kdf, kid, salt, log_n, r, p, chunk_size, prefix = _HEADER.unpack(header)
    if not 0 < chunk_size <= 64 * CHUNK:
        raise ArchiveKeyError("Ukuran potongan di kepala arsip tidak sah.")
    aead = AESGCM(_derive(kdf, kid, salt, (log_n, r, p)))
    sealed_size = chunk_size + TAG
    counter, size = 0, 0
    current = _read_exact(source, sealed_size)
    while True:
        following = _read_exact(source, sealed_size) if len(current) == sealed_size else b""
        last = not following
        try:
            plain = aead.decrypt(_nonce(prefix, counter, last), current, header)
        except InvalidTag:
            raise ArchiveKeyError(
                "Arsip tidak dapat dibuka: kata sandi atau kunci salah, atau arsip diubah atau "
                "terpotong."
            ) from None
        out.write(plain)
        size += len(plain)
        counter += 1
        if last:
            return size
        current = following
