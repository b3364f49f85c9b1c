from django.urls import path

from . import views

app_name = "stats"

urlpatterns = [
    path("indikator/", views.dashboard, name="dashboard"),
    path("indikator/<slug:slug>/", views.indicator, name="indicator"),
    path("indikator/<slug:slug>/grafik/<str:kind>.<str:fmt>", views.chart, name="chart"),
    path("indikator/<slug:slug>/unduh/<str:fmt>", views.download, name="download"),
    path("indikator/<slug:slug>/sematkan/", views.embed, name="embed"),
    path("indikator/<slug:slug>/bingkai/<str:kind>/", views.frame, name="frame"),
    path("kelola/indikator/", views.curate, name="curate"),
    path("kelola/indikator/baru/", views.manage, name="create"),
    path("kelola/indikator/<slug:slug>/ubah/", views.manage, name="edit"),
    path("grafik/versi/<int:version_id>/<str:kind>.svg", views.dataset_chart, name="dataset_chart"),
]
