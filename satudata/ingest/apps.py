from django.apps import AppConfig


class IngestConfig(AppConfig):
    """Upload -> read -> validate -> personal-data guard -> Parquet, as runs with their problems."""

    name = "satudata.ingest"
    label = "ingest"
    verbose_name = "Unggah dan validasi"

    def ready(self):
        from . import rules  # noqa: F401  (registers upload and publication permissions)
