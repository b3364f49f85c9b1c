from django import forms
from django.utils.translation import gettext_lazy as _

from satudata.catalog.constants import MS_VAR_FIELDS

ACCEPT = ".csv,.tsv,.txt,.xlsx,.xls,.ods,.json"
FIELD_TYPES = [
    ("string", _("Teks")),
    ("integer", _("Bilangan bulat")),
    ("number", _("Bilangan desimal")),
    ("year", _("Tahun")),
    ("date", _("Tanggal")),
    ("boolean", _("Ya/tidak")),
]


class UploadForm(forms.Form):
    resource = forms.ChoiceField(label=_("Tabel"), required=True)
    new_name = forms.CharField(label=_("Nama tabel baru"), max_length=255, required=False)
    file = forms.FileField(
        label=_("Berkas"),
        help_text=_("CSV, XLSX, XLS, ODS atau JSON. Satu baris judul kolom, data di bawahnya."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    def __init__(self, *args, resources=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resource"].choices = [(str(r.pk), r.name) for r in resources] + [
            ("new", _("Tabel baru…"))
        ]

    def clean(self):
        data = super().clean()
        if data.get("resource") == "new" and not (data.get("new_name") or "").strip():
            self.add_error("new_name", _("Beri nama untuk tabel baru."))
        return data


class ColumnForm(forms.Form):
    """One column of a Table Schema with its MS-Var metadata."""

    name = forms.CharField(widget=forms.HiddenInput, max_length=1000)
    title = forms.CharField(label=_("Judul"), max_length=255, required=False)
    type = forms.ChoiceField(label=_("Tipe"), choices=FIELD_TYPES)
    required = forms.BooleanField(label=_("Wajib diisi"), required=False)
    definition = forms.CharField(label=MS_VAR_FIELDS["definition"], required=False, widget=forms.Textarea(attrs={"rows": 2}))
    unit = forms.CharField(label=MS_VAR_FIELDS["unit"], max_length=100, required=False)
    measure = forms.CharField(label=MS_VAR_FIELDS["measure"], max_length=100, required=False)
    classification = forms.CharField(label=MS_VAR_FIELDS["classification"], max_length=500, required=False)


ColumnFormSet = forms.formset_factory(ColumnForm, extra=0, max_num=1000)
