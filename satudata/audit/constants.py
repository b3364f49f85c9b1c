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
    DATASET_CREATE = "dataset.create", _("Dataset dibuat")
    DATASET_CHANGE = "dataset.change", _("Metadata dataset diubah")
    DATASET_CLASSIFICATION = "dataset.classification", _("Klasifikasi akses diubah")
    API_TOKEN_CREATE = "api_token.create", _("Token API dibuat")
    API_TOKEN_REVOKE = "api_token.revoke", _("Token API dicabut")
    INDICATOR_CURATE = "indicator.curate", _("Indikator Utama atau status terbit indikator diubah")
    PLAN_CREATE = "plan.create", _("Daftar Data dibuat")
    PLAN_ITEM_CREATE = "plan_item.create", _("Data ditambahkan ke Daftar Data")
    PLAN_ITEM_CHANGE = "plan_item.change", _("Data dalam Daftar Data diubah")
    PLAN_IMPORT = "plan.import", _("Daftar Data diimpor dari XLSX")
    SUBMISSION_CREATE = "submission.create", _("Pengajuan dibuat (Draf)")
    SUBMISSION_SUBMIT = "submission.submit", _("Versi diajukan")
    SUBMISSION_PRECHECK = "submission.precheck", _("Lolos pra-periksa Walidata Pendukung")
    SUBMISSION_APPROVE = "submission.approve", _("Disetujui Walidata")
    SUBMISSION_RETURN = "submission.return", _("Pengajuan dikembalikan")
    SUBMISSION_SUPERVISOR_APPROVE = "submission.supervisor_approve", _("Disetujui Pembina Data")
    SUBMISSION_PUBLISH = "submission.publish", _("Pengajuan diterbitkan")
    DATASET_WITHDRAW = "dataset.withdraw", _("Dataset ditarik")
    COMMENT_CREATE = "comment.create", _("Komentar pada pengajuan")
    ROLE_GRANT = "role.grant", _("Peran diberikan")
    ROLE_CHANGE = "role.change", _("Peran diubah")
    ROLE_REVOKE = "role.revoke", _("Peran dicabut")
    AUDIT_EXPORT = "audit.export", _("Jejak audit diekspor")
