from django.db import models
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Menunggu")
    RUNNING = "running", _("Diproses")
    SUCCEEDED = "succeeded", _("Selesai")
    NEEDS_FIX = "needs_fix", _("Perlu perbaikan")
    FAILED = "failed", _("Gagal")


class Stage(models.TextChoices):
    RECEIVED = "received", _("Berkas diterima")
    READING = "reading", _("Membaca berkas")
    SCHEMA = "schema", _("Menyusun skema kolom")
    VALIDATING = "validating", _("Memeriksa data")
    PII = "pii", _("Memeriksa data pribadi")
    STORING = "storing", _("Menyimpan Parquet dan unduhan")
    DONE = "done", _("Selesai")


# Share of the progress bar at the start of each stage.
STAGE_START = {
    Stage.RECEIVED: 0,
    Stage.READING: 5,
    Stage.SCHEMA: 40,
    Stage.VALIDATING: 45,
    Stage.PII: 75,
    Stage.STORING: 85,
    Stage.DONE: 100,
}

# At most this many problems are stored per run (the counts are always complete).
MAX_STORED_PROBLEMS = 5000
