from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    """The closed list of audited actions; record() refuses anything else."""

    UPLOAD = "upload.create", _("Unggah berkas")
    VERSION_CREATE = "version.create", _("Versi baru dibuat")
    VERSION_PUBLISH = "version.publish", _("Versi diterbitkan")
    SCHEMA_CHANGE = "schema.change", _("Skema kolom diubah")
    PII_OVERRIDE = "pii.override", _("Pengecualian data pribadi")
    RESTRICTED_DOWNLOAD = "download.restricted", _("Unduh berkas tidak terbuka")
