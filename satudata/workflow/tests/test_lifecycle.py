"""The whole lifecycle through the URLs, role by role."""

import io

import pytest
from django.urls import reverse

from satudata.audit.actions import verify_chain
from satudata.audit.models import AuditEvent
from satudata.catalog.constants import State
from satudata.catalog.models import Dataset
from satudata.ingest.models import IngestRun
from satudata.notifications.models import Notification
from satudata.workflow.constants import SubmissionState as S
from satudata.workflow.models import Comment, Submission

from .conftest import TABLE

FIXED = TABLE.replace(b"120", b"125")


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def upload(client, dataset, data, capture):
    payload = {"resource": str(dataset.resources.get().pk), "file": io.BytesIO(data)}
    payload["file"].name = "data.csv"
    with capture(execute=True):
        response = client.post(reverse("ingest:upload", args=[dataset.slug]), payload)
    assert response.status_code == 302
    run = IngestRun.objects.order_by("-id").first()
    assert run.version is not None, list(run.problems.values_list("code", "message"))
    return run


def act(client, submission, name, **data):
    return client.post(reverse("workflow:transition", args=[submission.pk, name]), data)


def state_of(submission):
    submission.refresh_from_db()
    return submission.state


def inbox(user, kind):
    return Notification.objects.filter(recipient=user, kind=kind)


def test_the_lifecycle_of_an_ordinary_dataset(
    clients, cast, catalog, django_capture_on_commit_callbacks
):
    dataset = catalog["open"]
    produsen, walidata = clients["produsen_a"], clients["walidata"]
    capture = django_capture_on_commit_callbacks

    # The Produsen uploads; the run page offers "Ajukan", nothing is public yet.
    run = upload(produsen, dataset, TABLE, capture)
    submit_url = reverse("workflow:submit_version", args=[run.version.pk])
    assert submit_url in produsen.get(reverse("ingest:run", args=[run.pk])).content.decode()
    assert submit_url in produsen.get(reverse("ingest:manage")).content.decode()
    assert produsen.get(submit_url).status_code == 200
    assert clients["produsen_b"].post(submit_url).status_code == 404
    assert (
        walidata.post(submit_url).status_code == 403
    )  # the Walidata reviews, the Produsen submits

    # Ajukan: OPD A has no Walidata Pendukung, so it goes straight to the Walidata.
    with capture(execute=True):
        response = produsen.post(submit_url)
    first = Submission.objects.get(version=run.version)
    assert response["Location"] == first.get_absolute_url()
    assert first.state == S.IN_REVIEW and first.submitted_by == cast["produsen_a"]
    assert inbox(cast["walidata"], "submitted").count() == 1
    queue = walidata.get(reverse("workflow:queue")).content.decode()
    assert first.get_absolute_url() in queue.split("Sedang berjalan")[0]  # under "Menunggu saya"
    page = walidata.get(first.get_absolute_url()).content.decode()
    assert reverse("ingest:run", args=[run.pk]) in page and "Tidak ditemukan data pribadi" in page
    assert reverse("workflow:transition", args=[first.pk, "approve"]) in page
    assert reverse("workflow:transition", args=[first.pk, "publish"]) not in page

    # The Walidata returns it with a comment on a column; the Produsen is told and reads it.
    text = "Kolom jumlah belum mencakup tahun 2024. <b>tolong</b> dilengkapi."
    assert (
        act(walidata, first, "return", text=text, target="column", column="jumlah").status_code
        == 302
    )
    assert state_of(first) == S.RETURNED
    note = Comment.objects.get(submission=first)
    assert (note.column, note.author_role, note.transition, note.version) == (
        "jumlah",
        "steward",
        "return",
        first.version,
    )
    assert inbox(cast["produsen_a"], "returned").count() == 1
    page = produsen.get(first.get_absolute_url()).content.decode()
    assert (
        "&lt;b&gt;tolong&lt;/b&gt;" in page and "<b>tolong</b>" not in page
    )  # plain text, escaped
    assert "Kolom jumlah" in page and "Walidata" in page
    # The Produsen answers in the thread, on a row.
    produsen.post(
        reverse("workflow:comment", args=[first.pk]),
        {"text": "Baik, baris 3 juga dicek.", "target": "row", "row": "3"},
    )
    assert list(first.comments.values_list("author__username", "target", "row")) == [
        ("walidata", "column", None),
        ("produsen_a", "row", 3),
    ]

    # A corrected version, submitted again: a new submission that points back to the first.
    run2 = upload(produsen, dataset, FIXED, capture)
    with capture(execute=True):
        produsen.post(reverse("workflow:submit_version", args=[run2.version.pk]))
    second = Submission.objects.get(version=run2.version)
    assert (second.state, second.previous) == (S.IN_REVIEW, first)

    # Approve, then publish: exactly as the old direct path, the version is public.
    assert act(walidata, second, "publish").status_code == 403  # not approved yet
    assert act(walidata, second, "approve").status_code == 302
    assert state_of(second) == S.APPROVED
    assert inbox(cast["produsen_a"], "approved").exists()
    with capture(execute=True):
        assert act(walidata, second, "publish").status_code == 302
    assert state_of(second) == S.PUBLISHED
    run2.version.refresh_from_db()
    assert run2.version.is_published and not first.version.is_published
    url = reverse(
        "portal:download_format",
        args=[dataset.slug, run2.version.resource_id, run2.version.number, "csv"],
    )
    assert clients["publik"].get(url).status_code == 200
    assert inbox(cast["produsen_a"], "published").exists()

    # Withdrawn with a public reason: gone from the catalog, the reason stays at its address.
    withdraw_url = reverse("workflow:withdraw", args=[dataset.slug])
    assert withdraw_url in walidata.get(dataset.get_absolute_url()).content.decode()
    assert withdraw_url not in produsen.get(dataset.get_absolute_url()).content.decode()
    assert produsen.post(withdraw_url, {"reason": "x" * 40}).status_code == 403
    assert walidata.post(withdraw_url, {"reason": "terlalu pendek"}).status_code == 400
    reason = "Angka 2024 sedang dihitung ulang oleh Dinas Kesehatan setelah verifikasi lapangan."
    assert walidata.post(withdraw_url, {"reason": reason}).status_code == 302
    dataset.refresh_from_db()
    assert dataset.state == State.WITHDRAWN
    public = clients["publik"].get(dataset.get_absolute_url())
    assert public.status_code == 410 and reason in public.content.decode()
    assert clients["publik"].get(url).status_code == 404
    assert reason in produsen.get(dataset.get_absolute_url()).content.decode()
    assert inbox(cast["produsen_a"], "withdrawn").exists()
    assert Dataset.objects.filter(pk=dataset.pk).exists() and second.version.pk  # nothing deleted

    actions = list(
        AuditEvent.objects.filter(
            action__in=[
                "submission.create",
                "submission.submit",
                "submission.return",
                "submission.approve",
                "submission.publish",
                "dataset.withdraw",
                "comment.create",
                "version.publish",
            ]
        )
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "submission.create",
        "submission.submit",
        "comment.create",
        "submission.return",
        "comment.create",
        "submission.create",
        "submission.submit",
        "submission.approve",
        "version.publish",
        "submission.publish",
        "dataset.withdraw",
    ]
    assert verify_chain() == (True, None)


def test_data_prioritas_with_a_walidata_pendukung_and_the_pembina(people, clients, catalog):
    from .conftest import new_version

    dataset = catalog["open"]
    Dataset.objects.filter(pk=dataset.pk).update(is_priority=True)
    version = new_version(dataset, people["produsen_a"])
    clients["produsen_a"].post(reverse("workflow:submit_version", args=[version.pk]))
    submission = Submission.objects.get(version=version)
    assert submission.state == S.SUBMITTED  # waits for the OPD's Walidata Pendukung
    assert inbox(people["pendukung_a"], "submitted").count() == 1
    assert act(clients["walidata"], submission, "approve").status_code == 403  # not its turn
    mine = (
        clients["pendukung_a"]
        .get(reverse("workflow:queue"))
        .content.decode()
        .split("Sedang berjalan")[0]
    )
    assert submission.get_absolute_url() in mine

    assert act(clients["pendukung_a"], submission, "precheck").status_code == 302
    assert state_of(submission) == S.IN_REVIEW
    assert act(clients["pembina"], submission, "supervisor_approve").status_code == 403
    assert act(clients["walidata"], submission, "approve").status_code == 302
    assert state_of(submission) == S.SUPERVISOR_REVIEW  # Data Prioritas: the Pembina re-checks
    assert inbox(people["pembina"], "approved").count() == 1
    assert act(clients["walidata"], submission, "publish").status_code == 403

    # The Pembina returns it; the Walidata hears of it too; the Produsen submits the same version again.
    assert (
        act(
            clients["pembina"],
            submission,
            "return",
            text="Definisi indikator belum sesuai standar BPS.",
        ).status_code
        == 302
    )
    assert state_of(submission) == S.RETURNED
    assert inbox(people["walidata"], "returned").count() == 1
    assert Comment.objects.get(submission=submission).author_role == "supervisor"
    assert act(clients["produsen_a"], submission, "submit").status_code == 302
    assert state_of(submission) == S.SUBMITTED
    for client, name, after in [
        ("pendukung_a", "precheck", S.IN_REVIEW),
        ("walidata", "approve", S.SUPERVISOR_REVIEW),
        ("pembina", "supervisor_approve", S.APPROVED),
        ("walidata", "publish", S.PUBLISHED),
    ]:
        assert act(clients[client], submission, name).status_code == 302
        assert state_of(submission) == after, name
    version.refresh_from_db()
    assert version.is_published
    assert AuditEvent.objects.filter(
        action="submission.supervisor_approve", actor=people["pembina"]
    ).exists()


def test_publishing_makes_a_draft_dataset_terbit(people, clients, catalog):
    from .conftest import new_version

    dataset = catalog["draft"]
    version = new_version(dataset, people["produsen_a"])
    clients["produsen_a"].post(reverse("workflow:submit_version", args=[version.pk]))
    submission = Submission.objects.get(version=version)
    for client, name in [
        ("pendukung_a", "precheck"),
        ("walidata", "approve"),
        ("walidata", "publish"),
    ]:
        act(clients[client], submission, name)
    dataset.refresh_from_db()
    assert (state_of(submission), dataset.state) == (S.PUBLISHED, State.PUBLISHED)
    assert clients["publik"].get(dataset.get_absolute_url()).status_code == 200


def test_the_pembina_does_not_see_ordinary_submissions(people, clients, catalog):
    from .conftest import new_version

    version = new_version(catalog["open"], people["produsen_a"])
    clients["produsen_a"].post(reverse("workflow:submit_version", args=[version.pk]))
    submission = Submission.objects.get(version=version)
    assert clients["pembina"].get(submission.get_absolute_url()).status_code == 404
    assert clients["pimpinan"].get(submission.get_absolute_url()).status_code == 404
    assert clients["produsen_b"].get(submission.get_absolute_url()).status_code == 404
    assert clients["publik"].get(reverse("workflow:queue")).status_code == 404


def test_only_a_withdrawn_terbuka_dataset_shows_its_reason_to_the_public(people, clients, catalog):
    from satudata.workflow import transitions

    reason = "Data ditarik karena metode pengumpulan sedang ditinjau ulang."
    for kind in ("open", "restricted"):
        transitions.withdraw(catalog[kind], reason, actor=people["walidata"])
    open_page = clients["publik"].get(catalog["open"].get_absolute_url())
    assert open_page.status_code == 410 and reason in open_page.content.decode()
    assert b"<script" not in open_page.content
    assert clients["publik"].get(catalog["restricted"].get_absolute_url()).status_code == 404
    assert clients["pimpinan"].get(catalog["restricted"].get_absolute_url()).status_code == 404
    assert (
        reason
        in clients["produsen_a"].get(catalog["restricted"].get_absolute_url()).content.decode()
    )
    assert clients["publik"].get(catalog["draft"].get_absolute_url()).status_code == 404
