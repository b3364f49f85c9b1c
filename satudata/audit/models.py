import hashlib
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

    class Meta:
        ordering = ["-id"]
        verbose_name = _("peristiwa audit")
        verbose_name_plural = _("jejak audit")

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.target_label}"

    def get_action_display(self):
        try:
            return AuditAction(self.action).label
        except ValueError:
            return self.action

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("audit events are append-only")
        super().save(*args, **kwargs)

    def compute_hash(self):
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
        return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
