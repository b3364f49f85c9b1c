"""Test-only URL configuration: the real URLs plus a sign-in shortcut for headless Chromium.

Chromium's command line cannot carry a session cookie, so browser tests of staff pages
visit /uji-masuk/<user id>/?next=… first. This module is only ever loaded by tests that
set ROOT_URLCONF to it.
"""

from django.contrib.auth import get_user_model, login
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme

from satudata.accounts.permissions import route
from satudata.accounts.twofactor import mark_verified
from satudata.urls import urlpatterns as real_urlpatterns


@route("account.sign_in")
def sign_in_as(request, user_id):
    user = get_object_or_404(get_user_model(), pk=user_id)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    mark_verified(request)  # stands for a complete sign-in, second factor included
    target = request.GET.get("next", "/")
    return redirect(target if url_has_allowed_host_and_scheme(target, None) else "/")


urlpatterns = [path("uji-masuk/<int:user_id>/", sign_in_as), *real_urlpatterns]
handler404 = "satudata.portal.views.not_found"
handler403 = "satudata.portal.views.forbidden"
handler500 = "satudata.portal.views.server_error"
