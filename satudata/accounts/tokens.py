"""API tokens: made once, stored as SHA-256, looked up by hash (`Authorization: Bearer`).

A token's permission is its owner's permission, narrowed twice: by its scope (read, or read
and write) and, when it names one OPD, to that OPD (acting_user()).
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone

from satudata.audit.actions import record
from satudata.audit.constants import AuditAction

from .models import ApiToken, Membership, Organization

TOKEN_PREFIX = "sd_"  # nosec B105  # the public prefix of API tokens, not a password
# last_used_at is written at most this often per token (no write on every request).
TOUCH_INTERVAL = timedelta(minutes=5)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def token_organizations(user):
    """The OPDs a user may tie a token to: those where they hold an OPD role."""
    return Organization.objects.filter(pk__in=user.organization_ids()).order_by("name")


def create_token(user, name, scope, days, *, organization=None, request=None):
    """(ApiToken, the token text): the text is returned once and never stored."""
    days = max(1, min(int(days), settings.API_TOKEN_MAX_DAYS))
    if scope not in dict(ApiToken.SCOPES):
        raise ValueError(f"unknown token scope {scope!r}")
    if organization is not None and organization.pk not in user.organization_ids():
        raise ValueError("a token can only be tied to one of its owner's OPDs")
    text = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name[:100],
            prefix=text[:10],
            token_hash=digest(text),
            scope=scope,
            organization=organization,
            expires_at=timezone.now() + timedelta(days=days),
        )
        record(
            AuditAction.API_TOKEN_CREATE,
            token,
            actor=user,
            request=request,
            after={
                "name": token.name,
                "scope": scope,
                "organization": organization.slug if organization else None,
                "expires_at": token.expires_at.isoformat(),
            },
        )
    return token, text


def acting_user(token):
    """The user a token acts as: its owner, or, for a token tied to one OPD, its owner with
    only their memberships in that OPD.

    Every permission (visibility_q, can()) reads the roles and OPDs from user.memberships, so
    a token of OPD A then sees of other OPDs only what the public sees, and may change only
    what a member of OPD A may change. Portal-wide roles (Walidata, Admin, Pembina Data,
    Pimpinan) are dropped: their reach is every OPD, which the token must not have. If the
    owner has lost their role in the OPD, the token reads public data only.
    """
    user = token.user
    if token.organization_id is None:
        return user
    getattr(user, "_prefetched_objects_cache", {}).pop("memberships", None)
    prefetch_related_objects(
        [user],
        Prefetch(
            "memberships",
            queryset=Membership.objects.filter(organization_id=token.organization_id),
        ),
    )
    for cached in ("_roles_cache", "_org_cache"):
        user.__dict__.pop(cached, None)
    return user


def revoke_token(token, *, actor, request=None):
    with transaction.atomic():
        now = timezone.now()
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
        token.revoked_at = now
        record(AuditAction.API_TOKEN_REVOKE, token, actor=actor, request=request)


def user_for_token(text: str):
    """(user, token) for a live token, else None. Expired, revoked and inactive never pass."""
    if not text or len(text) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=digest(text), revoked_at__isnull=True)
        .first()
    )
    now = timezone.now()
    if token is None or token.expires_at <= now or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return acting_user(token), token
