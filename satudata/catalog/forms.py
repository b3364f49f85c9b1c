"""The staff form for a dataset's metadata (SDI fields, MS-Keg and MS-Ind blocks)."""

from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from satudata.accounts.constants import Role
from satudata.accounts.models import Organization
from satudata.accounts.permissions import can, roles_of
from satudata.regions.models import Region

from .constants import MS_IND_FIELDS, MS_KEG_FIELDS, Access
from .models import Dataset, Topic, slug_validator

MAX_TAGS = 30
YES_NO = [("", "—"), ("Ya", _("Ya")), ("Tidak", _("Tidak"))]
# Long MS-Keg / MS-Ind answers get a text area; the rest a one-line input.
LONG_FIELDS = {
    "keg": {"background", "objective"},
    "ind": {
        "concept",
        "definition",
        "interpretation",
        "formula",
        "components",
        "component_variables",
    },
}
YES_NO_FIELDS = {"ind": {"is_composite", "is_public", "component_publication"}}
BLOCKS = {"keg": MS_KEG_FIELDS, "ind": MS_IND_FIELDS}


def block_field_names(prefix):
    return [f"{prefix}_{key}" for key in BLOCKS[prefix]]


class DatasetForm(forms.ModelForm):
    """Create (with slug and OPD) or edit (slug and OPD fixed) a dataset's metadata."""

    tags_text = forms.CharField(
        label=_("Tag"),
        required=False,
        max_length=2000,
        help_text=_("Pisahkan dengan koma, misalnya: kemiskinan, susenas."),
    )
    spatial_code = forms.CharField(
        label=_("Cakupan wilayah (kode wilayah)"),
        required=False,
        max_length=20,
        help_text=_(
            "Kode wilayah Kemendagri, misalnya 53 untuk Nusa Tenggara Timur atau 53.71 untuk Kota Kupang."
        ),
    )
    access_reason = forms.CharField(
        label=_("Alasan perubahan klasifikasi"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Wajib diisi bila klasifikasi akses diubah; dicatat di jejak audit."),
    )

    class Meta:
        model = Dataset
        fields = [
            "title",
            "slug",
            "organization",
            "description",
            "topics",
            "license",
            "update_frequency",
            "temporal_start",
            "temporal_end",
            "spatial_level",
            "access",
            "is_priority",
            "contact_name",
            "contact_email",
            "source",
            "unit",
            "measure",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "topics": forms.CheckboxSelectMultiple,
            "access": forms.RadioSelect,
        }
        error_messages = {
            "title": {"required": _("Judul wajib diisi.")},
            "slug": {"unique": _("Slug ini sudah dipakai dataset lain; pilih yang lain.")},
            "organization": {"required": _("Pilih perangkat daerah produsen.")},
            "contact_email": {"invalid": _("Alamat surel tidak sah.")},
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.creating = self.instance.pk is None
        self.access_ignored = False  # a posted klasifikasi the user may not set (see _limit_access)
        roles = roles_of(user)
        is_steward = Role.STEWARD in roles or Role.ADMIN in roles
        if self.creating:
            orgs = Organization.objects.all()
            if not is_steward:
                orgs = orgs.filter(pk__in=user.organization_ids())
            self.fields["organization"].queryset = orgs
            self.fields["organization"].empty_label = None if orgs.count() == 1 else "—"
            self.fields["slug"].required = False
            self.fields["slug"].help_text = _(
                "Bagian alamat dataset (huruf kecil, angka, '-' atau '_'). Kosongkan untuk dibuat dari judul. "
                "Tidak dapat diubah setelah dataset dibuat."
            )
            del self.fields["access_reason"]
        else:
            del self.fields["slug"]
            del self.fields["organization"]
            self._limit_access()
            self.fields["tags_text"].initial = ", ".join(t.name for t in self.instance.tags.all())
            self.fields["spatial_code"].initial = self.instance.spatial_coverage_id or ""
        if self.creating and not self.fields["spatial_code"].initial:
            from django.conf import settings

            self.fields["spatial_code"].initial = settings.HOME_REGION
        # Data Prioritas is designated by the Forum Satu Data, recorded by the Walidata; it
        # decides whether the Pembina Data re-checks a submission, so a Produsen cannot change it.
        if not is_steward:
            self.fields["is_priority"].disabled = True
            self.fields["is_priority"].help_text = _("Ditetapkan oleh Walidata.")
        self.fields["topics"].queryset = Topic.objects.all()
        self.fields["topics"].required = False
        for prefix, labels in BLOCKS.items():
            current = (
                getattr(
                    self.instance, "activity_metadata" if prefix == "keg" else "indicator_metadata"
                )
                or {}
            )
            for key, label in labels.items():
                name = f"{prefix}_{key}"
                if key in YES_NO_FIELDS.get(prefix, ()):
                    field = forms.ChoiceField(label=label, choices=YES_NO, required=False)
                elif key in LONG_FIELDS.get(prefix, ()):
                    field = forms.CharField(
                        label=label,
                        required=False,
                        max_length=5000,
                        widget=forms.Textarea(attrs={"rows": 3}),
                    )
                else:
                    field = forms.CharField(label=label, required=False, max_length=500)
                value = current.get(key, "")
                field.initial = value if isinstance(value, str) else str(value)
                self.fields[name] = field

    def _limit_access(self):
        """Editing: only `dataset.classify` changes the class; a form without it keeps it."""
        field = self.fields["access"]
        field.required = False
        self.access_ignored = False
        if can(self.user, "dataset.classify", self.instance):
            return
        # A disabled field takes the stored value whatever was posted (a forged POST).
        field.disabled = True
        field.help_text = _("Klasifikasi akses hanya dapat diubah oleh Walidata.")
        del self.fields["access_reason"]
        sent = self.data.get("access") if self.is_bound else None
        self.access_ignored = bool(sent) and sent != self.instance.access

    def clean_access(self):
        value = self.cleaned_data.get("access")
        if not value and not self.creating:
            return self.instance.access
        return value

    # --- groups for the template ---
    def general_fields(self):
        names = [
            "title",
            "slug",
            "organization",
            "description",
            "topics",
            "tags_text",
            "license",
            "update_frequency",
        ]
        return [self[n] for n in names if n in self.fields]

    def coverage_fields(self):
        names = [
            "temporal_start",
            "temporal_end",
            "spatial_code",
            "spatial_level",
            "unit",
            "measure",
            "source",
        ]
        return [self[n] for n in names]

    def access_fields(self):
        return [self[n] for n in ["access", "is_priority", "access_reason"] if n in self.fields]

    def contact_fields(self):
        return [self["contact_name"], self["contact_email"]]

    def block_fields(self, prefix):
        return [self[n] for n in block_field_names(prefix)]

    def activity_fields(self):
        return self.block_fields("keg")

    def indicator_fields(self):
        return self.block_fields("ind")

    def _block_open(self, prefix):
        return any(f.errors or f.value() for f in self.block_fields(prefix))

    def activity_open(self):
        return self._block_open("keg")

    def indicator_open(self):
        return self._block_open("ind")

    # --- validation ---
    def clean_title(self):
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise forms.ValidationError(_("Judul wajib diisi."))
        return title

    def clean_slug(self):
        slug = (self.cleaned_data.get("slug") or "").strip().lower()
        if not slug:
            return ""
        slug_validator(slug)
        if Dataset.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("Slug ini sudah dipakai dataset lain; pilih yang lain."))
        return slug

    def clean_organization(self):
        organization = self.cleaned_data.get("organization")
        if organization is not None and not can(self.user, "dataset.create", organization):
            raise forms.ValidationError(
                _("Anda hanya dapat membuat dataset untuk perangkat daerah Anda sendiri.")
            )
        return organization

    def clean_tags_text(self):
        names, seen = [], set()
        for raw in self.cleaned_data.get("tags_text", "").split(","):
            name = " ".join(raw.split())
            if not name or name.lower() in seen:
                continue
            if len(name) > 100:
                raise forms.ValidationError(_("Setiap tag paling banyak 100 karakter."))
            seen.add(name.lower())
            names.append(name)
        if len(names) > MAX_TAGS:
            raise forms.ValidationError(_("Paling banyak %(n)s tag.") % {"n": MAX_TAGS})
        return names

    def clean_spatial_code(self):
        code = self.cleaned_data.get("spatial_code", "").strip()
        if code and not Region.objects.filter(code=code).exists():
            raise forms.ValidationError(
                _("Kode wilayah %(code)s tidak dikenal. Gunakan kode Kemendagri, misalnya 53.71.")
                % {"code": code}
            )
        return code or None

    def _clean_year(self, name):
        year = self.cleaned_data.get(name)
        if year is not None and not 1900 <= year <= 2100:
            self.add_error(name, _("Tahun harus antara 1900 dan 2100."))
            return None
        return year

    def clean(self):
        data = super().clean()
        start, end = self._clean_year("temporal_start"), self._clean_year("temporal_end")
        if start is not None and end is not None and end < start:
            self.add_error("temporal_end", _("Tahun akhir tidak boleh sebelum tahun awal."))
        if end is not None and start is None:
            self.add_error("temporal_start", _("Isi tahun awal bila tahun akhir diisi."))
        if self.creating:
            if not data.get("slug") and data.get("title"):
                data["slug"] = self._slug_from_title(data["title"])
            return data
        old_access, new_access = self.initial.get("access"), data.get("access")
        if new_access and new_access != old_access:
            if new_access == Access.OPEN and not can(self.user, "dataset.make_open", self.instance):
                self.add_error(
                    "access",
                    _(
                        "Hanya Walidata yang dapat mengubah klasifikasi Terbatas atau Tertutup menjadi Terbuka."
                    ),
                )
            if not (data.get("access_reason") or "").strip():
                self.add_error("access_reason", _("Tuliskan alasan perubahan klasifikasi akses."))
        return data

    def _post_clean(self):
        # The slug may have been made from the title in clean(); put it on the instance.
        if self.creating and self.cleaned_data.get("slug"):
            self.instance.slug = self.cleaned_data["slug"]
        super()._post_clean()

    @staticmethod
    def _slug_from_title(title):
        base = slugify(title)[:90].strip("-_") or "dataset"
        if len(base) < 2:
            base = f"dataset-{base}"
        slug, n = base, 2
        while Dataset.objects.filter(slug=slug).exists():
            slug, n = f"{base}-{n}", n + 1
        return slug

    def block_values(self, prefix, current):
        """The MS-Keg or MS-Ind block: the form's non-empty answers, keeping unknown old keys."""
        known = BLOCKS[prefix]
        block = {k: v for k, v in (current or {}).items() if k not in known}
        for key in known:
            value = (self.cleaned_data.get(f"{prefix}_{key}") or "").strip()
            if value:
                block[key] = value
        return block
