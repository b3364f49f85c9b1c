"""Enforce the second factor (and, under the BSSN policy, the password's maximum age).

A signed-in user who must use a second factor (a confirmed TOTP device, or a Walidata,
Pembina, Pimpinan or Admin role) and whose session has not passed it can only reach the
sign-in, sign-out and two-factor set-up pages: everything else redirects. Without this, a
stolen password alone would open restricted data on the public pages and the API too.
"""

from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .passwords import password_expired
from .twofactor import confirmed_device, is_verified, role_requires_second_factor

# Paths an unverified session may still reach (prefix match); the set-up page is added
# for users who have no confirmed device yet.
_OPEN_PREFIXES = ("/static/", "/healthz", "/bahasa/", "/masuk/", "/keluar/")


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response = self.check(request, user)
            if response is not None:
                return response
        return self.get_response(request)

    def check(self, request, user):
        path = request.path
        if not is_verified(request) and not path.startswith(_OPEN_PREFIXES):
            if confirmed_device(user) is not None:
                # A session from before the device was confirmed, or not made by our
                # sign-in: sign in again, with the code.
                logout(request)
                return redirect(f"{reverse('login')}?{urlencode({'next': path})}")
            setup = reverse("accounts:two_factor")
            if role_requires_second_factor(user) and not path.startswith(setup):
                messages.warning(
                    request,
                    _(
                        "Peran Anda mewajibkan verifikasi dua langkah. Siapkan dulu sebelum"
                        " melanjutkan."
                    ),
                )
                return redirect(f"{setup}?{urlencode({'next': path})}")
        if path.startswith(("/kelola/", "/admin/")) and password_expired(user):
            change = reverse("accounts:password_change")
            if not path.startswith((change, reverse("accounts:two_factor"))):
                messages.warning(
                    request,
                    _(
                        "Kata sandi Anda sudah melewati masa berlakunya. Ganti dulu sebelum melanjutkan."
                    ),
                )
                return redirect(change)
        return None
