from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("", views.browse, name="browse"),
    path("ekspor.<str:fmt>", views.export, name="export"),
]
