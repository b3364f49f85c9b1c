from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from satudata.regions.models import Region

from .constants import OPD_ROLES, OrganizationKind, Role


class Organization(models.Model):
    """A perangkat daerah (OPD) that produces data, within the government of one region."""

    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    name = models.CharField(_("nama"), max_length=255)
    short_name = models.CharField(_("singkatan"), max_length=50, blank=True)
    kind = models.CharField(
        _("jenis"), max_length=20, choices=OrganizationKind.choices, default=OrganizationKind.AGENCY
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("pemerintah daerah"),
        on_delete=models.PROTECT,
        related_name="organizations",
    )
    description = models.TextField(_("deskripsi"), blank=True)
    website = models.URLField(_("situs web"), blank=True)
    email = models.EmailField(_("surel"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("perangkat daerah")
        verbose_name_plural = _("perangkat daerah")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("portal:organization", args=[self.slug])


class User(AbstractUser):
    """A staff account. The public never signs in; what a user may do comes from memberships."""

    full_name = models.CharField(_("nama lengkap"), max_length=255, blank=True)
    # Part of the session auth hash: raising it ends every session of the user at once
    # (deactivation, second factor turned on or off). See end_all_sessions().
    session_epoch = models.PositiveIntegerField(default=0, editable=False)
    # When the password was last set (the BSSN policy's maximum age counts from here).
    password_changed_at = models.DateTimeField(
        _("kata sandi terakhir diganti"), default=timezone.now, editable=False
    )

    # How many earlier password hashes are kept for the no-reuse rule (PasswordHistory).
    PASSWORD_HISTORY_KEPT = 10

    class Meta:
        verbose_name = _("pengguna")
        verbose_name_plural = _("pengguna")

    def __str__(self):
        return self.full_name or self.username

    def _get_session_auth_hash(self, secret=None):
        """Django's hash of the password, plus the session epoch once it has been raised
        (epoch 0 keeps the hash Django computes, so deploying this ends no session)."""
        if not self.session_epoch:
            return super()._get_session_auth_hash(secret=secret)
        return salted_hmac(
            "satudata.accounts.User.session_auth_hash",
            f"{self.password}|{self.session_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def end_all_sessions(self):
        """Make every existing session of this user invalid (on any session backend).

        The caller that wants to keep the current session calls
        django.contrib.auth.update_session_auth_hash(request, user) afterwards."""
        User.objects.filter(pk=self.pk).update(session_epoch=models.F("session_epoch") + 1)
        self.refresh_from_db(fields=["session_epoch"])

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()
        self._password_history_pending = True

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "password" in update_fields:
            kwargs["update_fields"] = {*update_fields, "password_changed_at"}
        deactivated = (
            self.pk is not None
            and not self.is_active
            and User.objects.filter(pk=self.pk, is_active=True).exists()
        )
        if deactivated:
            # A deactivated account keeps no session, even if it is reactivated later.
            self.session_epoch += 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "session_epoch"}
        super().save(*args, **kwargs)
        if getattr(self, "_password_history_pending", False) and self.has_usable_password():
            self._password_history_pending = False
            PasswordHistory.objects.create(user=self, password=self.password)
            stale = PasswordHistory.objects.filter(user=self).order_by("-created_at", "-pk")[
                self.PASSWORD_HISTORY_KEPT :
            ]
            PasswordHistory.objects.filter(pk__in=list(stale.values_list("pk", flat=True))).delete()

    def roles(self):
        """The set of roles of an active user, cached on the instance for one request."""
        if not self.is_active:
            return frozenset()
        if not hasattr(self, "_roles_cache"):
            self._roles_cache = frozenset(m.role for m in self.memberships.all())
        return self._roles_cache

    def organization_ids(self, roles=tuple(OPD_ROLES)):
        """Ids of the OPDs where the user has one of `roles`."""
        if not self.is_active:
            return frozenset()
        key = ("_org_cache", tuple(sorted(roles)))
        cache = self.__dict__.setdefault("_org_cache", {})
        if key not in cache:
            cache[key] = frozenset(
                m.organization_id
                for m in self.memberships.all()
                if m.role in roles and m.organization_id
            )
        return cache[key]

    def has_role(self, *roles):
        return bool(self.roles() & set(roles))


class Membership(models.Model):
    """A role held by a user, in one OPD (Produsen, Walidata Pendukung) or portal-wide."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("peran"), max_length=20, choices=Role.choices)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("perangkat daerah"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("keanggotaan")
        verbose_name_plural = _("keanggotaan")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "organization"], name="unique_membership"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    role__in=sorted(r.value for r in OPD_ROLES), organization__isnull=False
                )
                | ~models.Q(role__in=sorted(r.value for r in OPD_ROLES)),
                name="opd_role_needs_organization",
            ),
        ]

    def __str__(self):
        where = f" — {self.organization}" if self.organization_id else ""
        return f"{self.user}: {self.get_role_display()}{where}"


class ApiToken(models.Model):
    """A staff member's API key for /api/v1 (`Authorization: Bearer <token>`).

    Only the SHA-256 of the token is stored; the token itself is shown once, when made.
    The token acts as its owner, never more: the same permission check applies.
    """

    SCOPE_READ = "read"
    SCOPE_WRITE = "write"
    SCOPES = [(SCOPE_READ, _("baca")), (SCOPE_WRITE, _("baca dan tulis"))]

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("nama"), max_length=100)
    prefix = models.CharField(max_length=12, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    scope = models.CharField(_("cakupan"), max_length=10, choices=SCOPES, default=SCOPE_READ)
    # The one OPD the token may act in (besides what the public sees); empty = every OPD of
    # the owner. See satudata.accounts.tokens.acting_user().
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("perangkat daerah"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("berlaku sampai"))
    last_used_at = models.DateTimeField(_("terakhir dipakai"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("dicabut"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("token API")
        verbose_name_plural = _("token API")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def allows(self, scope):
        return scope == self.SCOPE_READ or self.scope == self.SCOPE_WRITE


class PasswordHistory(models.Model):
    """An earlier password hash of a user, for the BSSN no-reuse rule (passwords.py)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d}"


class TwoFactorDevice(models.Model):
    """A user's TOTP authenticator (RFC 6238). The secret is stored encrypted (twofactor.py)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="two_factor")
    encrypted_secret = models.TextField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Null until the user has typed a first code: an unconfirmed device protects nothing.
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The last 30-second step whose code was accepted: no code of that step or earlier
    # is accepted again (replay).
    last_used_step = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("verifikasi dua langkah")
        verbose_name_plural = _("verifikasi dua langkah")

    def __str__(self):
        return str(self.user)


class RecoveryCode(models.Model):
    """A single-use recovery code; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="unique_recovery_code")
        ]

    def __str__(self):
        return f"{self.user_id}: {self.code_hash[:8]}…"


class FailedLogin(models.Model):
    """One failed sign-in attempt (password or code step), counted per name and per address."""

    username = models.CharField(max_length=150, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self):
        return f"{self.username} @ {self.ip_address}"


class LoginLock(models.Model):
    """A lock on sign-in for one key ("user:<name>" or "ip:<address>") until a time."""

    key = models.CharField(max_length=200, unique=True)
    locked_until = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.key
