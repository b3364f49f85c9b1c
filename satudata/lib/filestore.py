"""Content-addressed, durable local file store.

A file is written to a temporary name, fsync'd, renamed to its SHA-256 and the directory
fsync'd, so once put() returns the bytes survive a crash. Keys are always hashes we
computed, never anything a user chose, so a key cannot escape the store directory.
"""

import hashlib
import os
import re
import tempfile
from pathlib import Path

from django.conf import settings

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
    if not _KEY.match(key):
        raise ValueError("not a file store key")
    return root() / key[:2] / key[2:4] / key


def _fsync_dir(path: Path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def put(stream) -> StoredFile:
    """Store a binary stream (or bytes) and return its key and size."""
    if isinstance(stream, bytes | bytearray):
        chunks = [bytes(stream)]
    else:
        chunks = iter(lambda: stream.read(CHUNK), b"")
    tmp_dir = root() / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=tmp_dir)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        key = digest.hexdigest()
        final = path_for(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp_name, final)
        _fsync_dir(final.parent)
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise
    return StoredFile(key, size)


def open_file(key: str):
    return open(path_for(key), "rb")


def exists(key: str) -> bool:
    return path_for(key).exists()
