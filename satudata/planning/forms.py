from django import forms
from django.utils.translation import gettext_lazy as _

from satudata.accounts.models import Organization
from satudata.catalog.models import Dataset

from .constants import MAX_YEAR, MIN_YEAR
from .models import PlannedData

UPLOAD_MAX_BYTES = 5 * 1024 * 1024


class PlanForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Perangkat daerah"),
        queryset=Organization.objects.all(),
        error_messages={"required": _("Pilih perangkat daerah.")},
    )
    year = forms.IntegerField(
        label=_("Tahun"),
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
        error_messages={"required": _("Tahun wajib diisi.")},
    )


class ItemForm(forms.ModelForm):
    """A planned item; the dataset list holds only the datasets of the plan's OPD."""

    class Meta:
        model = PlannedData
        fields = ["title", "dataset", "access", "is_priority", "schedule", "lag_days", "notes"]
        widgets = {
            "access": forms.RadioSelect,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {"title": {"required": _("Judul data wajib diisi.")}}

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.fields["dataset"].queryset = Dataset.objects.filter(
            organization_id=plan.organization_id
        ).order_by("title")
        self.fields["dataset"].required = False
        self.fields["dataset"].help_text = _(
            "Dataset katalog milik perangkat daerah ini yang akan memuat data tersebut; "
            "kepatuhan dihitung dari versi dataset ini."
        )
        self.fields["lag_days"].max_value = 366
        self.fields["lag_days"].widget.attrs["max"] = 366
        if self.instance.pk:
            self.fields["schedule"].help_text = _(
                "Mengubah jadwal atau jeda menghitung ulang semua tanggal jatuh tempo."
            )

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        others = PlannedData.objects.filter(plan=self.plan, title__iexact=title)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("Judul ini sudah ada di Daftar Data yang sama."))
        return title

    def clean_lag_days(self):
        lag = self.cleaned_data["lag_days"]
        if lag is not None and lag > 366:
            raise forms.ValidationError(_("Jeda paling lama 366 hari."))
        return lag

    def changes(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class DueDatesForm(forms.Form):
    """One date field per period of an item."""

    def __init__(self, *args, periods, **kwargs):
        super().__init__(*args, **kwargs)
        self.periods = list(periods)
        for period in self.periods:
            self.fields[f"due_{period.key}"] = forms.DateField(
                label=period.label,
                initial=period.due_date,
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                error_messages={
                    "required": _("Tanggal jatuh tempo wajib diisi."),
                    "invalid": _("Tulis tanggal sebagai TTTT-BB-HH."),
                },
            )

    def clean(self):
        cleaned = super().clean()
        for period in self.periods:
            due = cleaned.get(f"due_{period.key}")
            if due is not None and due < period.start:
                self.add_error(
                    f"due_{period.key}",
                    _("Tanggal jatuh tempo tidak boleh sebelum awal periode (%(start)s).")
                    % {"start": period.start.isoformat()},
                )
        return cleaned

    def due_dates(self):
        return {p.key: self.cleaned_data[f"due_{p.key}"] for p in self.periods}

    def rows(self):
        return [(p, self[f"due_{p.key}"]) for p in self.periods]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Berkas XLSX"),
        error_messages={"required": _("Pilih berkas XLSX Daftar Data.")},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > UPLOAD_MAX_BYTES:
            raise forms.ValidationError(_("Berkas lebih dari 5 MB."))
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("Gunakan berkas .xlsx (templat Daftar Data)."))
        return upload


class CalendarFilter(forms.Form):
    opd = forms.ModelChoiceField(
        label=_("Perangkat daerah"),
        queryset=Organization.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("Semua"),
    )
    bulan = forms.RegexField(
        label=_("Bulan"),
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        required=False,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-07"}),
    )
