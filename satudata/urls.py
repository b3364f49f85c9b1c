from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from satudata.accounts import views as account_views
from satudata.accounts.admin import admin_site
from satudata.accounts.permissions import route
from satudata.portal import views as portal_views

urlpatterns = [
    path("", include("satudata.portal.urls")),
    path("", include("satudata.stats.urls")),
    path("kelola/kotak-masuk/", include("satudata.notifications.urls")),
    path("", include("satudata.planning.urls")),
    path("", include("satudata.signing.urls")),
    path("kelola/alur/", include("satudata.workflow.urls")),
    path("kelola/audit/", include("satudata.audit.urls")),
    path("kelola/akun/", include("satudata.accounts.urls")),
    path("kelola/", include("satudata.catalog.urls_manage")),
    path("kelola/", include("satudata.ingest.urls")),
    path("", include("satudata.api.ckan.urls")),
    path("", include("satudata.api.linked.urls")),
    path("api/v1/", include(("satudata.api.v1.urls", "api_v1"), namespace="api_v1")),
    path("kelola/token/", include("satudata.api.v1.token_urls")),
    path("healthz", portal_views.healthz, name="healthz"),
    path(
        "masuk/",
        # LoginView puts the request's host in `site_name`; keep the portal's name instead.
        route("account.sign_in")(
            account_views.SignInView.as_view(extra_context={"site_name": settings.SITE_NAME})
        ),
        name="login",
    ),
    path("masuk/kode/", account_views.sign_in_code, name="login_code"),
    path("keluar/", route("account.sign_in")(auth_views.LogoutView.as_view()), name="logout"),
    path("bahasa/", route("portal.browse")(set_language), name="set_language"),
    path("admin/", admin_site.urls),
]

handler404 = "satudata.portal.views.not_found"
handler403 = "satudata.portal.views.forbidden"
handler500 = "satudata.portal.views.server_error"
