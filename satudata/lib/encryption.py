"""Which stored files are encrypted at rest: those of Terbatas and Tertutup datasets.

Write time: callers pass encrypt=must_encrypt(dataset) to filestore.put (the upload, its
Parquet/CSV/XLSX/JSON downloads, its check report). Classification change: once the change
commits, convert_dataset() makes the dataset's files match its new class (a background task;
`satudata rotate-keys` also catches up on any file left behind). Files are the same
content-addressed file for every dataset holding the same bytes, so a file is decrypted only
when no Terbatas or Tertutup dataset refers to it any more.
"""

import logging

from django.db import transaction

from satudata.catalog.constants import Access

from . import filestore

log = logging.getLogger(__name__)


def must_encrypt(dataset) -> bool:
    return dataset.access != Access.OPEN


def _keys(versions, runs) -> set[str]:
    keys = set()
    for file_key, parquet_key, downloads in versions.values_list(
        "file_key", "parquet_key", "downloads"
    ):
        keys.update((file_key, parquet_key))
        keys.update((item or {}).get("key") for item in (downloads or {}).values())
    for file_key, report_key in runs.values_list("file_key", "report_key"):
        keys.update((file_key, report_key))
    return {k for k in keys if k and filestore.is_key(k)}


def dataset_keys(dataset_id) -> set[str]:
    """Every stored file of a dataset: originals, Parquet and other downloads, check reports."""
    from satudata.catalog.models import ResourceVersion
    from satudata.ingest.models import IngestRun

    return _keys(
        ResourceVersion.objects.filter(resource__dataset_id=dataset_id),
        IngestRun.objects.filter(resource__dataset_id=dataset_id),
    )


def restricted_keys() -> set[str]:
    """Every stored file a Terbatas or Tertutup dataset refers to."""
    from satudata.catalog.models import ResourceVersion
    from satudata.ingest.models import IngestRun

    return _keys(
        ResourceVersion.objects.exclude(resource__dataset__access=Access.OPEN),
        IngestRun.objects.exclude(resource__dataset__access=Access.OPEN),
    )


def convert_dataset(dataset_id) -> dict:
    """Encrypt or decrypt a dataset's files to match its access class now; idempotent."""
    from satudata.catalog.models import Dataset

    dataset = Dataset.objects.filter(pk=dataset_id).only("access").first()
    if dataset is None:
        return {"encrypted": 0, "decrypted": 0}
    keys = dataset_keys(dataset_id)
    done = {"encrypted": 0, "decrypted": 0}
    if must_encrypt(dataset):
        for key in sorted(keys):
            done["encrypted"] += filestore.encrypt_existing(key)
    else:
        keep = restricted_keys()
        for key in sorted(keys - keep):
            done["decrypted"] += filestore.decrypt_existing(key)
    return done


def encrypt_restricted() -> int:
    """Encrypt every file of a Terbatas/Tertutup dataset still stored as plaintext."""
    return sum(filestore.encrypt_existing(key) for key in sorted(restricted_keys()))


def after_classification(dataset) -> None:
    """Call inside the transaction that changes a dataset's access class."""
    dataset_id = dataset.pk

    def enqueue():
        from .tasks import convert_dataset_files

        convert_dataset_files.enqueue(dataset_id)

    transaction.on_commit(enqueue)
