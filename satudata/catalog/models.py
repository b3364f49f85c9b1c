import csv
import io
import itertools

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from satudata.accounts.constants import Role
from satudata.accounts.models import Organization
from satudata.accounts.permissions import roles_of
from satudata.lib import filestore
from satudata.regions.constants import Level
from satudata.regions.models import Region

from .constants import Access, License, ResourceKind, State, UpdateFrequency

# CKAN's name rule: 2-100 characters of lowercase letters, digits, '-' and '_'.
slug_validator = RegexValidator(
    r"^[a-z0-9_-]{2,100}$", _("Gunakan 2–100 huruf kecil, angka, '-' atau '_'.")
)


class Topic(models.Model):
    """A subject area (urusan): kesehatan, pendidikan, kemiskinan …"""

    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    name = models.CharField(_("nama"), max_length=200)
    description = models.TextField(_("deskripsi"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("topik")
        verbose_name_plural = _("topik")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("portal:topic", args=[self.slug])


class Tag(models.Model):
    name = models.CharField(_("nama"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tag")

    def __str__(self):
        return self.name


def visibility_q(user, prefix=""):
    """The access policy for datasets as a filter; `can(user, "dataset.view", ds)` uses it too.

    Publik: published Terbuka. Pembina Data and Pimpinan (who oversee every OPD): also
    published Terbatas. Own OPD (Produsen, Walidata Pendukung): everything of the OPD,
    drafts and Tertutup included, and of other OPDs only what the public sees. Walidata
    and Admin: everything.
    """
    p = prefix
    roles = roles_of(user)
    published = models.Q(**{f"{p}state": State.PUBLISHED})
    if Role.STEWARD in roles or Role.ADMIN in roles:
        return models.Q()
    q = published & models.Q(**{f"{p}access": Access.OPEN})
    if Role.SUPERVISOR in roles or Role.LEADER in roles:
        q |= published & models.Q(**{f"{p}access": Access.RESTRICTED})
    if not roles:
        return q
    own = user.organization_ids()
    if own:
        q |= models.Q(**{f"{p}organization_id__in": own})
    return q


class DatasetQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(visibility_q(user))

    def published(self):
        return self.filter(state=State.PUBLISHED)


class Dataset(models.Model):
    """One statistical table or collection with its SDI metadata and room for BPS metadata."""

    slug = models.CharField(_("slug"), max_length=100, unique=True, validators=[slug_validator])
    title = models.CharField(_("judul"), max_length=255)
    description = models.TextField(_("deskripsi"), blank=True)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("OPD produsen"),
        on_delete=models.PROTECT,
        related_name="datasets",
    )
    topics = models.ManyToManyField(
        Topic, verbose_name=_("topik"), related_name="datasets", blank=True
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tag"), related_name="datasets", blank=True)
    license = models.CharField(
        _("lisensi"), max_length=20, choices=License.choices, default=License.CC_BY_4
    )
    update_frequency = models.CharField(
        _("frekuensi pemutakhiran"),
        max_length=20,
        choices=UpdateFrequency.choices,
        default=UpdateFrequency.YEARLY,
    )
    temporal_start = models.PositiveSmallIntegerField(
        _("cakupan waktu dari tahun"), null=True, blank=True
    )
    temporal_end = models.PositiveSmallIntegerField(
        _("cakupan waktu sampai tahun"), null=True, blank=True
    )
    spatial_coverage = models.ForeignKey(
        Region,
        verbose_name=_("cakupan wilayah"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    spatial_level = models.PositiveSmallIntegerField(
        _("tingkat penyajian wilayah"), choices=Level.choices, null=True, blank=True
    )
    access = models.CharField(
        _("klasifikasi akses"), max_length=20, choices=Access.choices, default=Access.OPEN
    )
    is_priority = models.BooleanField(_("Data Prioritas"), default=False)
    contact_name = models.CharField(_("nama kontak"), max_length=200, blank=True)
    contact_email = models.EmailField(_("surel kontak"), blank=True)
    source = models.CharField(_("sumber data"), max_length=255, blank=True)
    unit = models.CharField(_("satuan"), max_length=100, blank=True)
    measure = models.CharField(_("ukuran"), max_length=100, blank=True)
    activity_metadata = models.JSONField(_("metadata kegiatan (MS-Keg)"), default=dict, blank=True)
    indicator_metadata = models.JSONField(
        _("metadata indikator (MS-Ind)"), default=dict, blank=True
    )
    state = models.CharField(
        _("status"), max_length=20, choices=State.choices, default=State.DRAFT, db_index=True
    )
    is_demo = models.BooleanField(_("data contoh"), default=False)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    modified_at = models.DateTimeField(_("diubah"), auto_now=True)
    published_at = models.DateTimeField(_("diterbitkan"), null=True, blank=True)
    # Stems of title, description, tags and column names; kept by actions.refresh_search_document
    # and indexed by SQLite FTS5 or a PostgreSQL GIN index (see search.py and the migrations).
    search_document = models.TextField(blank=True, editable=False)

    objects = DatasetQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name = _("dataset")
        verbose_name_plural = _("dataset")
        indexes = [
            # The public listing's filter and its newest-first order in one index: the first
            # page of 10,000 datasets takes 0.05 ms instead of 13 ms (a sort of every row).
            models.Index(fields=["state", "access", "modified_at"], name="catalog_dataset_listed"),
            # An index, not db_index=True: altering a field makes SQLite rebuild the table,
            # which drops the full-text search triggers on it.
            models.Index(fields=["modified_at"], name="catalog_dataset_modified"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("portal:dataset", args=[self.slug])

    @property
    def years(self):
        if self.temporal_start is None:
            return []
        return list(range(self.temporal_start, (self.temporal_end or self.temporal_start) + 1))


class Resource(models.Model):
    """One table or document of a dataset; its content lives in immutable versions."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="resources")
    name = models.CharField(_("nama"), max_length=255)
    description = models.TextField(_("deskripsi"), blank=True)
    kind = models.CharField(
        _("jenis"), max_length=20, choices=ResourceKind.choices, default=ResourceKind.TABLE
    )
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    # The column contract (Frictionless Table Schema with MS-Var keys per field): inferred from
    # the first upload, edited by the Produsen, applied to every later upload.
    schema = models.JSONField(_("skema kolom"), default=dict, blank=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("sumber daya")
        verbose_name_plural = _("sumber daya")

    def __str__(self):
        return self.name

    @property
    def latest_version(self):
        """The newest version; uses prefetched versions when the caller prefetched them."""
        versions = list(self.versions.all())
        return max(versions, key=lambda v: v.number) if versions else None


class ResourceVersion(models.Model):
    """An immutable state of a resource: the stored file, its hash and its Table Schema."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("versi"))
    file_key = models.CharField(max_length=64, editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    size = models.BigIntegerField(_("ukuran berkas"), editable=False)
    original_name = models.CharField(_("nama berkas"), max_length=255)
    format = models.CharField(_("format"), max_length=20)
    media_type = models.CharField(max_length=100)
    row_count = models.PositiveIntegerField(_("jumlah baris"), null=True, blank=True)
    # Frictionless Table Schema; each field may carry MS-Var keys (constants.MS_VAR_FIELDS).
    schema = models.JSONField(default=dict, blank=True)
    # The validated table as Parquet, and the downloads made from it: {"csv": {"key", "size"}, …}.
    parquet_key = models.CharField(max_length=64, blank=True, editable=False)
    downloads = models.JSONField(default=dict, blank=True, editable=False)
    # Columns the personal-data guard flagged: [{"column", "code", "message"}]; a Terbuka
    # dataset cannot publish such a version without a recorded Walidata override.
    pii_findings = models.JSONField(default=list, blank=True, editable=False)
    published_at = models.DateTimeField(_("diterbitkan"), null=True, blank=True)
    # The dataset's metadata (catalog.editing.snapshot) when the version was created, replaced
    # once, together with published_at, by the metadata at publication; diff.py compares them.
    metadata = models.JSONField(_("metadata saat terbit"), default=dict, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("versi")
        verbose_name_plural = _("versi")
        constraints = [
            models.UniqueConstraint(fields=["resource", "number"], name="unique_version_number")
        ]

    def __str__(self):
        return f"{self.resource} v{self.number}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("a resource version is immutable; add a new version instead")
        super().save(*args, **kwargs)

    @property
    def is_published(self):
        return self.published_at is not None

    @property
    def is_tabular_preview(self):
        return bool(self.parquet_key) or self.format == "CSV"

    def preview(self, limit):
        """(header, first `limit` rows) as text: from the validated Parquet, else the CSV."""
        if self.parquet_key:
            import pyarrow.parquet as pq

            with filestore.open_file(self.parquet_key) as raw:
                reader = pq.ParquetFile(raw)
                header = reader.schema_arrow.names
                rows = []
                for batch in reader.iter_batches(batch_size=limit):
                    for row in batch.to_pylist():
                        rows.append(["" if row[c] is None else str(row[c]) for c in header])
                    break
            return header, rows[:limit]
        if self.format != "CSV":
            return None
        with filestore.open_file(self.file_key) as raw:
            reader = csv.reader(
                io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
            )
            header = next(reader, [])
            return header, list(itertools.islice(reader, limit))

    @property
    def column_names(self):
        return [f.get("name", "") for f in self.schema.get("fields", [])]
