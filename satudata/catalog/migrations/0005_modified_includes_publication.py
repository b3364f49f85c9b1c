from django.db import migrations, models
from django.db.models import Max


def include_publication(apps, schema_editor):
    """modified_at becomes the later of the last edit and the newest published version."""
    Dataset = apps.get_model("catalog", "Dataset")
    ResourceVersion = apps.get_model("catalog", "ResourceVersion")
    newest = (
        ResourceVersion.objects.filter(published_at__isnull=False)
        .values("resource__dataset_id")
        .annotate(newest=Max("published_at"))
    )
    for row in newest:
        Dataset.objects.filter(
            pk=row["resource__dataset_id"], modified_at__lt=row["newest"]
        ).update(modified_at=row["newest"])


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0004_version_metadata"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="dataset",
            index=models.Index(fields=["modified_at"], name="catalog_dataset_modified"),
        ),
        migrations.RunPython(include_publication, migrations.RunPython.noop),
    ]
