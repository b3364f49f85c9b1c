"""Permission rules of submissions, their review, discussion and withdrawal.

Which rule a transition needs is written in transitions.TRANSITIONS; the rules say who
acts at each stage. Nobody reviews, approves or publishes a submission they submitted or
whose file they uploaded (Submission.authors).
"""

from satudata.accounts.constants import Role
from satudata.accounts.permissions import roles_of, rule
from satudata.catalog.constants import Access, State
from satudata.catalog.rules import change_dataset, view_dataset


def _member_of(user, dataset, role):
    return dataset.organization_id in user.organization_ids(roles=(role,))


def _not_author(user, submission):
    return submission.pk is None or user.pk not in submission.authors()


@rule("submission.view")
def view_submission(user, submission):
    """See a submission, its discussion and its buttons: who may change the dataset (Walidata,
    Admin, Produsen and Walidata Pendukung of the OPD), and the Pembina Data for Data Prioritas."""
    roles = roles_of(user)
    if not roles:
        return False
    dataset = submission.dataset
    if Role.SUPERVISOR in roles and dataset.is_priority:
        return True
    return change_dataset(user, dataset)


@rule("submission.queue")
def queue(user, obj):
    """Open the review queue ("Antrean tinjauan"): any user with a role; it lists only what they may see."""
    return bool(roles_of(user))


@rule("submission.submit", read_action="submission.view")
def submit(user, submission):
    """Put a version forward (Ajukan), or again after Dikembalikan: a Produsen of the owning OPD."""
    return Role.PRODUCER in roles_of(user) and _member_of(user, submission.dataset, Role.PRODUCER)


@rule("submission.precheck", read_action="submission.view")
def precheck(user, submission):
    """Pre-check a Diajukan submission (pass it to the Walidata or return it): a Walidata
    Pendukung of the owning OPD who did not submit or upload it."""
    return (
        Role.SUPPORT_STEWARD in roles_of(user)
        and _member_of(user, submission.dataset, Role.SUPPORT_STEWARD)
        and _not_author(user, submission)
    )


@rule("submission.review", read_action="submission.view")
def review(user, submission):
    """Approve (Disetujui) or return (Dikembalikan) a submission under Walidata review: the
    Walidata, never for a submission they submitted or uploaded."""
    return Role.STEWARD in roles_of(user) and _not_author(user, submission)


@rule("submission.supervisor_review", read_action="submission.view")
def supervisor_review(user, submission):
    """Re-check Data Prioritas after the Walidata (approve or return): the Pembina Data, never
    for a submission they submitted or uploaded."""
    return (
        Role.SUPERVISOR in roles_of(user)
        and submission.dataset.is_priority
        and _not_author(user, submission)
    )


@rule("submission.publish", read_action="submission.view")
def publish(user, submission):
    """Publish (Terbit) an approved submission's version: the Walidata, never for a submission
    they submitted or uploaded."""
    return Role.STEWARD in roles_of(user) and _not_author(user, submission)


@rule("submission.comment", read_action="submission.view")
def comment(user, submission):
    """Write in a submission's discussion: its Produsen and Walidata Pendukung (of the OPD), the
    Walidata, and the Pembina Data for Data Prioritas."""
    roles = roles_of(user)
    if not view_submission(user, submission):
        return False
    if Role.STEWARD in roles or (Role.SUPERVISOR in roles and submission.dataset.is_priority):
        return True
    dataset = submission.dataset
    return _member_of(user, dataset, Role.PRODUCER) or _member_of(
        user, dataset, Role.SUPPORT_STEWARD
    )


@rule("dataset.withdraw", read_action="dataset.view")
def withdraw(user, dataset):
    """Withdraw (Ditarik) a published dataset with a public reason: the Walidata."""
    return Role.STEWARD in roles_of(user) and view_dataset(user, dataset)


@rule("dataset.see_withdrawal")
def see_withdrawal(user, dataset):
    """See that a dataset was withdrawn and why: anyone for a withdrawn Terbuka dataset,
    otherwise who may see the dataset."""
    if dataset.state == State.WITHDRAWN and dataset.access == Access.OPEN:
        return True
    return view_dataset(user, dataset)
