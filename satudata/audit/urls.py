from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("", views.browse, name="browse"),
    path("periksa/", views.check_chain, name="check"),
    path("ekspor.<str:fmt>", views.export, name="export"),
    path("pelanggaran/", views.breach, name="breach"),
    path("pelanggaran/ekspor.<str:fmt>", views.breach_export, name="breach_export"),
]
