from django import forms
from django.utils.translation import gettext_lazy as _

from satudata.catalog.constants import MS_VAR_FIELDS

ACCEPT = ".csv,.tsv,.txt,.xlsx,.xls,.ods,.json"
FIELD_TYPES = [
    ("string", _("Teks")),
    ("integer", _("Bilangan bulat")),
    ("number", _("Bilangan desimal")),
    ("year", _("Tahun")),
    ("yearmonth", _("Tahun-bulan (2024-03)")),
    ("date", _("Tanggal")),
    ("boolean", _("Ya/tidak")),
]
# Date formats the validator reads (schema.DATE_FORMATS), shown by an example date.
DATE_FORMAT_CHOICES = [
    ("", _("Bawaan: 2024-12-31")),
    ("%d/%m/%Y", "31/12/2024"),
    ("%d-%m-%Y", "31-12-2024"),
    ("%d.%m.%Y", "31.12.2024"),
    ("%Y/%m/%d", "2024/12/31"),
    ("%m/%d/%Y", _("12/31/2024 (gaya Amerika)")),
    ("any", _("Bentuk apa saja yang dikenali")),
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
    """One column of a Table Schema: type, format, constraints, key, and its MS-Var metadata.

    Only what a form can check alone is checked here; whether the column as a whole makes sense
    (a valid pattern, bounds of the column's type, minimum not above maximum, enum values of
    the type, region codes kept as text) is for schema.check_schema, through
    actions.schema_with_edits, whose messages the view puts next to the inputs.
    """

    name = forms.CharField(widget=forms.HiddenInput, max_length=1000)
    title = forms.CharField(label=_("Judul"), max_length=255, required=False)
    type = forms.ChoiceField(label=_("Tipe"), choices=FIELD_TYPES)
    format = forms.ChoiceField(
        label=_("Format tanggal"),
        choices=DATE_FORMAT_CHOICES,
        required=False,
        help_text=_("Hanya untuk kolom bertipe tanggal."),
    )
    required = forms.BooleanField(label=_("Wajib diisi"), required=False)
    unique = forms.BooleanField(label=_("Nilainya tidak boleh kembar"), required=False)
    primary_key = forms.BooleanField(
        label=_("Bagian dari kunci utama"),
        required=False,
        help_text=_(
            "Gabungan kolom kunci utama harus unik di setiap baris; kolom kunci selalu wajib diisi."
        ),
    )
    enum = forms.CharField(
        label=_("Nilai yang diperbolehkan"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Satu nilai per baris, atau dipisah koma dalam satu baris. Kosongkan bila bebas."
        ),
    )
    pattern = forms.CharField(
        label=_("Pola (regex)"),
        required=False,
        max_length=1000,
        help_text=_("Untuk kolom teks, misalnya ^53\\.\\d{2}$. Kosongkan bila bebas."),
    )
    minimum = forms.CharField(
        label=_("Nilai paling kecil"),
        required=False,
        max_length=50,
        help_text=_("Untuk kolom angka, tahun atau tanggal (2024-01-31)."),
    )
    maximum = forms.CharField(label=_("Nilai paling besar"), required=False, max_length=50)
    definition = forms.CharField(
        label=MS_VAR_FIELDS["definition"],
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    unit = forms.CharField(label=MS_VAR_FIELDS["unit"], max_length=100, required=False)
    measure = forms.CharField(label=MS_VAR_FIELDS["measure"], max_length=100, required=False)
    classification = forms.CharField(
        label=MS_VAR_FIELDS["classification"], max_length=500, required=False
    )

    TYPE_FIELDS = ("title", "type", "format")
    CONSTRAINT_FIELDS = (
        "required",
        "unique",
        "primary_key",
        "enum",
        "pattern",
        "minimum",
        "maximum",
    )
    METADATA_FIELDS = ("definition", "unit", "measure", "classification")

    def groups(self):
        """The visible fields in the three groups the template shows."""
        return [
            (_("Tipe"), [self[n] for n in self.TYPE_FIELDS]),
            (_("Batasan"), [self[n] for n in self.CONSTRAINT_FIELDS]),
            (_("Metadata variabel (MS-Var)"), [self[n] for n in self.METADATA_FIELDS]),
        ]


ColumnFormSet = forms.formset_factory(ColumnForm, extra=0, max_num=1000, absolute_max=1000)


class TableSchemaForm(forms.Form):
    """What holds for the whole table: the markers that mean "no value"."""

    missing_values = forms.CharField(
        label=_("Penanda nilai kosong"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            'Isi sel yang berarti "tidak ada data", satu per baris atau dipisah koma, misalnya - atau NA. '
            "Sel yang benar-benar kosong selalu dianggap kosong."
        ),
    )
