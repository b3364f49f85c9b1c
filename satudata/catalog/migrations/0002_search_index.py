"""The full-text index on Dataset.search_document: FTS5 on SQLite, GIN on PostgreSQL.

On SQLite an external-content FTS5 table mirrors the column through triggers, so every
write path (ORM, admin, bulk update) keeps it in step without application code.
"""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE catalog_dataset_fts USING fts5("
    "search_document, content='catalog_dataset', content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER catalog_dataset_fts_ai AFTER INSERT ON catalog_dataset BEGIN "
    "INSERT INTO catalog_dataset_fts(rowid, search_document) VALUES (new.id, new.search_document); END",
    "CREATE TRIGGER catalog_dataset_fts_ad AFTER DELETE ON catalog_dataset BEGIN "
    "INSERT INTO catalog_dataset_fts(catalog_dataset_fts, rowid, search_document) "
    "VALUES ('delete', old.id, old.search_document); END",
    "CREATE TRIGGER catalog_dataset_fts_au AFTER UPDATE OF search_document ON catalog_dataset BEGIN "
    "INSERT INTO catalog_dataset_fts(catalog_dataset_fts, rowid, search_document) "
    "VALUES ('delete', old.id, old.search_document); "
    "INSERT INTO catalog_dataset_fts(rowid, search_document) VALUES (new.id, new.search_document); END",
    "INSERT INTO catalog_dataset_fts(catalog_dataset_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS catalog_dataset_fts_ai",
    "DROP TRIGGER IF EXISTS catalog_dataset_fts_ad",
    "DROP TRIGGER IF EXISTS catalog_dataset_fts_au",
    "DROP TABLE IF EXISTS catalog_dataset_fts",
]
POSTGRES_FORWARD = [
    "CREATE INDEX catalog_dataset_search_gin ON catalog_dataset "
    "USING gin (to_tsvector('simple', search_document))",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS catalog_dataset_search_gin"]


def forward(apps, schema_editor):
    statements = SQLITE_FORWARD if schema_editor.connection.vendor == "sqlite" else POSTGRES_FORWARD
    for sql in statements:
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    statements = (
        SQLITE_BACKWARD if schema_editor.connection.vendor == "sqlite" else POSTGRES_BACKWARD
    )
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
