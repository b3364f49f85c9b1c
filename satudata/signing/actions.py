"""Signing published versions, the keyring of every key ever used, and finding a file's release."""

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from satudata.accounts.permissions import can
from satudata.audit.actions import record
from satudata.audit.constants import AuditAction
from satudata.catalog.constants import State
from satudata.catalog.models import ResourceVersion

from . import keys
from .manifest import (
    MANIFEST_TYPE,
    InvalidRelease,
    b64url,
    canonical,
    key_id,
    listed_file,
    public_from_b64url,
    raw_public,
    sign,
    verify_manifest,
)
from .models import Release, ReleaseFile, SigningKey

log = logging.getLogger(__name__)


def _iso(moment):
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def current_key():
    """(private key, key id) of the key that signs now; its public half is kept in SigningKey."""
    private = keys.private_key()
    public = private.public_key()
    kid = key_id(public)
    SigningKey.objects.get_or_create(
        key_id=kid, defaults={"public_key": b64url(raw_public(public))}
    )
    return private, kid


def keyring():
    """{key id: public key} of every key the portal has signed with, current and retired."""
    ring = {k.key_id: public_from_b64url(k.public_key) for k in SigningKey.objects.all()}
    public = keys.private_key().public_key()
    ring.setdefault(key_id(public), public)
    return ring


def published_keys():
    """The public keys as listed at /.well-known/: current first, then retired, newest first."""
    public = keys.private_key().public_key()
    current = key_id(public)
    rows = [
        (k.key_id, public_from_b64url(k.public_key), k.created_at, k.retired_at)
        for k in SigningKey.objects.all()
    ]
    if current not in {row[0] for row in rows}:
        rows.insert(0, (current, public, None, None))
    rows.sort(key=lambda row: row[0] != current)
    return current, rows


def build_manifest(version, kid):
    """What a release says: portal, dataset, OPD, resource, version, time, and every file's SHA-256.

    All files a version offers are stored bytes: the original upload and the CSV, XLSX, JSON and
    Parquet made once when it was processed (content-addressed, never regenerated), so every one
    of them is listed.
    """
    from satudata.portal.views import DOWNLOAD_TYPES

    resource = version.resource
    dataset = resource.dataset
    site = settings.SITE_URL.rstrip("/")
    args = [dataset.slug, resource.pk, version.number]
    files = [
        {
            "name": version.original_name,
            "format": version.format,
            "role": "original",
            "sha256": version.sha256,
            "size": version.size,
            "url": site + reverse("portal:download", args=args),
        }
    ]
    for fmt, (_content_type, extension) in DOWNLOAD_TYPES.items():
        stored = (version.downloads or {}).get(fmt)
        if not stored:
            continue
        files.append(
            {
                "name": f"{dataset.slug}-{resource.pk}-v{version.number}.{extension}",
                "format": fmt.upper(),
                "role": "derived",
                "sha256": stored["key"],
                "size": stored["size"],
                "url": site + reverse("portal:download_format", args=[*args, fmt]),
            }
        )
    return {
        "type": MANIFEST_TYPE,
        "portal": {"name": settings.SITE_NAME, "url": site},
        "dataset": {
            "slug": dataset.slug,
            "title": (version.metadata or {}).get("title") or dataset.title,
        },
        "organization": {"slug": dataset.organization.slug, "name": dataset.organization.name},
        "resource": {"id": resource.pk, "name": resource.name},
        "version": version.number,
        "page": site + reverse("portal:version", args=args),
        "published_at": _iso(version.published_at),
        "signed_at": _iso(timezone.now()),
        "files": files,
        "key_id": kid,
    }


def sign_release(version, *, actor=None, request=None):
    """Sign a published version's manifest, once; call inside the publication's transaction."""
    existing = Release.objects.filter(version_id=version.pk).first()
    if existing is not None:
        return existing  # a release is never re-signed: what was published stays as it was
    if version.published_at is None:
        raise ValueError("only a published version has a release")
    private, kid = current_key()
    manifest = build_manifest(version, kid)
    data = canonical(manifest)
    with transaction.atomic():
        release = Release.objects.create(
            version=version,
            manifest=data.decode("utf-8"),
            signature=sign(private, data),
            key_id=kid,
        )
        ReleaseFile.objects.bulk_create(
            ReleaseFile(
                release=release,
                name=f["name"][:255],
                format=f["format"][:20],
                sha256=f["sha256"],
                size=f["size"],
            )
            for f in manifest["files"]
        )
        record(
            AuditAction.RELEASE_SIGN,
            release,
            actor=actor,
            request=request,
            after={
                "version": version.pk,
                "key_id": kid,
                "manifest_sha256": hashlib.sha256(data).hexdigest(),
            },
        )
    return release


def sign_missing(*, actor=None):
    """Sign every published version that has no release yet (oldest first); returns how many."""
    pending = (
        ResourceVersion.objects.filter(published_at__isnull=False, release__isnull=True)
        .select_related("resource__dataset__organization")
        .order_by("published_at", "pk")
    )
    signed = 0
    for version in pending.iterator(chunk_size=200):
        with transaction.atomic():
            sign_release(version, actor=actor)
        signed += 1
    return signed


def rotate_key(*, actor=None):
    """Retire the current key (its public half stays published) and sign from now on with a new one."""
    with transaction.atomic():
        _private, old = current_key()  # an old key is known before its file is moved aside
    keys.rotate()
    with transaction.atomic():
        _private, new = current_key()
        SigningKey.objects.filter(key_id=old, retired_at__isnull=True).update(
            retired_at=timezone.now()
        )
        record(
            AuditAction.SIGNING_KEY_ROTATE,
            SigningKey.objects.get(key_id=new),
            actor=actor,
            before={"key_id": old},
            after={"key_id": new},
        )
    return old, new


def check_release(release, ring=None):
    """The release's manifest when its stored signature verifies, else InvalidRelease."""
    return verify_manifest(release.manifest.encode("utf-8"), release.signature, ring or keyring())


@dataclass
class Match:
    release: Release
    version: ResourceVersion
    manifest: dict
    file: dict
    withdrawal: object = None  # the workflow.Withdrawal of a withdrawn dataset
    superseded: bool = False  # a later version of the resource is published

    @property
    def dataset(self):
        return self.version.resource.dataset


def find_releases(user, sha256):
    """(official, withdrawn) matches of a file hash that `user` may learn about.

    A release counts only when its stored signature verifies and its signed manifest lists the
    hash. The user learns of it only as the version page would tell them: a version they may see
    (`version.view`), or a withdrawn dataset whose withdrawal they may see
    (`dataset.see_withdrawal`). Anything else is left out, so a Terbatas or Tertutup release
    answers "not found" to the public exactly like a file that was never released.
    """
    rows = (
        ReleaseFile.objects.filter(sha256=sha256)
        .select_related("release__version__resource__dataset__organization")
        .order_by("-release__version__published_at", "-release_id")
    )
    official, withdrawn, seen = [], [], set()
    ring = None
    for row in rows[:50]:
        release = row.release
        if release.pk in seen:
            continue
        seen.add(release.pk)
        version = release.version
        dataset = version.resource.dataset
        if dataset.state == State.WITHDRAWN:
            if not can(user, "dataset.see_withdrawal", dataset):
                continue
        elif not can(user, "version.view", version):
            continue
        ring = ring or keyring()
        try:
            manifest = check_release(release, ring)
        except InvalidRelease as invalid:
            log.error("release %s does not verify: %s", release.pk, invalid)
            continue
        entry = listed_file(manifest, sha256)
        if entry is None:
            log.error("release %s indexes %s but its manifest does not list it", release.pk, sha256)
            continue
        match = Match(release=release, version=version, manifest=manifest, file=entry)
        match.superseded = ResourceVersion.objects.filter(
            resource_id=version.resource_id, number__gt=version.number, published_at__isnull=False
        ).exists()
        if dataset.state == State.WITHDRAWN:
            match.withdrawal = dataset.withdrawals.first()
            withdrawn.append(match)
        else:
            official.append(match)
    return official, withdrawn
