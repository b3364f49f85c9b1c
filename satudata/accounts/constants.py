from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PRODUCER = "producer", _("Produsen Data")
    SUPPORT_STEWARD = "support_steward", _("Walidata Pendukung")
    STEWARD = "steward", _("Walidata")
    SUPERVISOR = "supervisor", _("Pembina Data")
    LEADER = "leader", _("Pimpinan")
    ADMIN = "admin", _("Admin")


# Roles that act inside one OPD; the others act across the whole portal.
OPD_ROLES = {Role.PRODUCER, Role.SUPPORT_STEWARD}


class OrganizationKind(models.TextChoices):
    SECRETARIAT = "sekretariat", _("Sekretariat")
    INSPECTORATE = "inspektorat", _("Inspektorat")
    BUREAU = "biro", _("Biro")
    AGENCY = "dinas", _("Dinas")
    BOARD = "badan", _("Badan")
    UNIT = "satuan", _("Satuan")
    HOSPITAL = "rsud", _("RSUD")
    OTHER = "lainnya", _("Lainnya")
