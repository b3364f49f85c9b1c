from django_tasks import task


@task()
def convert_dataset_files(dataset_id: int):
    """Encrypt or decrypt a dataset's stored files after its access class changed."""
    from .encryption import convert_dataset

    return convert_dataset(dataset_id)
