"""Sign-in forms: password step with lockout, code step, two-factor set-up."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import throttle


def locked_error():
    # The same words for every name, existing or not: nothing is revealed.
    return ValidationError(
        _(
            "Terlalu banyak percobaan masuk yang gagal. Demi keamanan, masuk dengan nama"
            " pengguna ini atau dari alamat ini dikunci sementara. Coba lagi nanti, atau"
            " hubungi Admin."
        ),
        code="locked",
    )


class SignInForm(AuthenticationForm):
    """Django's form, refusing without checking the password while a lock holds, and
    counting each wrong password."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Nama pengguna atau kata sandi salah."),
        "inactive": _("Nama pengguna atau kata sandi salah."),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        if username and throttle.is_locked(username, self.request):
            raise locked_error()
        try:
            return super().clean()
        except ValidationError as error:
            if username and error.code in ("invalid_login", "inactive"):
                if throttle.register_failure(username, self.request):
                    raise locked_error() from None
            raise


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Kode verifikasi"),
        max_length=32,
        strip=True,
        help_text=_("6 angka dari aplikasi autentikator, atau satu kode pemulihan."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autocapitalize": "none"}
        ),
    )


class ConfirmDeviceForm(forms.Form):
    code = forms.CharField(
        label=_("Kode dari aplikasi"),
        max_length=16,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class DisableForm(forms.Form):
    password = forms.CharField(
        label=_("Kata sandi"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = forms.CharField(
        label=_("Kode dari aplikasi"),
        max_length=16,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
