"""record(): the one way to write the audit trail, called inside the caller's transaction."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from . import chain
from .constants import AuditAction
from .models import AuditEvent

log = logging.getLogger(__name__)


def client_ip(request):
    """The peer address (a proxy in front is configured to overwrite REMOTE_ADDR, not trusted headers)."""
    return request.META.get("REMOTE_ADDR") if request is not None else None


def record(action, target, *, actor=None, request=None, before=None, after=None, reason=""):
    """Add one event to the chain. Must run inside the transaction that makes the change."""
    if not connection.in_atomic_block:
        raise RuntimeError(
            "audit.record() must be called inside the transaction that makes the change"
        )
    action = AuditAction(action)
    with transaction.atomic():
        # Lock the chain head so two writers cannot both extend the same previous event.
        last = AuditEvent.objects.select_for_update().order_by("-id").first()
        event = AuditEvent(
            created_at=timezone.now(),
            actor=actor if actor is not None and actor.is_authenticated else None,
            actor_name=str(actor) if actor is not None and actor.is_authenticated else "",
            action=action,
            target_type=target._meta.label_lower,
            target_id=str(target.pk),
            target_label=str(target)[:255],
            ip_address=client_ip(request),
            before=before or {},
            after=after or {},
            reason=reason,
            previous_hash=last.hash if last else "",
            hash_scheme=chain.current_scheme(),
        )
        event.hash = event.compute_hash(chain.hmac_key())
        event.save()
    # Once the change is committed, the event is witnessed outside the database.
    transaction.on_commit(lambda: _witness(event), robust=True)
    return event


def _witness(event):
    try:
        chain.append_witness([event])
    except OSError:
        # The change is committed already; audit-verify reports unwitnessed events.
        log.exception("could not append audit event %s to the witness file", event.id)


def verify_chain():
    """(ok, first broken event id or None): the chain alone, without the witness file."""
    result = chain.verify(use_witness=False)
    return result.ok, (result.finding.event_id if result.finding else None)


# --- the non-public access trail -------------------------------------------------------------

CHANNELS = ("pratinjau", "api", "ckan")


def is_non_public(version):
    """Whether the public could not read this version (Terbatas/Tertutup, unpublished, or a
    dataset that is not Terbit)."""
    from satudata.catalog.constants import Access, State

    dataset = version.resource.dataset
    return (
        dataset.access != Access.OPEN
        or not version.is_published
        or dataset.state != State.PUBLISHED
    )


def access_details(version, *, channel, token=None):
    """What a breach notice needs to know about one read (JSON-serialisable)."""
    dataset = version.resource.dataset
    details = {
        "channel": channel,
        "dataset": dataset.slug,
        "dataset_id": dataset.pk,
        "organization": dataset.organization.slug if dataset.organization_id else "",
        "access": dataset.access,
        "version": version.number,
        "resource_id": version.resource_id,
    }
    if token is not None:
        details["token_id"] = token.pk
        details["token"] = token.name
    return details


def record_access(request, version, *, channel):
    """Record a read of a non-public version's content (data.access), in its own transaction.

    Reads of public data are not recorded. A page preview, an /api/v1 query or a CKAN
    datastore_search is recorded at most once per user, token, version and channel within
    settings.AUDIT_ACCESS_DEDUP_SECONDS (downloads are recorded every time, elsewhere).
    Returns the event, or None when nothing was recorded.
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown access channel {channel!r}")
    if not is_non_public(version):
        return None
    user = getattr(request, "user", None)
    token = getattr(request, "api_token", None)
    after = access_details(version, channel=channel, token=token)
    window = getattr(settings, "AUDIT_ACCESS_DEDUP_SECONDS", 3600)
    with transaction.atomic():
        if window > 0:
            recent = AuditEvent.objects.filter(
                action=AuditAction.DATA_ACCESS,
                target_type=version._meta.label_lower,
                target_id=str(version.pk),
                actor_id=user.pk if user is not None and user.is_authenticated else None,
                created_at__gte=timezone.now() - timedelta(seconds=window),
            )
            for previous in recent.only("after"):
                if previous.after.get("channel") == channel and previous.after.get(
                    "token_id"
                ) == after.get("token_id"):
                    return None
        return record(AuditAction.DATA_ACCESS, version, actor=user, request=request, after=after)
