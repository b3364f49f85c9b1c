from django import forms
from django.utils.translation import gettext_lazy as _

from .constants import CommentTarget
from .transitions import MAX_COMMENT, MIN_REASON


class CommentForm(forms.Form):
    """A remark on the dataset, one column or one row; also the comment of a return."""

    text = forms.CharField(
        label=_("Komentar"), max_length=MAX_COMMENT, widget=forms.Textarea(attrs={"rows": 4})
    )
    target = forms.ChoiceField(label=_("Tentang"), choices=CommentTarget.choices, required=False)
    column = forms.ChoiceField(label=_("Kolom"), required=False)
    row = forms.IntegerField(
        label=_("Nomor baris (seperti di lembar kerja, judul = baris 1)"),
        required=False,
        min_value=1,
    )

    def __init__(self, *args, columns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["column"].choices = [("", "—")] + [(c, c) for c in columns]

    def clean(self):
        data = super().clean()
        if data.get("target") == CommentTarget.COLUMN and not data.get("column"):
            self.add_error("column", _("Pilih kolom yang dimaksud."))
        if data.get("target") == CommentTarget.ROW and not data.get("row"):
            self.add_error("row", _("Tuliskan nomor baris yang dimaksud."))
        return data

    def comment(self):
        data = self.cleaned_data
        return {
            "text": data["text"],
            "target": data.get("target") or CommentTarget.DATASET,
            "column": data.get("column") or "",
            "row": data.get("row"),
        }


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Alasan penarikan (ditampilkan kepada publik)"),
        min_length=MIN_REASON,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
