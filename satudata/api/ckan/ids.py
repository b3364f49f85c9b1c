"""Stable, globally unique CKAN ids for our integer primary keys, and back.

CKAN ids are UUIDs, and ckanext-harvest keeps the remote id when it imports a dataset, so
two regional portals must never hand out the same id. Our rows have integer keys, so a
CKAN id is 20 hex digits that depend only on the deployment (settings.CKAN_ID_NAMESPACE,
else the host of SITE_URL) and the kind of object, followed by the key as 12 hex digits:

    6f1c2a9e-41d2-8a07-9b3c-00000000002a   (dataset 42 of this portal)

It reads back without a lookup table, and sorting ids as strings sorts by key, so
`sort=id asc` is stable and total.
"""

import hashlib
import re
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings

KINDS = ("dataset", "resource", "organization", "group", "tag")
_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
)
MAX_KEY = 16**12 - 1


@lru_cache(maxsize=32)
def _prefix(namespace: str, kind: str) -> str:
    digest = hashlib.sha256(f"satudata-ckan:{namespace}:{kind}".encode()).hexdigest()[:20]
    # Shape it as an RFC 9562 version 8 (custom) UUID: version nibble 8, variant 10xx.
    return digest[:12] + "8" + digest[13:16] + f"{8 | (int(digest[16], 16) & 3):x}" + digest[17:20]


def namespace() -> str:
    return settings.CKAN_ID_NAMESPACE or urlsplit(settings.SITE_URL).netloc or settings.SITE_URL


def prefix(kind: str) -> str:
    return _prefix(namespace(), kind)


@lru_cache(maxsize=32)
def _dashed(digits: str) -> str:
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-"


def to_ckan(kind: str, pk: int) -> str:
    return f"{_dashed(prefix(kind))}{pk:012x}"


def from_ckan(kind: str, value) -> int | None:
    """The key of our `kind` row that a CKAN id names, or None if it is not one of ours."""
    if not isinstance(value, str) or not _UUID.match(value.strip()):
        return None
    digits = value.strip().replace("-", "").lower()
    if digits[:20] != prefix(kind):
        return None
    pk = int(digits[20:], 16)
    return pk or None
