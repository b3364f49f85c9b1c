"""Canonical manifests, Ed25519 signatures and their verification, without the database.

Everything here works offline from bytes alone, so `satudata verify` (and anyone with the
public key) can check a release without reaching the portal. The signature covers the exact
canonical bytes of the manifest: JSON with sorted keys, no whitespace, UTF-8.
"""

import base64
import binascii
import hashlib
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.utils.translation import gettext as _

MANIFEST_TYPE = "satudata-release/1"
HASH_LENGTH = 64
CHUNK = 1024 * 1024


class InvalidRelease(Exception):
    """A manifest, signature or key that does not verify; the message says why, in Indonesian."""


def canonical(data) -> bytes:
    """The one byte form of a manifest that is signed and served."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public_key: Ed25519PublicKey) -> str:
    """A short, stable name of a public key: the first 16 hex digits of SHA-256 of its 32 bytes."""
    return hashlib.sha256(raw_public(public_key)).hexdigest()[:16]


def public_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def public_from_b64url(text: str) -> Ed25519PublicKey:
    padded = text + "=" * (-len(text) % 4)
    return Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(padded))


def jwk(public_key: Ed25519PublicKey) -> dict:
    """A public key as a JSON Web Key (RFC 8037, OKP/Ed25519), named by its key id."""
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "alg": "EdDSA",
        "use": "sig",
        "kid": key_id(public_key),
        "x": b64url(raw_public(public_key)),
    }


def sign(private_key: Ed25519PrivateKey, data: bytes) -> str:
    return base64.b64encode(private_key.sign(data)).decode("ascii")


def sha256_of(stream) -> tuple[str, int]:
    """(hex SHA-256, size) of a binary stream, read in chunks."""
    digest, size = hashlib.sha256(), 0
    for chunk in iter(lambda: stream.read(CHUNK), b""):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def normalise_hash(text) -> str | None:
    """A pasted SHA-256 as 64 lower-case hex digits, or None when it is not one."""
    value = "".join((text or "").split()).lower()
    if len(value) != HASH_LENGTH or any(c not in "0123456789abcdef" for c in value):
        return None
    return value


def keyring_from_json(data) -> dict[str, Ed25519PublicKey]:
    """{key id: public key} from the portal's /.well-known/satudata-signing-keys.json.

    Each key's id is recomputed from its bytes; an entry whose id does not match is refused,
    so an edited key file cannot pass one key off under another key's name.
    """
    ring = {}
    entries = data.get("keys") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise InvalidRelease(_('Berkas kunci tidak berisi daftar "keys".'))
    for entry in entries:
        if (
            not isinstance(entry, dict)
            or entry.get("kty") != "OKP"
            or entry.get("crv") != "Ed25519"
        ):
            continue
        try:
            public_key = public_from_b64url(str(entry.get("x", "")))
        except (ValueError, binascii.Error):
            raise InvalidRelease(_("Berkas kunci memuat kunci publik yang rusak.")) from None
        if entry.get("kid") != key_id(public_key):
            raise InvalidRelease(
                _("Berkas kunci memuat kunci yang namanya tidak cocok dengan isinya.")
            )
        ring[entry["kid"]] = public_key
    if not ring:
        raise InvalidRelease(_("Berkas kunci tidak memuat kunci Ed25519."))
    return ring


def keyring_from_pem(pem: bytes) -> dict[str, Ed25519PublicKey]:
    try:
        public_key = serialization.load_pem_public_key(pem)
    except ValueError:
        raise InvalidRelease(_("Berkas kunci publik bukan PEM yang sah.")) from None
    if not isinstance(public_key, Ed25519PublicKey):
        raise InvalidRelease(_("Kunci publik ini bukan kunci Ed25519."))
    return {key_id(public_key): public_key}


def verify_manifest(manifest_bytes: bytes, signature: str, keyring: dict) -> dict:
    """The manifest as a dict when `signature` is a valid signature of exactly these bytes by a
    key of `keyring` named in the manifest; otherwise InvalidRelease."""
    try:
        raw_signature = base64.b64decode("".join(signature.split()), validate=True)
    except (ValueError, binascii.Error):
        raise InvalidRelease(_("Tanda tangan bukan base64 yang sah.")) from None
    if len(raw_signature) != 64:
        raise InvalidRelease(_("Tanda tangan bukan tanda tangan Ed25519 (64 bita)."))
    try:
        manifest = json.loads(manifest_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise InvalidRelease(_("Manifes bukan JSON yang sah.")) from None
    if not isinstance(manifest, dict) or manifest.get("type") != MANIFEST_TYPE:
        raise InvalidRelease(_("Berkas ini bukan manifes rilis Satu Data."))
    public_key = keyring.get(manifest.get("key_id"))
    if public_key is None:
        raise InvalidRelease(
            _("Manifes ditandatangani dengan kunci yang tidak dikenal (%(kid)s).")
            % {"kid": str(manifest.get("key_id"))[:40]}
        )
    try:
        public_key.verify(raw_signature, manifest_bytes)
    except InvalidSignature:
        raise InvalidRelease(
            _(
                "Tanda tangan tidak cocok: manifes telah diubah atau tidak ditandatangani portal ini."
            )
        ) from None
    if canonical(manifest) != manifest_bytes:
        raise InvalidRelease(_("Manifes tidak dalam bentuk kanonik."))
    return manifest


def listed_file(manifest: dict, sha256: str):
    """The manifest's entry of the file with this SHA-256, or None."""
    for entry in manifest.get("files", []):
        if isinstance(entry, dict) and entry.get("sha256") == sha256:
            return entry
    return None
