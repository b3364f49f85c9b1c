from django.db import models
from django.utils.translation import gettext_lazy as _

from .constants import Level


class RegionQuerySet(models.QuerySet):
    def regencies_of(self, province_code):
        return self.filter(parent_id=province_code, level=Level.REGENCY).order_by("code")


class Region(models.Model):
    """One administrative region with its dotted Kemendagri code (`53.71.01.1001`)."""

    code = models.CharField(_("kode Kemendagri"), max_length=13, primary_key=True)
    name = models.CharField(_("nama"), max_length=200)
    level = models.PositiveSmallIntegerField(_("tingkat"), choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        db_constraint=False,
    )
    bps_code = models.CharField(_("kode BPS"), max_length=10, blank=True, db_index=True)

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("wilayah")
        verbose_name_plural = _("wilayah")

    def __str__(self):
        return self.name

    @property
    def code_digits(self):
        return self.code.replace(".", "")
