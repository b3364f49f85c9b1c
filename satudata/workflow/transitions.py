"""The review workflow as one table: (state, transition) -> (rule, next state).

Every transition runs the same way (`perform`): the one permission check (`authorize`
with the rule from the table: 404 without read access, 403 with it), the personal-data
guard for every step forward, then inside one transaction a conditional UPDATE from the
expected state (so when two reviewers act at once exactly one wins), the transition's own
effect (publication), the audit event and the notifications.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from satudata.accounts.constants import Role
from satudata.accounts.models import User
from satudata.accounts.permissions import authorize, can, roles_of
from satudata.audit.actions import record
from satudata.audit.constants import AuditAction
from satudata.catalog.constants import State
from satudata.catalog.models import Dataset
from satudata.ingest.actions import PublishRefused, pii_blocks, publish_version

from .constants import OPEN_STATES, CommentTarget, SubmissionState
from .models import Comment, Submission, Withdrawal

S = SubmissionState
MAX_COMMENT = 5000
MIN_REASON = 20


class TransitionRefused(Exception):
    """A permitted step that cannot happen now (personal data, someone else acted first, no
    comment); the message is for the user, in Indonesian. Nothing was changed."""


@dataclass(frozen=True)
class Transition:
    name: str
    rule: str
    # The next state, or a function of the submission choosing it.
    target: str | Callable
    audit: AuditAction
    label: str
    # A step forward must pass the personal-data guard; a return never needs to.
    forward: bool = True
    needs_comment: bool = False

    def next_state(self, submission):
        return self.target(submission) if callable(self.target) else self.target


def _after_submit(submission):
    return S.SUBMITTED if submission.needs_precheck() else S.IN_REVIEW


def _after_approve(submission):
    return S.SUPERVISOR_REVIEW if submission.dataset.is_priority else S.APPROVED


SUBMIT = Transition(
    "submit",
    "submission.submit",
    _after_submit,
    AuditAction.SUBMISSION_SUBMIT,
    gettext_lazy("Ajukan"),
)


def _return(rule):
    return Transition(
        "return",
        rule,
        S.RETURNED,
        AuditAction.SUBMISSION_RETURN,
        gettext_lazy("Kembalikan ke Produsen"),
        forward=False,
        needs_comment=True,
    )


TRANSITIONS = {
    (S.DRAFT, "submit"): SUBMIT,
    (S.RETURNED, "submit"): SUBMIT,
    (S.SUBMITTED, "precheck"): Transition(
        "precheck",
        "submission.precheck",
        S.IN_REVIEW,
        AuditAction.SUBMISSION_PRECHECK,
        gettext_lazy("Lolos pra-periksa, teruskan ke Walidata"),
    ),
    (S.SUBMITTED, "return"): _return("submission.precheck"),
    (S.IN_REVIEW, "approve"): Transition(
        "approve",
        "submission.review",
        _after_approve,
        AuditAction.SUBMISSION_APPROVE,
        gettext_lazy("Setujui"),
    ),
    (S.IN_REVIEW, "return"): _return("submission.review"),
    (S.SUPERVISOR_REVIEW, "supervisor_approve"): Transition(
        "supervisor_approve",
        "submission.supervisor_review",
        S.APPROVED,
        AuditAction.SUBMISSION_SUPERVISOR_APPROVE,
        gettext_lazy("Setujui sebagai Pembina Data"),
    ),
    (S.SUPERVISOR_REVIEW, "return"): _return("submission.supervisor_review"),
    (S.APPROVED, "publish"): Transition(
        "publish",
        "submission.publish",
        S.PUBLISHED,
        AuditAction.SUBMISSION_PUBLISH,
        gettext_lazy("Terbitkan"),
    ),
}

# Transitions of a dataset (not of a submission): (dataset state, name) -> (rule, next state).
DATASET_TRANSITIONS = {
    (State.PUBLISHED, "withdraw"): ("dataset.withdraw", State.WITHDRAWN),
}

TRANSITION_NAMES = sorted({name for _state, name in TRANSITIONS})


def available(submission, user):
    """The transitions `user` may take on `submission` now, for its buttons."""
    return [
        t
        for (state, _name), t in TRANSITIONS.items()
        if state == submission.state and can(user, t.rule, submission)
    ]


def users_with(role, organization_id=None):
    members = User.objects.filter(is_active=True, memberships__role=role)
    if organization_id is not None:
        members = members.filter(memberships__organization_id=organization_id)
    return list(members.distinct())


def speaking_role(user, dataset):
    """The role a user acts in on a dataset's submission (kept on their comments)."""
    roles = roles_of(user)
    if dataset.organization_id in user.organization_ids(roles=(Role.SUPPORT_STEWARD,)):
        return Role.SUPPORT_STEWARD
    if dataset.organization_id in user.organization_ids(roles=(Role.PRODUCER,)):
        return Role.PRODUCER
    for role in (Role.STEWARD, Role.SUPERVISOR, Role.ADMIN, Role.LEADER):
        if role in roles:
            return role
    return ""


# --- creating a submission and moving it ------------------------------------------------------


def create(version, *, actor, request=None):
    """The Draf submission of `version` (the existing one when there is one already)."""
    dataset = version.resource.dataset
    authorize(actor, "submission.submit", Submission(version=version, dataset=dataset))
    existing = Submission.objects.filter(version=version).first()
    if existing is not None:
        return existing
    if version.is_published:
        raise TransitionRefused(_("Versi ini sudah terbit; tidak perlu diajukan lagi."))
    with transaction.atomic():
        # One open submission per table: lock the resource row while looking.
        type(version.resource).objects.select_for_update().filter(pk=version.resource_id).first()
        open_one = Submission.objects.filter(
            version__resource_id=version.resource_id, state__in=OPEN_STATES
        ).first()
        if open_one is not None:
            raise TransitionRefused(
                _(
                    "Tabel ini masih punya pengajuan yang berjalan (versi %(n)s, %(state)s). Selesaikan itu dulu."
                )
                % {"n": open_one.version.number, "state": open_one.get_state_display()}
            )
        previous = (
            Submission.objects.filter(version__resource_id=version.resource_id)
            .order_by("-id")
            .first()
        )
        submission = Submission.objects.create(
            version=version, dataset=dataset, previous=previous, created_by=actor
        )
        record(
            AuditAction.SUBMISSION_CREATE,
            submission,
            actor=actor,
            request=request,
            after={
                "state": submission.state,
                "version": version.pk,
                "previous": previous.pk if previous else None,
            },
        )
    return submission


def authorize_transition(submission, name, actor):
    """The Transition `actor` may take now, or Http404 (cannot see it) / PermissionDenied."""
    transition = TRANSITIONS.get((submission.state, name))
    if transition is None:
        authorize(actor, "submission.view", submission)
        raise PermissionDenied
    authorize(actor, transition.rule, submission)
    return transition


def perform(submission, name, *, actor, request=None, comment=None):
    """Take transition `name`; raise Http404/PermissionDenied (not allowed) or TransitionRefused.

    `comment`: a dict for Comment (text, target, column, row), required when returning.
    """
    transition = authorize_transition(submission, name, actor)
    if transition.needs_comment and not (comment and (comment.get("text") or "").strip()):
        raise TransitionRefused(_("Tuliskan apa yang perlu diperbaiki."))
    version = submission.version
    with transaction.atomic():
        if transition.forward and pii_blocks(version):
            raise TransitionRefused(_pii_message(version))
        before = submission.state
        if name == "submit":
            submission.submitted_by = actor  # an author: never their own pre-checker
        after = transition.next_state(submission)
        now = timezone.now()
        fields = {"state": after, "changed_at": now}
        if name == "submit":
            fields.update(submitted_by=actor, submitted_at=now)
        if after == S.PUBLISHED:
            fields["published_at"] = now
        # The conditional UPDATE: only from the state this transition was chosen for.
        if Submission.objects.filter(pk=submission.pk, state=before).update(**fields) != 1:
            raise TransitionRefused(
                _("Pengajuan ini baru saja ditindaklanjuti orang lain. Muat ulang halaman.")
            )
        for key, value in fields.items():
            setattr(submission, key, value)
        extra = _publish(submission, actor=actor, request=request) if after == S.PUBLISHED else {}
        text = ""
        if comment and (comment.get("text") or "").strip():
            text = _add_comment(
                submission, actor=actor, request=request, transition=name, **comment
            ).text
        record(
            transition.audit,
            submission,
            actor=actor,
            request=request,
            before={"state": before},
            after={"state": after, "version": version.pk, **extra},
            reason=text if transition.needs_comment else "",
        )
        _notify(submission, transition, before, actor=actor)
    return submission


def submit(submission, **kwargs):
    return perform(submission, "submit", **kwargs)


def precheck(submission, **kwargs):
    return perform(submission, "precheck", **kwargs)


def approve(submission, **kwargs):
    return perform(submission, "approve", **kwargs)


def return_submission(submission, **kwargs):
    return perform(submission, "return", **kwargs)


def supervisor_approve(submission, **kwargs):
    return perform(submission, "supervisor_approve", **kwargs)


def publish(submission, **kwargs):
    return perform(submission, "publish", **kwargs)


def publish_approved(version, *, actor, request=None):
    """Publish `version` through its approved submission (the old direct path, now reviewed)."""
    submission = (
        Submission.objects.filter(version=version).select_related("dataset", "version").first()
    )
    if submission is None:
        authorize(actor, "version.publish", version)
        raise PermissionDenied
    return publish(submission, actor=actor, request=request)


def _pii_message(version):
    columns = sorted(
        {
            f.get("column") or f.get("sheet") or ""
            for f in version.pii_findings
            if f.get("severity") == "error"
        }
    )
    return _(
        "Versi ini memuat data pribadi (%(columns)s) tanpa pengecualian tertulis Walidata. "
        "Unggah versi tanpa kolom tersebut, atau minta Walidata mencatat pengecualian."
    ) % {"columns": ", ".join(columns)}


def _publish(submission, *, actor, request):
    """Terbit: the version becomes published exactly as before, and a Draf or Ditarik dataset Terbit."""
    try:
        publish_version(submission.version, actor=actor, request=request)
    except PublishRefused as refused:
        raise TransitionRefused(str(refused)) from None
    dataset = Dataset.objects.select_for_update().get(pk=submission.dataset_id)
    before = dataset.state
    if before != State.PUBLISHED:
        Dataset.objects.filter(pk=dataset.pk).update(
            state=State.PUBLISHED,
            published_at=dataset.published_at or submission.published_at,
            modified_at=timezone.now(),
        )
        submission.dataset.state = State.PUBLISHED
    return {"dataset_state": [before, State.PUBLISHED]}


# --- discussion -----------------------------------------------------------------------------------


def add_comment(submission, *, actor, request=None, **comment):
    """A plain remark in the discussion (audited as comment.create)."""
    authorize(actor, "submission.comment", submission)
    if not (comment.get("text") or "").strip():
        raise TransitionRefused(_("Komentar kosong."))
    with transaction.atomic():
        return _add_comment(submission, actor=actor, request=request, **comment)


def _add_comment(
    submission,
    *,
    actor,
    request,
    text,
    target=CommentTarget.DATASET,
    column="",
    row=None,
    transition="",
):
    text = text.strip()
    if len(text) > MAX_COMMENT:
        raise TransitionRefused(
            _("Komentar terlalu panjang (paling banyak %(n)s karakter).") % {"n": MAX_COMMENT}
        )
    version = submission.version
    column, row = (column or "").strip(), row
    if target == CommentTarget.COLUMN:
        if column not in version.column_names:
            raise TransitionRefused(_("Pilih kolom yang ada di versi ini."))
        row = None
    elif target == CommentTarget.ROW:
        last = (version.row_count or 0) + 1  # rows as in the spreadsheet: the header is row 1
        if row is None or not 1 <= row <= last:
            raise TransitionRefused(_("Nomor baris harus antara 1 dan %(n)s.") % {"n": last})
        column = ""
    else:
        target, column, row = CommentTarget.DATASET, "", None
    note = Comment.objects.create(
        submission=submission,
        version=version,
        author=actor,
        author_role=speaking_role(actor, submission.dataset),
        target=target,
        column=column[:255],
        row=row,
        text=text,
        transition=transition,
    )
    record(
        AuditAction.COMMENT_CREATE,
        note,
        actor=actor,
        request=request,
        after={
            "submission": submission.pk,
            "target": target,
            "column": column,
            "row": row,
            "text": text,
        },
    )
    return note


# --- withdrawal -----------------------------------------------------------------------------------


def withdraw(dataset, reason, *, actor, request=None):
    """Ditarik: a published dataset leaves the catalog with a public reason; nothing is deleted."""
    entry = DATASET_TRANSITIONS.get((dataset.state, "withdraw"))
    if entry is None:
        authorize(actor, "dataset.view", dataset)
        raise PermissionDenied
    rule_name, after = entry
    authorize(actor, rule_name, dataset)
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise TransitionRefused(
            _("Tuliskan alasan penarikan untuk publik (paling sedikit %(n)s karakter).")
            % {"n": MIN_REASON}
        )
    with transaction.atomic():
        before = dataset.state
        changed = Dataset.objects.filter(pk=dataset.pk, state=before).update(
            state=after, modified_at=timezone.now()
        )
        if changed != 1:
            raise TransitionRefused(
                _("Dataset ini baru saja diubah orang lain. Muat ulang halaman.")
            )
        dataset.state = after
        withdrawal = Withdrawal.objects.create(dataset=dataset, reason=reason, withdrawn_by=actor)
        record(
            AuditAction.DATASET_WITHDRAW,
            dataset,
            actor=actor,
            request=request,
            before={"state": before},
            after={"state": after},
            reason=reason,
        )
        _notify_dataset(dataset, reason, actor=actor)
    return withdrawal


# --- notifications --------------------------------------------------------------------------------


def _notify(submission, transition, before, *, actor):
    from satudata.notifications.api import notify

    dataset = submission.dataset
    org = dataset.organization_id
    owners = [u for u in (submission.submitted_by, submission.created_by) if u is not None]
    title = str(submission)
    state = submission.get_state_display()
    url = submission.get_absolute_url()
    if transition.name == "submit":
        reviewers = (
            users_with(Role.SUPPORT_STEWARD, org)
            if submission.state == S.SUBMITTED
            else users_with(Role.STEWARD)
        )
        recipients = [u for u in reviewers if u.pk not in submission.authors()]
        kind, subject = "submitted", _("Diajukan untuk ditinjau: %(title)s") % {"title": title}
        body = _("%(who)s mengajukan %(title)s. Status: %(state)s.")
    elif transition.name == "precheck":
        recipients = users_with(Role.STEWARD)
        kind, subject = (
            "submitted",
            _("Lolos pra-periksa, menunggu Walidata: %(title)s") % {"title": title},
        )
        body = _("%(who)s (Walidata Pendukung) meneruskan %(title)s. Status: %(state)s.")
    elif transition.name == "return":
        recipients = owners + (users_with(Role.STEWARD) if before == S.SUPERVISOR_REVIEW else [])
        kind, subject = "returned", _("Dikembalikan untuk diperbaiki: %(title)s") % {"title": title}
        body = _("%(who)s mengembalikan %(title)s. Baca komentar, perbaiki, lalu ajukan lagi.")
    elif transition.name == "publish":
        recipients = owners + users_with(Role.PRODUCER, org)
        kind, subject = "published", _("Terbit: %(title)s") % {"title": title}
        body = _("%(who)s menerbitkan %(title)s.")
    else:  # approve, supervisor_approve
        next_actor = (
            users_with(Role.SUPERVISOR)
            if submission.state == S.SUPERVISOR_REVIEW
            else users_with(Role.STEWARD)
        )
        recipients = owners + [u for u in next_actor if u.pk not in submission.authors()]
        kind, subject = (
            "approved",
            _("Disetujui: %(title)s (%(state)s)") % {"title": title, "state": state},
        )
        body = _("%(who)s menyetujui %(title)s. Status: %(state)s.")
    notify(
        recipients,
        kind,
        subject=subject,
        body=body % {"who": actor, "title": title, "state": state},
        url=url,
        target=submission,
        actor=actor,
    )


def _notify_dataset(dataset, reason, *, actor):
    from satudata.notifications.api import notify

    org = dataset.organization_id
    notify(
        users_with(Role.PRODUCER, org) + users_with(Role.SUPPORT_STEWARD, org),
        "withdrawn",
        subject=_("Ditarik: %(title)s") % {"title": dataset.title},
        body=_("%(who)s menarik dataset %(title)s. Alasan: %(reason)s")
        % {"who": actor, "title": dataset, "reason": reason},
        url=dataset.get_absolute_url(),
        target=dataset,
        actor=actor,
    )


def waiting_for(user, limit=500):
    """Submissions the user may see, newest change first, each with the transitions open to them."""
    if not roles_of(user):
        return []
    candidates = (
        Submission.objects.filter(Q(state__in=OPEN_STATES) | Q(state=S.RETURNED))
        .select_related("dataset__organization", "version__resource", "submitted_by", "created_by")
        .order_by("-changed_at", "-id")[:limit]
    )
    return [(s, available(s, user)) for s in candidates if can(user, "submission.view", s)]
