"""Permission rules of uploads, versions and the personal-data guard."""

from satudata.accounts.constants import Role
from satudata.accounts.permissions import can, roles_of, rule
from satudata.catalog.rules import change_dataset, view_version


@rule("dataset.upload", read_action="dataset.view")
def upload(user, dataset):
    """Upload a file to a dataset and edit its column schema: who may change the dataset."""
    return change_dataset(user, dataset)


@rule("ingest.view_run")
def view_run(user, run):
    """See an upload's progress and problem report: who may upload to its dataset."""
    return change_dataset(user, run.resource.dataset)


@rule("ingest.manage")
def manage(user, obj):
    """Open the staff page listing the datasets one may upload to: any user with a role."""
    return bool(roles_of(user))


@rule("version.publish", read_action="version.view")
def publish(user, version):
    """Publish a version: only through review, once its submission is Disetujui; then exactly
    who may take the workflow's publish step (submission.publish: the Walidata, never an author)."""
    from satudata.workflow.constants import SubmissionState
    from satudata.workflow.models import Submission

    submission = Submission.objects.filter(version=version, state=SubmissionState.APPROVED).first()
    return submission is not None and can(user, "submission.publish", submission)


@rule("pii.override", read_action="version.view")
def override(user, version):
    """Record a written exception to the personal-data guard: the Walidata only."""
    return Role.STEWARD in roles_of(user) and view_version(user, version)
