"""The "Token API" page: a staff member makes (shown once) and revokes their own tokens."""

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from satudata.accounts.models import ApiToken
from satudata.accounts.permissions import authorize, route
from satudata.accounts.tokens import create_token, revoke_token, token_organizations


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Nama token"), max_length=100, help_text=_("Misalnya: dasbor Bappeda")
    )
    scope = forms.ChoiceField(
        label=_("Cakupan"), choices=ApiToken.SCOPES, initial=ApiToken.SCOPE_READ
    )
    organization = forms.ModelChoiceField(
        label=_("Perangkat daerah"),
        queryset=None,
        required=False,
        empty_label=_("Semua perangkat daerah saya"),
        help_text=_(
            "Token yang dibatasi pada satu perangkat daerah hanya dapat membaca data tidak "
            "terbuka milik perangkat daerah itu."
        ),
    )
    days = forms.IntegerField(label=_("Berlaku (hari)"), min_value=1, initial=90)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the user's own OPDs can be chosen (the queryset also validates the POST).
        self.fields["organization"].queryset = token_organizations(user)
        if not self.fields["organization"].queryset.exists():
            del self.fields["organization"]

    def clean_days(self):
        days = self.cleaned_data["days"]
        if days > settings.API_TOKEN_MAX_DAYS:
            raise forms.ValidationError(
                _("Paling lama %(n)d hari.") % {"n": settings.API_TOKEN_MAX_DAYS}
            )
        return days


@route("api_token.manage")
@login_required
def token_list(request):
    authorize(request.user, "api_token.manage", None)
    created = None
    if request.method == "POST":
        form = TokenForm(request.POST, user=request.user)
        if form.is_valid():
            _token, created = create_token(
                request.user,
                form.cleaned_data["name"],
                form.cleaned_data["scope"],
                form.cleaned_data["days"],
                organization=form.cleaned_data.get("organization"),
                request=request,
            )
            form = TokenForm(user=request.user)
    else:
        form = TokenForm(user=request.user)
    tokens = ApiToken.objects.filter(user=request.user).select_related("organization")
    response = render(
        request, "api/tokens.html", {"form": form, "tokens": tokens, "created": created}
    )
    response["Cache-Control"] = "no-store"
    return response


@route("api_token.manage")
@login_required
@require_POST
def revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    authorize(request.user, "api_token.manage", token)
    if token.revoked_at is None:
        revoke_token(token, actor=request.user, request=request)
    return redirect("api_tokens:list")
