from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from satudata.accounts.permissions import authorize, can, route
from satudata.audit.models import AuditEvent
from satudata.catalog.models import Dataset, ResourceVersion
from satudata.ingest.actions import pii_blocks

from . import transitions
from .constants import SubmissionState
from .forms import CommentForm, WithdrawForm
from .models import Submission

# What each state asks of whom, shown on the queue and the submission page.
WAITING_ON = {
    SubmissionState.DRAFT: gettext_lazy("Produsen Data: ajukan"),
    SubmissionState.SUBMITTED: gettext_lazy("Walidata Pendukung: pra-periksa"),
    SubmissionState.IN_REVIEW: gettext_lazy("Walidata: tinjau"),
    SubmissionState.SUPERVISOR_REVIEW: gettext_lazy("Pembina Data: tinjau Data Prioritas"),
    SubmissionState.APPROVED: gettext_lazy("Walidata: terbitkan"),
    SubmissionState.RETURNED: gettext_lazy("Produsen Data: perbaiki dan ajukan lagi"),
    SubmissionState.PUBLISHED: "—",
}


def _submission(request, pk, action="submission.view"):
    submission = get_object_or_404(
        Submission.objects.select_related(
            "dataset__organization",
            "version__resource",
            "submitted_by",
            "created_by",
            "previous__version",
        ),
        pk=pk,
    )
    authorize(request.user, action, submission)
    return submission


@never_cache
@route("submission.queue")
def queue(request):
    authorize(request.user, "submission.queue")
    mine, watching = [], []
    for submission, actions in transitions.waiting_for(request.user):
        item = {
            "submission": submission,
            "actions": actions,
            "waiting": WAITING_ON.get(submission.state, ""),
        }
        (mine if actions else watching).append(item)
    return render(request, "workflow/queue.html", {"mine": mine, "watching": watching})


@route("submission.submit")
def submit_version(request, pk):
    """Ajukan: GET shows what will be submitted, POST makes the Draf and submits it."""
    version = get_object_or_404(
        ResourceVersion.objects.select_related("resource__dataset__organization"), pk=pk
    )
    dataset = version.resource.dataset
    authorize(request.user, "submission.submit", Submission(version=version, dataset=dataset))
    existing = Submission.objects.filter(version=version).first()
    if existing is not None and existing.state not in (
        SubmissionState.DRAFT,
        SubmissionState.RETURNED,
    ):
        return redirect(existing)
    if request.method == "POST":
        try:
            submission = transitions.create(version, actor=request.user, request=request)
            transitions.submit(submission, actor=request.user, request=request)
        except transitions.TransitionRefused as refused:
            messages.error(request, str(refused))
            existing = Submission.objects.filter(version=version).first()
            return (
                redirect(existing) if existing else redirect("workflow:submit_version", version.pk)
            )
        messages.success(
            request,
            _("Versi %(n)s diajukan. Status: %(state)s.")
            % {"n": version.number, "state": submission.get_state_display()},
        )
        return redirect(submission)
    return render(
        request,
        "workflow/submit.html",
        {
            "version": version,
            "dataset": dataset,
            "pii_blocks": pii_blocks(version),
            "run": getattr(version, "ingest_run", None),
        },
    )


@never_cache
@route("submission.view")
def submission(request, pk):
    submission = _submission(request, pk)
    version = submission.version
    run = getattr(version, "ingest_run", None)
    user = request.user
    may_comment = can(user, "submission.comment", submission)
    history = AuditEvent.objects.filter(
        target_type="workflow.submission", target_id=str(submission.pk)
    ).order_by("id")
    return render(
        request,
        "workflow/submission.html",
        {
            "submission": submission,
            "dataset": submission.dataset,
            "version": version,
            "run": run if run is not None and can(user, "ingest.view_run", run) else None,
            "pii_errors": [f for f in version.pii_findings if f.get("severity") == "error"],
            "pii_warnings": [f for f in version.pii_findings if f.get("severity") != "error"],
            "pii_blocks": pii_blocks(version),
            "overrides": list(version.pii_overrides.all()),
            "comments": list(submission.comments.select_related("author")),
            "comment_form": CommentForm(columns=version.column_names) if may_comment else None,
            "actions": transitions.available(submission, user),
            "waiting_on": WAITING_ON.get(submission.state, ""),
            "history": history,
            "can_withdraw": submission.state == SubmissionState.PUBLISHED
            and submission.dataset.state == "published"
            and can(user, "dataset.withdraw", submission.dataset),
            "can_resubmit_new": submission.state == SubmissionState.RETURNED
            and can(user, "dataset.upload", submission.dataset),
        },
    )


@require_POST
@route("submission.comment")
def comment(request, pk):
    submission = _submission(request, pk, "submission.comment")
    form = CommentForm(request.POST, columns=submission.version.column_names)
    if form.is_valid():
        try:
            transitions.add_comment(
                submission, actor=request.user, request=request, **form.comment()
            )
            messages.success(request, _("Komentar ditambahkan."))
        except transitions.TransitionRefused as refused:
            messages.error(request, str(refused))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(submission)


@require_POST
@route("submission.view")
def transition(request, pk, name):
    """Take one transition; the rule is the one transitions.TRANSITIONS gives for (state, name)."""
    submission = _submission(request, pk)
    transitions.authorize_transition(submission, name, request.user)
    comment = None
    if request.POST.get("text"):
        form = CommentForm(request.POST, columns=submission.version.column_names)
        if not form.is_valid():
            messages.error(
                request, " ".join(str(e) for errors in form.errors.values() for e in errors)
            )
            return redirect(submission)
        comment = form.comment()
    try:
        transitions.perform(submission, name, actor=request.user, request=request, comment=comment)
        messages.success(
            request, _("Status sekarang: %(state)s.") % {"state": submission.get_state_display()}
        )
    except transitions.TransitionRefused as refused:
        messages.error(request, str(refused))
    return redirect(submission)


@route("dataset.withdraw")
def withdraw(request, slug):
    dataset = get_object_or_404(Dataset.objects.select_related("organization"), slug=slug)
    authorize(request.user, "dataset.withdraw", dataset)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST":
        try:
            # Checks the state and the reason itself; the form only shows the errors.
            transitions.withdraw(
                dataset, request.POST.get("reason", ""), actor=request.user, request=request
            )
        except transitions.TransitionRefused as refused:
            form.errors.clear()
            form.add_error("reason", str(refused))
        else:
            messages.success(request, _("Dataset ditarik. Alasannya tampil di halaman dataset."))
            return redirect(dataset)
    return render(
        request,
        "workflow/withdraw.html",
        {"dataset": dataset, "form": form, "published": dataset.state == "published"},
        status=400 if form.errors else 200,
    )


def withdrawn_notice(request, slug):
    """The public page of a withdrawn Terbuka dataset: its title and why it was withdrawn (410)."""
    dataset = get_object_or_404(Dataset.objects.select_related("organization"), slug=slug)
    if dataset.state != "withdrawn" or not can(request.user, "dataset.see_withdrawal", dataset):
        raise Http404
    return render(
        request,
        "workflow/withdrawn.html",
        {"dataset": dataset, "withdrawal": dataset.withdrawals.first()},
        status=410,
    )
