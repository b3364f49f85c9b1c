from django.apps import AppConfig


class CatalogConfig(AppConfig):
    """Datasets with their SDI and BPS metadata, resources and immutable versions, topics, search."""

    name = "satudata.catalog"
    label = "catalog"
    verbose_name = "Katalog"

    def ready(self):
        from . import rules  # noqa: F401  (registers dataset permissions)
