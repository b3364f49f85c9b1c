"""record(): the one way to write the audit trail, called inside the caller's transaction."""

from django.db import connection, transaction
from django.utils import timezone

from .constants import AuditAction
from .models import AuditEvent


def client_ip(request):
    """The peer address (a proxy in front is configured to overwrite REMOTE_ADDR, not trusted headers)."""
    return request.META.get("REMOTE_ADDR") if request is not None else None


def record(action, target, *, actor=None, request=None, before=None, after=None, reason=""):
    """Add one event to the chain. Must run inside the transaction that makes the change."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit.record() must be called inside the transaction that makes the change")
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
        )
        event.hash = event.compute_hash()
        event.save()
    return event


def verify_chain():
    """(ok, first broken event id or None): recompute every hash in order."""
    previous = ""
    for event in AuditEvent.objects.order_by("id").iterator():
        if event.previous_hash != previous or event.compute_hash() != event.hash:
            return False, event.id
        previous = event.hash
    return True, None
