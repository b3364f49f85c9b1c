"""Staff sign-in (password, then a TOTP or recovery code), two-factor set-up, password change."""

import time

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from satudata.audit.actions import record
from satudata.audit.constants import AuditAction

from . import actions, throttle, twofactor
from .forms import CodeForm, ConfirmDeviceForm, DisableForm, SignInForm, locked_error
from .models import User
from .permissions import authorize, route

# Between the password step and the code step the session holds only this (no user).
PENDING_SESSION_KEY = "satudata_2fa_pending"
PENDING_SECONDS = 300


def _safe_next(request, target, default="/"):
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


class SignInView(auth_views.LoginView):
    """Step 1: the password. A user with a confirmed TOTP device goes on to step 2 without
    being signed in; a user whose role requires it but who has none is signed in and sent
    to set it up (the middleware lets them reach nothing else)."""

    authentication_form = SignInForm
    template_name = "registration/login.html"

    def form_valid(self, form):
        user = form.get_user()
        next_url = self.get_redirect_url()
        if twofactor.confirmed_device(user) is not None:
            self.request.session.cycle_key()
            self.request.session[PENDING_SESSION_KEY] = {
                "user": user.pk,
                "backend": user.backend,
                "hash": user.get_session_auth_hash(),
                "at": time.time(),
                "next": next_url,
            }
            return redirect("login_code")
        actions.sign_in(self.request, user, backend=user.backend)
        if twofactor.role_requires_second_factor(user):
            query = urlencode({"next": next_url}) if next_url else ""
            return redirect(reverse("accounts:two_factor") + (f"?{query}" if query else ""))
        return HttpResponseRedirect(self.get_success_url())


def _pending_user(request):
    pending = request.session.get(PENDING_SESSION_KEY)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None, None
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    # The password changed since step 1 (or the account was deactivated): start again.
    if user is None or user.get_session_auth_hash() != pending.get("hash"):
        return None, None
    return user, pending


def _back_to_step_one(request, message=None):
    request.session.pop(PENDING_SESSION_KEY, None)
    if message:
        messages.error(request, message)
    return redirect("login")


@route("account.sign_in")
@sensitive_post_parameters("code")
@never_cache
def sign_in_code(request):
    """Step 2: a TOTP code (each accepted once) or a single-use recovery code."""
    user, pending = _pending_user(request)
    if user is None:
        return _back_to_step_one(request, _("Silakan masuk lagi dengan kata sandi Anda."))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if throttle.is_locked(user.get_username(), request):
            return _back_to_step_one(request, locked_error().messages[0])
        code = form.cleaned_data["code"]
        device = twofactor.confirmed_device(user)
        with transaction.atomic():
            method = None
            if device is not None and twofactor.verify_totp(device, code):
                method = "totp"
            elif twofactor.use_recovery_code(user, code):
                method = "recovery_code"
            if method:
                request.session.pop(PENDING_SESSION_KEY, None)
                actions.sign_in(request, user, backend=pending["backend"], second_factor=method)
                if method == "recovery_code":
                    left = twofactor.recovery_codes_left(user)
                    record(
                        AuditAction.RECOVERY_CODE_USE,
                        user,
                        actor=user,
                        request=request,
                        after={"codes_left": left},
                    )
        if method:
            if method == "recovery_code":
                messages.warning(
                    request,
                    _("Anda masuk dengan kode pemulihan. Sisa kode pemulihan: %(left)d.")
                    % {"left": left},
                )
            return redirect(_safe_next(request, pending.get("next"), reverse("portal:home")))
        if throttle.register_failure(user.get_username(), request, step="code"):
            return _back_to_step_one(request, locked_error().messages[0])
        form.add_error("code", _("Kode salah atau sudah pernah dipakai."))
    return render(request, "registration/login_code.html", {"form": form})


def _codes_page(request, codes, next_url):
    response = render(
        request, "accounts/recovery_codes.html", {"codes": codes, "next_url": next_url}
    )
    response["Cache-Control"] = "no-store"
    return response


@route("account.manage_own")
@sensitive_post_parameters("code", "password")
@never_cache
def two_factor(request):
    """Set up, inspect or turn off one's own TOTP second factor; new recovery codes."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    user = request.user
    authorize(user, "account.manage_own", user)
    next_url = _safe_next(request, request.GET.get("next") or request.POST.get("next"), "")
    device = twofactor.confirmed_device(user)
    if device is None:
        pending = twofactor.pending_device(user)
        form = ConfirmDeviceForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            if twofactor.verify_totp(pending, form.cleaned_data["code"]):
                codes = actions.enable_two_factor(request, pending)
                return _codes_page(request, codes, next_url or reverse("portal:home"))
            form.add_error("code", _("Kode tidak cocok. Periksa jam ponsel Anda lalu coba lagi."))
        secret = twofactor.decrypt_secret(pending.encrypted_secret)
        uri = twofactor.provisioning_uri(user, secret)
        context = {
            "form": form,
            "qr_svg": twofactor.qr_svg(uri),
            "secret": twofactor.spaced(secret),
            "required": twofactor.role_requires_second_factor(user),
            "next_url": next_url,
        }
        return render(request, "accounts/two_factor_setup.html", context)

    recovery_form = ConfirmDeviceForm(
        request.POST if request.POST.get("action") == "recovery" else None, prefix="recovery"
    )
    disable_form = DisableForm(
        request.POST if request.POST.get("action") == "disable" else None, prefix="disable"
    )
    if request.method == "POST" and recovery_form.is_bound and recovery_form.is_valid():
        if twofactor.verify_totp(device, recovery_form.cleaned_data["code"]):
            return _codes_page(request, actions.new_recovery_codes(request), "")
        recovery_form.add_error("code", _("Kode salah atau sudah pernah dipakai."))
    if request.method == "POST" and disable_form.is_bound and disable_form.is_valid():
        data = disable_form.cleaned_data
        if not user.check_password(data["password"]):
            disable_form.add_error("password", _("Kata sandi salah."))
        elif not twofactor.verify_totp(device, data["code"]):
            disable_form.add_error("code", _("Kode salah atau sudah pernah dipakai."))
        else:
            actions.disable_two_factor(request)
            messages.success(request, _("Verifikasi dua langkah dinonaktifkan."))
            return redirect("accounts:two_factor")
    context = {
        "device": device,
        "codes_left": twofactor.recovery_codes_left(user),
        "required": twofactor.role_requires_second_factor(user),
        "recovery_form": recovery_form,
        "disable_form": disable_form,
    }
    return render(request, "accounts/two_factor.html", context)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view (old password, new twice, the policy's validators). Changing the
    password changes the session auth hash: every other session ends; this one is kept."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:two_factor")

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            actions.password_changed(self.request, form.user)
        messages.success(
            self.request, _("Kata sandi diganti. Sesi Anda di perangkat lain telah diakhiri.")
        )
        return response
