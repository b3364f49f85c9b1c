"""API tokens: made once, stored as SHA-256, looked up by hash (`Authorization: Bearer`)."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from satudata.audit.actions import record
from satudata.audit.constants import AuditAction

from .models import ApiToken

TOKEN_PREFIX = "sd_"
# last_used_at is written at most this often per token (no write on every request).
TOUCH_INTERVAL = timedelta(minutes=5)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def create_token(user, name, scope, days, *, request=None):
    """(ApiToken, the token text): the text is returned once and never stored."""
    days = max(1, min(int(days), settings.API_TOKEN_MAX_DAYS))
    text = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name[:100],
            prefix=text[:10],
            token_hash=digest(text),
            scope=scope,
            expires_at=timezone.now() + timedelta(days=days),
        )
        record(
            AuditAction.API_TOKEN_CREATE,
            token,
            actor=user,
            request=request,
            after={"name": token.name, "scope": scope, "expires_at": token.expires_at.isoformat()},
        )
    return token, text


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
    return token.user, token
