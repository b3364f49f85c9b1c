from django import forms
from django.contrib import admin

from satudata.accounts.admin import PolicyAdmin, admin_site

from .cube import CubeError, parse_formula
from .models import Boundary, Indicator


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = [
            "slug", "name", "organization", "access", "is_published", "is_demo",
            "concept", "definition", "interpretation", "method", "measure", "unit",
            "presentation", "estimation_level", "decimals",
            "resource", "region_column", "region_codes", "period_column", "value_column",
            "breakdown_columns", "aggregation", "formula", "components", "is_key", "position",
        ]  # fmt: skip

    def clean(self):
        data = super().clean()
        formula = (data.get("formula") or "").strip()
        if formula:
            try:
                _tree, names = parse_formula(formula)
            except CubeError as error:
                raise forms.ValidationError(error.problems) from None
            known = {c.formula_name for c in data.get("components") or []}
            unknown = sorted(set(names) - known)
            if unknown:
                raise forms.ValidationError(
                    "Nama di rumus bukan indikator pembangun yang dipilih: " + ", ".join(unknown)
                )
        return data


@admin.register(Indicator, site=admin_site)
class IndicatorAdmin(PolicyAdmin):
    form = IndicatorForm
    list_display = ["name", "organization", "access", "is_published", "is_key", "position"]
    list_filter = ["access", "is_published", "is_key", "organization"]
    search_fields = ["name", "slug"]
    raw_id_fields = ["resource"]
    filter_horizontal = ["components"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Boundary, site=admin_site)
class BoundaryAdmin(PolicyAdmin):
    list_display = ["region_code", "name", "source", "loaded_at"]
    readonly_fields = ["geometry"]
