from django.db import models
from django.utils.translation import gettext_lazy as _

from satudata.catalog.models import ResourceVersion


class SigningKey(models.Model):
    """A public key the portal has signed with; kept after a rotation so old manifests still verify."""

    key_id = models.CharField(_("ID kunci"), max_length=16, unique=True)
    # The raw 32-byte Ed25519 public key, base64url without padding (the JWK "x").
    public_key = models.CharField(_("kunci publik"), max_length=64)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    retired_at = models.DateTimeField(_("dipensiunkan"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("kunci tanda tangan")
        verbose_name_plural = _("kunci tanda tangan")

    def __str__(self):
        return self.key_id


class Release(models.Model):
    """The signed manifest of one published version: what was released, which files, when."""

    version = models.OneToOneField(
        ResourceVersion, on_delete=models.CASCADE, related_name="release"
    )
    # The exact canonical bytes that were signed (UTF-8 text); served unchanged as manifest.json.
    manifest = models.TextField(_("manifes"))
    signature = models.CharField(_("tanda tangan"), max_length=100)
    key_id = models.CharField(_("ID kunci"), max_length=16, db_index=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("rilis bertanda tangan")
        verbose_name_plural = _("rilis bertanda tangan")

    def __str__(self):
        return f"{self.version} ({self.key_id})"


class ReleaseFile(models.Model):
    """One file listed in a release's manifest; an index for looking a file up by its hash."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(_("nama berkas"), max_length=255)
    format = models.CharField(_("format"), max_length=20)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size = models.BigIntegerField(_("ukuran berkas"))

    class Meta:
        ordering = ["release", "id"]
        verbose_name = _("berkas rilis")
        verbose_name_plural = _("berkas rilis")

    def __str__(self):
        return self.name
