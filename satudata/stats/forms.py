"""The staff form that creates and edits indicators (Walidata, Admin), without JavaScript.

One form, submitted again to move on: "Pilih tabel" fills the column lists from the chosen
table's newest published version, "Pratinjau" builds and checks the cube, "Simpan" builds
it again and saves only when it is valid.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from satudata.catalog.constants import ResourceKind, State
from satudata.catalog.models import Resource, ResourceVersion

from . import cube as cubes
from .cube import CubeError
from .indicators import MAX_COMPONENT_DEPTH, cube_for
from .models import Indicator

SOURCE_TABLE = "table"
SOURCE_FORMULA = "formula"
GENERAL_FIELDS = ("name", "slug", "organization", "access", "decimals")
MSIND_FIELDS = (
    "concept",
    "definition",
    "interpretation",
    "method",
    "measure",
    "unit",
    "presentation",
    "estimation_level",
)
TABLE_FIELDS = (
    "resource",
    "region_column",
    "region_codes",
    "period_column",
    "value_column",
    "breakdown_columns",
    "aggregation",
)
FORMULA_FIELDS = ("components", "formula")


def table_resources():
    """Table resources of published datasets with a published, validated (Parquet) version."""
    versions = ResourceVersion.objects.filter(published_at__isnull=False).exclude(parquet_key="")
    return (
        Resource.objects.filter(
            kind=ResourceKind.TABLE,
            dataset__state=State.PUBLISHED,
            pk__in=versions.values("resource_id"),
        )
        .select_related("dataset__organization")
        .order_by("dataset__title", "position", "id")
    )


def newest_version(resource):
    if resource is None:
        return None
    return (
        ResourceVersion.objects.filter(resource=resource, published_at__isnull=False)
        .exclude(parquet_key="")
        .order_by("-number")
        .first()
    )


def _column_choices(version, numbers_only=False):
    choices = []
    for field in (version.schema or {}).get("fields", []) if version else []:
        if not isinstance(field, dict) or not field.get("name"):
            continue
        kind = field.get("type", "string")
        if numbers_only and kind not in ("number", "integer"):
            continue
        name = str(field["name"])
        title = field.get("title") or ""
        label = f"{name} ({title}, {kind})" if title and title != name else f"{name} ({kind})"
        choices.append((name, label))
    return choices


class ResourceChoice(forms.ModelChoiceField):
    def label_from_instance(self, resource):
        return f"{resource.dataset.title} — {resource.name} ({resource.dataset.organization.name})"


class IndicatorForm(forms.ModelForm):
    source_kind = forms.ChoiceField(
        label=gettext_lazy("Sumber angka"),
        choices=[
            (SOURCE_TABLE, gettext_lazy("Tabel dataset terbit (kolom wilayah, periode, nilai)")),
            (SOURCE_FORMULA, gettext_lazy("Indikator komposit (rumus atas indikator lain)")),
        ],
        widget=forms.RadioSelect,
        initial=SOURCE_TABLE,
    )
    resource = ResourceChoice(
        label=gettext_lazy("Tabel sumber"),
        queryset=Resource.objects.none(),
        required=False,
        help_text=gettext_lazy(
            "Versi terbit terbaru tabel ini dibaca. Setelah memilih, tekan “Pilih tabel” agar "
            "daftar kolom terisi."
        ),
    )
    region_column = forms.ChoiceField(label=gettext_lazy("Kolom kode wilayah"), required=False)
    period_column = forms.ChoiceField(label=gettext_lazy("Kolom periode"), required=False)
    value_column = forms.ChoiceField(
        label=gettext_lazy("Kolom nilai"),
        required=False,
        help_text=gettext_lazy("Hanya kolom angka."),
    )
    breakdown_columns = forms.MultipleChoiceField(
        label=gettext_lazy("Kolom rincian"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Misalnya jenis kelamin, kelompok umur, perkotaan/perdesaan. Baris “Total” atau "
            "“Jumlah” dipakai sebagai nilai tanpa rincian."
        ),
    )
    components = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Indikator pembangun"),
        queryset=Indicator.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Indicator
        fields = [*GENERAL_FIELDS, *MSIND_FIELDS, *TABLE_FIELDS, *FORMULA_FIELDS]
        widgets = {
            "concept": forms.Textarea(attrs={"rows": 3}),
            "definition": forms.Textarea(attrs={"rows": 3}),
            "interpretation": forms.Textarea(attrs={"rows": 3}),
            "method": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resource"].queryset = table_resources()
        others = Indicator.objects.order_by("name")
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
            if not self.is_bound:
                self.initial["source_kind"] = (
                    SOURCE_FORMULA if self.instance.is_composite else SOURCE_TABLE
                )
        self.fields["components"].queryset = others
        self.fields["components"].label_from_instance = lambda i: f"{i.name} — {i.formula_name}"
        self.fields["slug"].help_text = _(
            "Alamat halaman: huruf kecil, angka dan tanda hubung, misalnya prevalensi-stunting."
        )
        self.version = newest_version(self._chosen_resource())
        columns = _column_choices(self.version)
        empty = [("", _("— pilih kolom —"))]
        self.fields["region_column"].choices = empty + columns
        self.fields["period_column"].choices = empty + columns
        self.fields["value_column"].choices = empty + _column_choices(self.version, True)
        self.fields["breakdown_columns"].choices = columns
        if self.is_bound and self.data.get("source_kind") == SOURCE_FORMULA:
            # a composite ignores the table's columns (left over from a table chosen before)
            for name in ("region_column", "period_column", "value_column"):
                self.fields[name] = forms.CharField(required=False, widget=forms.HiddenInput)
            self.fields["breakdown_columns"] = forms.Field(
                required=False, widget=forms.MultipleHiddenInput
            )

    def _chosen_resource(self):
        raw = self.data.get("resource") if self.is_bound else self.initial.get("resource")
        if raw in (None, "") and not self.is_bound and self.instance.resource_id:
            return self.instance.resource
        try:
            return self.fields["resource"].queryset.filter(pk=int(raw)).first()
        except (TypeError, ValueError):
            return None

    def general_fields(self):
        return [self[n] for n in GENERAL_FIELDS]

    def msind_fields(self):
        return [self[n] for n in MSIND_FIELDS]

    def table_fields(self):
        return [self[n] for n in TABLE_FIELDS]

    def formula_fields(self):
        return [self[n] for n in FORMULA_FIELDS]

    def clean(self):
        data = super().clean()
        kind = data.get("source_kind")
        if kind == SOURCE_FORMULA:
            # a composite has no table; its numbers come from the formula only
            data["resource"] = None
            for name in ("region_column", "period_column", "value_column"):
                data[name] = ""
            data["breakdown_columns"] = []
            self._clean_formula(data)
        else:
            data["formula"] = ""
            data["components"] = Indicator.objects.none()
            if data.get("resource") and self.version is None:
                self.add_error("resource", _("Tabel ini belum memiliki versi terbit tervalidasi."))
        return data

    def _clean_formula(self, data):
        formula = (data.get("formula") or "").strip()
        components = list(data.get("components") or [])
        if not formula:
            self.add_error("formula", _("Tuliskan rumus indikator komposit."))
            return
        try:
            _tree, names = cubes.parse_formula(formula)
        except CubeError as error:
            self.add_error("formula", error.problems[0])
            return
        chosen = {c.formula_name for c in components}
        missing = [n for n in names if n not in chosen]
        if missing:
            self.add_error(
                "formula",
                _("Nama di rumus yang tidak ada di indikator pembangun yang dicentang: %(n)s.")
                % {"n": ", ".join(missing)},
            )
        if self.instance.pk and _uses(components, self.instance.pk):
            self.add_error(
                "components", _("Indikator pembangun tidak boleh memakai indikator ini sendiri.")
            )


def _uses(components, pk, depth=0):
    """Whether any component (or its components) is the indicator `pk` (a loop)."""
    if depth > MAX_COMPONENT_DEPTH:
        return True
    for component in components:
        if component.pk == pk:
            return True
        if component.is_composite and _uses(list(component.components.all()), pk, depth + 1):
            return True
    return False


def preview(indicator, version, components):
    """The checked cube of an unsaved indicator: (cube, []) or (None, problems)."""
    try:
        if indicator.is_composite:
            found = {c.formula_name: cube_for(c) for c in components}
            return cubes.composite(indicator, found), []
        if version is None:
            return None, [_("Tabel sumber belum memiliki versi terbit dengan data tervalidasi.")]
        return cubes.build(indicator, version), []
    except CubeError as error:
        return None, error.problems


def snapshot(indicator, components=None):
    """The indicator's settings as JSON for the audit trail."""
    data = {
        name: getattr(indicator, name)
        for name in (*GENERAL_FIELDS, *MSIND_FIELDS, "region_column", "region_codes")
    }
    data["organization"] = indicator.organization_id
    data.update(
        {
            "resource": indicator.resource_id,
            "period_column": indicator.period_column,
            "value_column": indicator.value_column,
            "breakdown_columns": list(indicator.breakdown_columns or []),
            "aggregation": indicator.aggregation,
            "formula": indicator.formula,
            "components": sorted(c.slug for c in (components if components is not None else [])),
        }
    )
    return data
