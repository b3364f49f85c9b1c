from django_tasks import task


@task()
def process_upload(run_id: int):
    from .actions import process_run

    run = process_run(run_id)
    return run.status
