import hashlib
import hmac
import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .constants import AuditAction


class AuditEvent(models.Model):
    """One audited action. Rows are only ever added; each carries the hash of the previous one."""

    created_at = models.DateTimeField(_("waktu"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(_("pelaku"), max_length=150, blank=True)
    # No `choices=` here: record() accepts only AuditAction values, and a new action then
    # needs no migration.
    action = models.CharField(_("tindakan"), max_length=40, db_index=True)
    target_type = models.CharField(max_length=40)
    target_id = models.CharField(max_length=64, db_index=True)
    target_label = models.CharField(max_length=255, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    previous_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, unique=True)
    # How `hash` is computed: 1 = SHA-256 of the event (anyone can recompute it), 2 =
    # HMAC-SHA256 with settings.AUDIT_HMAC_KEY (kept outside the database). Old events keep
    # their scheme and still verify; new events use 2 once a key is configured.
    hash_scheme = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("peristiwa audit")
        verbose_name_plural = _("jejak audit")

    def __str__(self):
        return (
            f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.target_label}"
        )

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("audit events are append-only")
        super().save(*args, **kwargs)

    def get_action_display(self):
        try:
            return AuditAction(self.action).label
        except ValueError:
            return self.action

    def compute_hash(self, key=None):
        """The event's hash under its own scheme; scheme 2 needs the HMAC key (bytes)."""
        body = {
            "created_at": self.created_at.isoformat(),
            "actor": self.actor_id,
            "actor_name": self.actor_name,
            "action": self.action,
            "target": [self.target_type, self.target_id, self.target_label],
            "ip": self.ip_address,
            "before": self.before,
            "after": self.after,
            "reason": self.reason,
            "previous": self.previous_hash,
        }
        if self.hash_scheme == SCHEME_SHA256:
            return hashlib.sha256(
                json.dumps(body, sort_keys=True, default=str).encode()
            ).hexdigest()
        if self.hash_scheme == SCHEME_HMAC:
            if not key:
                raise MissingKey
            body["scheme"] = SCHEME_HMAC
            message = json.dumps(body, sort_keys=True, default=str).encode()
            return hmac.new(key, message, hashlib.sha256).hexdigest()
        raise ValueError(f"unknown audit hash scheme {self.hash_scheme}")


SCHEME_SHA256 = 1
SCHEME_HMAC = 2


class MissingKey(Exception):
    """An event hashed with HMAC cannot be checked (or written) without the key."""


class AuditCheckpoint(models.Model):
    """The newest event a full chain check found intact (one row, overwritten).

    Only a speed-up for the staff page, which checks the events after it; it lives in the
    database, so someone who can write the database can move it: `satudata audit-verify`
    always walks the whole chain and the witness file.
    """

    event_id = models.BigIntegerField()
    event_hash = models.CharField(max_length=64)
    count = models.PositiveBigIntegerField(default=0)
    verified_at = models.DateTimeField()
    # When the whole chain (and the witness file) was last found intact.
    full_verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("titik periksa rantai audit")
        verbose_name_plural = _("titik periksa rantai audit")

    def __str__(self):
        return f"#{self.event_id} {self.event_hash[:12]}… {self.verified_at:%Y-%m-%d %H:%M}"
