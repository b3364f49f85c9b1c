"""Indicators: MS-Ind metadata, the columns of a published table that feed them, curation."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from satudata.accounts.constants import Role
from satudata.accounts.models import Organization
from satudata.accounts.permissions import roles_of
from satudata.catalog.constants import Access
from satudata.catalog.models import Resource, slug_validator


class Aggregation(models.TextChoices):
    """How kab/kota values add up to the province, and breakdown values to a total."""

    SUM = "sum", _("Jumlah (untuk banyaknya, misalnya penduduk)")
    MEAN = "mean", _("Rata-rata sederhana (perkiraan kasar)")
    NONE = "none", _("Tidak dijumlahkan (nilai provinsi harus ada di data)")


class RegionCodes(models.TextChoices):
    KEMENDAGRI = "kemendagri", _("Kode Kemendagri (53.01)")
    BPS = "bps", _("Kode BPS (5303)")


def indicator_visibility_q(user):
    """The access policy of indicators as a filter (same shape as catalog.visibility_q).

    Publik: published Terbuka. Any role: also published Terbatas. Own OPD: everything of
    the OPD. Walidata and Admin: everything. The source datasets are checked on top of this
    by the rule `indicator.view` (an indicator never shows more than its sources).
    """
    roles = roles_of(user)
    if Role.STEWARD in roles or Role.ADMIN in roles:
        return models.Q()
    published = models.Q(is_published=True)
    if not roles:
        return published & models.Q(access=Access.OPEN)
    q = published & models.Q(access__in=[Access.OPEN, Access.RESTRICTED])
    own = user.organization_ids()
    if own:
        q |= models.Q(organization_id__in=own)
    return q


class IndicatorQuerySet(models.QuerySet):
    def visible_to(self, user):
        from satudata.accounts.permissions import can

        candidates = self.filter(indicator_visibility_q(user)).select_related(
            "organization", "resource__dataset"
        )
        return [i for i in candidates if can(user, "indicator.view", i)]


class Indicator(models.Model):
    """A statistical indicator (MS-Ind) by region and period, from a published table."""

    slug = models.CharField(_("slug"), max_length=100, unique=True, validators=[slug_validator])
    name = models.CharField(_("nama indikator"), max_length=255)
    organization = models.ForeignKey(
        Organization, verbose_name=_("OPD produsen"), on_delete=models.PROTECT, related_name="+"
    )
    access = models.CharField(
        _("klasifikasi akses"), max_length=20, choices=Access.choices, default=Access.OPEN
    )
    is_published = models.BooleanField(_("terbit"), default=False)
    is_demo = models.BooleanField(_("data contoh"), default=False)

    # MS-Ind (Perban BPS 5/2020)
    concept = models.TextField(_("konsep"), blank=True)
    definition = models.TextField(_("definisi"), blank=True)
    interpretation = models.TextField(_("interpretasi"), blank=True)
    method = models.TextField(_("metode/rumus perhitungan"), blank=True)
    measure = models.CharField(_("ukuran"), max_length=100, blank=True)
    unit = models.CharField(_("satuan"), max_length=100, blank=True)
    presentation = models.CharField(_("klasifikasi penyajian"), max_length=255, blank=True)
    estimation_level = models.CharField(_("level estimasi"), max_length=100, blank=True)
    decimals = models.PositiveSmallIntegerField(_("angka desimal"), default=2)

    # Where the numbers come from: the newest published version of a table resource…
    resource = models.ForeignKey(
        Resource,
        verbose_name=_("tabel sumber"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="indicators",
    )
    region_column = models.CharField(_("kolom kode wilayah"), max_length=100, blank=True)
    region_codes = models.CharField(
        _("sistem kode wilayah"),
        max_length=20,
        choices=RegionCodes.choices,
        default=RegionCodes.KEMENDAGRI,
    )
    period_column = models.CharField(_("kolom periode"), max_length=100, blank=True)
    value_column = models.CharField(_("kolom nilai"), max_length=100, blank=True)
    breakdown_columns = models.JSONField(_("kolom rincian"), default=list, blank=True)
    aggregation = models.CharField(
        _("penjumlahan ke provinsi"),
        max_length=10,
        choices=Aggregation.choices,
        default=Aggregation.NONE,
    )
    # … or a formula over other indicators (a composite indicator).
    formula = models.CharField(
        _("rumus komposit"),
        max_length=500,
        blank=True,
        help_text=_(
            "Hanya untuk indikator komposit: + - * / dan kurung atas slug indikator pembangun "
            "(tanda '-' pada slug ditulis '_'), misalnya: jumlah_guru / jumlah_sekolah"
        ),
    )
    components = models.ManyToManyField(
        "self", verbose_name=_("indikator pembangun"), symmetrical=False, blank=True
    )

    # Indikator Utama (curated by the Walidata)
    is_key = models.BooleanField(_("Indikator Utama"), default=False)
    position = models.PositiveSmallIntegerField(_("urutan"), default=100)

    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    modified_at = models.DateTimeField(_("diubah"), auto_now=True)

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("indikator")
        verbose_name_plural = _("indikator")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("stats:indicator", args=[self.slug])

    @property
    def is_composite(self):
        return bool(self.formula.strip())

    @property
    def formula_name(self):
        """The name under which composites refer to this indicator."""
        return self.slug.replace("-", "_")

    def clean(self):
        if self.is_composite:
            if self.resource_id:
                raise ValidationError(
                    _("Indikator komposit dihitung dari rumus; jangan pilih tabel sumber.")
                )
            return
        missing = [
            label
            for label, value in (
                (_("tabel sumber"), self.resource_id),
                (_("kolom kode wilayah"), self.region_column),
                (_("kolom periode"), self.period_column),
                (_("kolom nilai"), self.value_column),
            )
            if not value
        ]
        if missing:
            raise ValidationError(
                _("Lengkapi: %(fields)s.") % {"fields": ", ".join(str(m) for m in missing)}
            )
        if not isinstance(self.breakdown_columns, list) or not all(
            isinstance(c, str) for c in self.breakdown_columns
        ):
            raise ValidationError(_("Kolom rincian harus berupa daftar nama kolom."))
        # An indicator never shows more than its source: Terbuka only on a Terbuka dataset.
        order = [Access.OPEN, Access.RESTRICTED, Access.CLOSED]
        source = self.resource.dataset.access
        if order.index(self.access) < order.index(source):
            raise ValidationError(
                _("Klasifikasi indikator tidak boleh lebih terbuka daripada datasetnya (%(a)s).")
                % {"a": Access(source).label}
            )


class Boundary(models.Model):
    """The outline of a kab/kota for the choropleth map (loaded by `satudata load-boundaries`)."""

    region_code = models.CharField(_("kode Kemendagri"), max_length=13, primary_key=True)
    name = models.CharField(_("nama"), max_length=200, blank=True)
    # GeoJSON geometry (Polygon or MultiPolygon) in WGS 84 longitude/latitude.
    geometry = models.JSONField()
    source = models.CharField(_("sumber"), max_length=255, blank=True)
    loaded_at = models.DateTimeField(_("dimuat"), auto_now=True)

    class Meta:
        ordering = ["region_code"]
        verbose_name = _("batas wilayah")
        verbose_name_plural = _("batas wilayah")

    def __str__(self):
        return self.name or self.region_code
