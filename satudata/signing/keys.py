"""The portal's Ed25519 private key: read from SATUDATA_SIGNING_KEY_FILE, made on first need.

Like settings._secret_key does for the secret key, a missing key file is generated once with
mode 0600. The file is written under a temporary name and linked into place, so two processes
starting together agree on one key and nobody ever reads a half-written file.
"""

import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings


def key_path() -> Path:
    configured = settings.SIGNING_KEY_FILE
    return Path(configured) if configured else Path(settings.VAR_DIR) / "signing.key"


def _pem(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def write_new_key(path: Path) -> bool:
    """Generate a key into `path` unless a file is already there; True when this call made it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".signing-")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(_pem(Ed25519PrivateKey.generate()))
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(tmp_name, path)  # atomic, and fails when another process made one first
        except FileExistsError:
            return False
        return True
    finally:
        os.unlink(tmp_name)


def private_key() -> Ed25519PrivateKey:
    path = key_path()
    if not path.exists():
        write_new_key(path)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return loaded


def rotate() -> tuple[Path, Path]:
    """Move the current key file aside (…retired-<kid>) and make a new one; returns both paths."""
    from .manifest import key_id

    path = key_path()
    old = private_key()
    retired = path.with_name(f"{path.name}.retired-{key_id(old.public_key())}")
    os.replace(path, retired)
    write_new_key(path)
    return path, retired
