from django.apps import AppConfig


class ApiConfig(AppConfig):
    """Adapters only: our /api/v1 (OpenAPI), the CKAN Action API, DCAT, data packages and dumps."""

    name = "satudata.api"
    label = "api"
    verbose_name = "API"

    def ready(self):
        # Each adapter registers its permission rules here (one import line per adapter).
        from .ckan import rules  # noqa: F401  (CKAN Action API)
        from .linked import rules as _linked_rules  # noqa: F401  (DCAT, data packages, bulk)
        from .v1 import rules as _v1_rules  # noqa: F401  (/api/v1 and API tokens)
