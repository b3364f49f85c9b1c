from django.contrib.auth.models import AbstractUser
from django.db import models
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

    class Meta:
        verbose_name = _("pengguna")
        verbose_name_plural = _("pengguna")

    def __str__(self):
        return self.full_name or self.username

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
