from django.urls import path

from . import views

app_name = "ingest"

urlpatterns = [
    path("", views.manage, name="manage"),
    path("dataset/<slug:slug>/unggah/", views.upload, name="upload"),
    path("api/dataset/<slug:slug>/unggah", views.api_upload, name="api_upload"),
    path("dataset/<slug:slug>/berkas/<int:resource_id>/skema/", views.edit_schema, name="schema"),
    path("unggahan/<int:pk>/", views.run, name="run"),
    path("unggahan/<int:pk>/status.json", views.run_status, name="run_status"),
    path("unggahan/<int:pk>/laporan.xlsx", views.run_report, name="run_report"),
    path("versi/<int:pk>/terbitkan/", views.publish, name="publish"),
    path("versi/<int:pk>/pengecualian/", views.override, name="override"),
]
