from django.urls import path

from . import views

app_name = "workflow"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("versi/<int:pk>/ajukan/", views.submit_version, name="submit_version"),
    path("pengajuan/<int:pk>/", views.submission, name="submission"),
    path("pengajuan/<int:pk>/komentar/", views.comment, name="comment"),
    path("pengajuan/<int:pk>/<slug:name>/", views.transition, name="transition"),
    path("dataset/<slug:slug>/tarik/", views.withdraw, name="withdraw"),
]
