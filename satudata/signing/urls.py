from django.urls import path

from . import views

app_name = "signing"

urlpatterns = [
    path("verifikasi/", views.verify, name="verify"),
    path(".well-known/satudata-signing-keys.json", views.keys_json, name="keys"),
    path(".well-known/satudata-signing-key.pem", views.key_pem, name="key_pem"),
    path(".well-known/satudata-signing-keys/<str:kid>.pem", views.key_pem, name="key_pem_by_id"),
    path(
        "dataset/<slug:slug>/berkas/<int:resource_id>/v<int:number>/manifest.json",
        views.manifest,
        name="manifest",
    ),
    path(
        "dataset/<slug:slug>/berkas/<int:resource_id>/v<int:number>/manifest.sig",
        views.signature,
        name="signature",
    ),
]
