from django.urls import path

from satudata.ingest import views as ingest_views

from . import versions, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("dataset/", views.search, name="search"),
    path("dataset/<slug:slug>/", views.dataset, name="dataset"),
    path(
        "dataset/<slug:slug>/berkas/<int:resource_id>/v<int:number>/unduh/",
        views.download,
        name="download",
    ),
    path(
        "dataset/<slug:slug>/berkas/<int:resource_id>/v<int:number>/unduh.<str:fmt>",
        views.download,
        name="download_format",
    ),
    path(
        "dataset/<slug:slug>/berkas/<int:resource_id>/v<int:number>/",
        versions.version,
        name="version",
    ),
    path("dataset/<slug:slug>/berkas/<int:resource_id>/banding/", versions.diff, name="diff"),
    path(
        "dataset/<slug:slug>/berkas/<int:resource_id>/templat.<str:fmt>",
        ingest_views.template,
        name="template",
    ),
    path("organisasi/", views.organizations, name="organizations"),
    path("organisasi/<slug:slug>/", views.organization, name="organization"),
    path("topik/", views.topics, name="topics"),
    path("topik/<slug:slug>/", views.topic, name="topic"),
]
