from django.apps import AppConfig


class StatsConfig(AppConfig):
    """The only DuckDB reader of published data: row queries, aggregates and indicators on Parquet."""

    name = "satudata.stats"
    label = "stats"
    verbose_name = "Statistik"

    def ready(self):
        from . import rules  # noqa: F401  (registers the query permissions)
