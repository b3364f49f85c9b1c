"""Encryption at rest: master keys, and the format of an encrypted file in the store.

An encrypted file is self-contained: a fixed-size header, then the body in chunks.

    magic        8   b"\\x89SDENC1\\n" (a text file never starts with byte 0x89)
    key id       8   which master key wrapped the data key (see key_id)
    wrap nonce  12   random
    wrapped key 48   AES-256-GCM(master key, wrap nonce, data key) = 32 bytes + 16-byte tag
    chunk size   4   plaintext bytes per chunk, big-endian
    prefix       7   random nonce prefix of the body
    body             chunks of AES-256-GCM(data key, prefix || counter(4) || last(1), chunk)

Every file has its own random 256-bit data key. The wrap is authenticated together with the
file's content address (the SHA-256 of the plaintext), the chunk size and the nonce prefix,
so a header moved to another file, or an edited chunk size, fails to unwrap. Each chunk's
nonce carries its number and a last-chunk flag, so reordered, dropped, truncated or appended
chunks fail their tag (the STREAM construction). Every chunk but the last is full; the last
one may be shorter, and is the only chunk of an empty file.

Rotating the master key re-wraps the data key only (the body is not touched); re-encrypting
gives the file a new data key and body.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

MAGIC = b"\x89SDENC1\n"
KEY_BYTES = 32
TAG = 16
CHUNK = 1024 * 1024
_HEADER = struct.Struct(">8s8s12s48sI7s")
HEADER_SIZE = _HEADER.size  # 87
_LAST = b"\x01"
_NOT_LAST = b"\x00"


class CryptoError(OSError):
    """A file that cannot be decrypted; the message is for the operator (Indonesian).

    An OSError, so callers that handle an unreadable stored file handle this one too."""


class CorruptCiphertext(CryptoError):
    """The ciphertext or its header was changed, truncated or extended (an authentication failure)."""


class MasterKeyUnavailable(CryptoError):
    """No master key is configured, or not the one that wrapped a file's data key."""


# --- master keys ---------------------------------------------------------------------------------


def key_id(master: bytes) -> bytes:
    """8 bytes naming a master key without revealing it."""
    return hashlib.sha256(b"satudata master key id\0" + master).digest()[:8]


def parse_key(text: str | bytes, where: str) -> bytes:
    """A master key written as base64 (44 characters); refuses anything but 32 bytes."""
    if isinstance(text, bytes):
        text = text.decode("ascii", errors="replace")
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise MasterKeyUnavailable(
            f"Kunci induk di {where} tidak sah: harus 32 byte acak dalam base64 (44 karakter)."
        )
    return key


def new_key_text() -> str:
    return base64.b64encode(os.urandom(KEY_BYTES)).decode("ascii")


def default_key_file() -> Path:
    return Path(settings.VAR_DIR) / "master.key"


@dataclass(frozen=True)
class Keyring:
    current: bytes | None
    keys: dict[bytes, bytes]  # key id -> master key (the current and the old ones)

    @property
    def current_id(self) -> bytes | None:
        return key_id(self.current) if self.current else None

    def get(self, kid: bytes) -> bytes:
        key = self.keys.get(kid)
        if key is None:
            raise MasterKeyUnavailable(
                f"Kunci induk {kid.hex()} yang membungkus kunci berkas ini tidak tersedia. "
                "Pasang kunci itu di SATUDATA_MASTER_KEY atau SATUDATA_MASTER_KEY_OLD."
            )
        return key


def _read_key_lines(path: Path) -> list[bytes]:
    keys = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if line and not line.startswith("#"):
            keys.append(parse_key(line, f"{path}:{number}"))
    return keys


def keyring(*, create: bool = False) -> Keyring:
    """The configured master keys, read afresh (the files are tiny).

    The current key is SATUDATA_MASTER_KEY, else the file SATUDATA_MASTER_KEY_FILE, else
    VAR_DIR/master.key; only the last is made on first need (create=True, a write that
    encrypts), with mode 0600. Old keys (SATUDATA_MASTER_KEY_OLD, SATUDATA_MASTER_KEY_OLD_FILE)
    only decrypt and are what rotate-keys re-wraps from.
    """
    current = None
    if settings.MASTER_KEY:
        current = parse_key(settings.MASTER_KEY, "SATUDATA_MASTER_KEY")
    else:
        path = Path(settings.MASTER_KEY_FILE) if settings.MASTER_KEY_FILE else default_key_file()
        if path.exists():
            found = _read_key_lines(path)
            if len(found) != 1:
                raise MasterKeyUnavailable(f"{path} harus berisi tepat satu kunci induk.")
            current = found[0]
        elif create and not settings.MASTER_KEY_FILE:
            current = _create_default_key(path)
    old = []
    for number, text in enumerate(
        t for t in settings.MASTER_KEY_OLD.replace(",", " ").split() if t
    ):
        old.append(parse_key(text, f"SATUDATA_MASTER_KEY_OLD #{number + 1}"))
    if settings.MASTER_KEY_OLD_FILE:
        path = Path(settings.MASTER_KEY_OLD_FILE)
        if not path.exists():
            raise MasterKeyUnavailable(f"Berkas kunci lama {path} tidak ada.")
        old.extend(_read_key_lines(path))
    keys = {key_id(k): k for k in old}
    if current:
        keys[key_id(current)] = current
    return Keyring(current, keys)


def _create_default_key(path: Path) -> bytes:
    # Written whole to a temporary name, fsync'd, then linked into place: the key file appears
    # complete or not at all. (Created in place, a process killed between the create and the
    # write left an empty key file that refused every later encrypted write, and a second
    # process could read it empty meanwhile.)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = new_key_text()
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text + "\n")
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(tmp_name, path)  # atomic, and fails when another process made one first
        except FileExistsError:  # made meanwhile by another process: use that one
            return _read_key_lines(path)[0]
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    finally:
        os.unlink(tmp_name)
    return base64.b64decode(text)


def current_key() -> tuple[bytes, bytes]:
    """(key id, key) of the master key new files are wrapped with."""
    ring = keyring(create=True)
    if ring.current is None:
        raise MasterKeyUnavailable(
            "Belum ada kunci induk: setel SATUDATA_MASTER_KEY atau SATUDATA_MASTER_KEY_FILE."
        )
    return ring.current_id, ring.current


# --- the header ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    key_id: bytes
    wrap_nonce: bytes
    wrapped_key: bytes
    chunk_size: int
    prefix: bytes

    def pack(self) -> bytes:
        return _HEADER.pack(
            MAGIC, self.key_id, self.wrap_nonce, self.wrapped_key, self.chunk_size, self.prefix
        )

    @classmethod
    def unpack(cls, data: bytes) -> Header:
        if len(data) < HEADER_SIZE or not data.startswith(MAGIC):
            raise CorruptCiphertext("Kepala berkas terenkripsi rusak atau terpotong.")
        _magic, kid, nonce, wrapped, chunk_size, prefix = _HEADER.unpack(data[:HEADER_SIZE])
        if not 0 < chunk_size <= 64 * CHUNK:
            raise CorruptCiphertext("Ukuran potongan di kepala berkas tidak sah.")
        return cls(kid, nonce, wrapped, chunk_size, prefix)

    def _wrap_aad(self, content_key: str) -> bytes:
        return MAGIC + bytes.fromhex(content_key) + struct.pack(">I", self.chunk_size) + self.prefix

    def data_key(self, content_key: str, ring: Keyring) -> bytes:
        master = ring.get(self.key_id)
        try:
            return AESGCM(master).decrypt(
                self.wrap_nonce, self.wrapped_key, self._wrap_aad(content_key)
            )
        except InvalidTag:
            raise CorruptCiphertext(
                "Kunci berkas tidak dapat dibuka: kepala berkas diubah atau bukan milik berkas ini."
            ) from None

    def rewrapped(self, content_key: str, data_key: bytes, kid: bytes, master: bytes) -> Header:
        nonce = os.urandom(12)
        header = Header(kid, nonce, b"", self.chunk_size, self.prefix)
        wrapped = AESGCM(master).encrypt(nonce, data_key, header._wrap_aad(content_key))
        return Header(kid, nonce, wrapped, self.chunk_size, self.prefix)


def is_encrypted_head(head: bytes) -> bool:
    return head.startswith(MAGIC)


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    if counter >= 1 << 32:
        raise CryptoError("Berkas terlalu besar untuk dienkripsi.")
    return prefix + struct.pack(">I", counter) + (_LAST if last else _NOT_LAST)


# --- encrypting ----------------------------------------------------------------------------------


class Encryptor:
    """Encrypts a plaintext stream chunk by chunk; the header is made once the hash is known.

    feed() returns ciphertext to write after the header's place; finish(content_key) returns
    the last chunk's ciphertext and the header to write at offset 0.
    """

    def __init__(self, chunk_size: int = CHUNK):
        self.chunk_size = chunk_size
        self.data_key = AESGCM.generate_key(bit_length=256)
        self.aead = AESGCM(self.data_key)
        self.prefix = os.urandom(7)
        self.counter = 0
        self.buffer = bytearray()

    def feed(self, data: bytes) -> bytes:
        self.buffer += data
        out = []
        # keep at least one byte back: the last chunk is only known at the end
        while len(self.buffer) > self.chunk_size:
            chunk = bytes(self.buffer[: self.chunk_size])
            del self.buffer[: self.chunk_size]
            out.append(self._seal(chunk, last=False))
        return b"".join(out)

    def _seal(self, chunk: bytes, last: bool) -> bytes:
        sealed = self.aead.encrypt(_nonce(self.prefix, self.counter, last), chunk, None)
        self.counter += 1
        return sealed

    def finish(self, content_key: str, kid: bytes, master: bytes) -> tuple[bytes, bytes]:
        tail = self._seal(bytes(self.buffer), last=True)
        self.buffer.clear()
        blank = Header(kid, b"", b"", self.chunk_size, self.prefix)
        header = blank.rewrapped(content_key, self.data_key, kid, master)
        return tail, header.pack()


# --- decrypting ----------------------------------------------------------------------------------


class Layout:
    """Where the chunks of an encrypted file of a given size lie, and the plaintext size."""

    def __init__(self, header: Header, file_size: int):
        self.chunk_size = header.chunk_size
        body = file_size - HEADER_SIZE
        sealed = self.chunk_size + TAG
        full, rest = divmod(body, sealed)
        if rest == 0:
            count = full
        elif rest >= TAG:
            count = full + 1
        else:
            count = 0
        if body < TAG or count == 0:
            raise CorruptCiphertext("Berkas terenkripsi terpotong.")
        self.count = count
        self.size = body - count * TAG

    def chunk_span(self, index: int) -> tuple[int, int]:
        """(offset in the file, sealed length) of chunk `index`."""
        start = HEADER_SIZE + index * (self.chunk_size + TAG)
        plain = self.chunk_size if index < self.count - 1 else self.size - index * self.chunk_size
        return start, plain + TAG


def open_chunk(aead: AESGCM, prefix: bytes, index: int, last: bool, sealed: bytes) -> bytes:
    try:
        return aead.decrypt(_nonce(prefix, index, last), sealed, None)
    except InvalidTag:
        raise CorruptCiphertext(
            f"Potongan {index} berkas terenkripsi rusak, diubah, atau urutannya berubah."
        ) from None
