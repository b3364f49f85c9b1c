"""Staff pages of the catalog, included under /kelola/ before the ingest pages."""

from django.urls import path

from . import views_manage

app_name = "catalog_manage"

urlpatterns = [
    path("dataset/baru/", views_manage.create, name="create"),
    path("dataset/<slug:slug>/ubah/", views_manage.change, name="change"),
]
