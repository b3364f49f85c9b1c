from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .manifest import normalise_hash


class VerifyForm(forms.Form):
    """A file (hashed as it streams in, never kept) or a pasted SHA-256."""

    berkas = forms.FileField(label=gettext_lazy("Berkas"), required=False)
    sha256 = forms.CharField(
        label=gettext_lazy("atau tempelkan SHA-256 berkas"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("64 karakter heksadesimal (0–9, a–f)."),
    )

    def clean_sha256(self):
        text = self.cleaned_data.get("sha256", "")
        if not text.strip():
            return ""
        value = normalise_hash(text)
        if value is None:
            raise forms.ValidationError(
                _("Ini bukan SHA-256: tempelkan 64 karakter heksadesimal (0–9, a–f).")
            )
        return value

    def clean(self):
        data = super().clean()
        upload = data.get("berkas")
        if upload is not None:
            data["hash"] = upload.sha256
        elif data.get("sha256"):
            data["hash"] = data["sha256"]
        elif not self.errors:
            raise forms.ValidationError(
                _("Pilih berkas yang akan diperiksa, atau tempelkan SHA-256-nya.")
            )
        return data
