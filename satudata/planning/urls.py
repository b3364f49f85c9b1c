"""Daftar Data and compliance (staff, /kelola/…) and the public Jadwal Rilis; included at the root."""

from django.urls import path

from . import views

app_name = "planning"

urlpatterns = [
    path("kelola/daftar-data/", views.plans, name="plans"),
    path("kelola/daftar-data/baru/", views.plan_create, name="plan_create"),
    path("kelola/daftar-data/impor/", views.import_plan, name="import"),
    path("kelola/daftar-data/templat.xlsx", views.import_template, name="template"),
    path("kelola/daftar-data/data/<int:pk>/", views.item, name="item"),
    path(
        "kelola/daftar-data/data/<int:pk>/jatuh-tempo/", views.item_due_dates, name="item_due_dates"
    ),
    path("kelola/daftar-data/<slug:slug>/<int:year>/", views.plan, name="plan"),
    path(
        "kelola/daftar-data/<slug:slug>/<int:year>/tambah/", views.item_create, name="item_create"
    ),
    path("kelola/kepatuhan/", views.compliance_province, name="compliance"),
    path("kelola/kepatuhan/<slug:slug>/", views.compliance_opd, name="compliance_opd"),
    path("jadwal-rilis/", views.release_calendar, name="calendar"),
    path("jadwal-rilis.ics", views.release_calendar_ics, name="calendar_ics"),
]
