"""A user's own sign-in settings, under /kelola/akun/."""

from django.urls import path

from . import views
from .permissions import route

app_name = "accounts"

urlpatterns = [
    path("2fa/", views.two_factor, name="two_factor"),
    path(
        "kata-sandi/",
        route("account.manage_own")(views.PasswordChangeView.as_view()),
        name="password_change",
    ),
]
