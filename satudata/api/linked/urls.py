from django.urls import path

from . import views

app_name = "linked"

urlpatterns = [
    path("catalog.jsonl", views.catalog_jsonl, name="catalog_jsonl"),
    path("sitemap.xml", views.sitemap, name="sitemap"),
    path("dataset/<slug:slug>/datapackage.json", views.datapackage, name="datapackage"),
    path(
        "dataset/<slug:slug>/berkas/<int:resource_id>/v<int:number>/datapackage.json",
        views.version_datapackage,
        name="version_datapackage",
    ),
]
for _ext in ("ttl", "jsonld", "rdf"):
    urlpatterns += [
        path(f"catalog.{_ext}", views.catalog, {"ext": _ext}, name=f"catalog_{_ext}"),
        path(
            f"dataset/<slug:slug>.{_ext}",
            views.dataset_document,
            {"ext": _ext},
            name=f"dataset_{_ext}",
        ),
    ]
