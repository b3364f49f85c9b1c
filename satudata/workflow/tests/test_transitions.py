"""Who may take which transition in which state, and the guards around them."""

import pytest
from django.urls import reverse

from conftest import client_for, make_user
from satudata.accounts.constants import Role
from satudata.audit.models import AuditEvent
from satudata.catalog.constants import State
from satudata.catalog.models import Dataset, ResourceVersion
from satudata.workflow import transitions
from satudata.workflow.constants import SubmissionState as S
from satudata.workflow.models import Submission, Withdrawal

from .conftest import new_version

ROLES = [
    "produsen_a",
    "produsen_b",
    "pendukung_a",
    "walidata",
    "pembina",
    "pimpinan",
    "admin",
    "publik",
]

# The only (state, transition, role) combinations that may succeed.
ALLOWED = {
    (S.DRAFT, "submit", "produsen_a"),
    (S.RETURNED, "submit", "produsen_a"),
    (S.SUBMITTED, "precheck", "pendukung_a"),
    (S.SUBMITTED, "return", "pendukung_a"),
    (S.IN_REVIEW, "approve", "walidata"),
    (S.IN_REVIEW, "return", "walidata"),
    (S.SUPERVISOR_REVIEW, "supervisor_approve", "pembina"),
    (S.SUPERVISOR_REVIEW, "return", "pembina"),
    (S.APPROVED, "publish", "walidata"),
    (State.PUBLISHED, "withdraw", "walidata"),
}
# Who may see a Data Prioritas submission of OPD A (a refusal is then 403, else 404).
SEES_SUBMISSION = {"produsen_a", "pendukung_a", "walidata", "pembina", "admin"}


def test_every_state_transition_and_role(people, clients, catalog):
    dataset = catalog["open"]
    Dataset.objects.filter(pk=dataset.pk).update(is_priority=True)
    dataset.refresh_from_db()
    # Someone else of OPD A uploaded and submitted it, so no tested role is an author.
    uploader = make_user("produsen_a2", Role.PRODUCER, dataset.organization)
    version = new_version(dataset, uploader)
    submission = Submission.objects.create(
        version=version, dataset=dataset, created_by=uploader, submitted_by=uploader
    )
    names = transitions.TRANSITION_NAMES
    assert set(names) == {
        "submit",
        "precheck",
        "approve",
        "return",
        "supervisor_approve",
        "publish",
    }
    seen, wrong = set(), []
    for state in S.values:
        for name in names:
            for role in ROLES:
                Submission.objects.filter(pk=submission.pk).update(state=state)
                ResourceVersion.objects.filter(pk=version.pk).update(published_at=None)
                events = AuditEvent.objects.count()
                data = {"text": "Mohon perbaiki kolom jumlah."} if name == "return" else {}
                status = (
                    clients[role]
                    .post(reverse("workflow:transition", args=[submission.pk, name]), data)
                    .status_code
                )
                after = Submission.objects.get(pk=submission.pk).state
                if (state, name, role) in ALLOWED:
                    seen.add((state, name, role))
                    ok = status == 302 and after != state and AuditEvent.objects.count() > events
                else:
                    expected = 403 if role in SEES_SUBMISSION else 404
                    ok = (
                        status == expected
                        and after == state
                        and AuditEvent.objects.count() == events
                    )
                    version.refresh_from_db()
                    ok = ok and not version.is_published
                if not ok:
                    wrong.append((state, name, role, status, after))
    for state in State.values:
        for role in ROLES:
            Dataset.objects.filter(pk=dataset.pk).update(state=state)
            events = AuditEvent.objects.count()
            url = reverse("workflow:withdraw", args=[dataset.slug])
            status = (
                clients[role]
                .post(url, {"reason": "Alasan penarikan yang cukup panjang untuk publik."})
                .status_code
            )
            after = Dataset.objects.get(pk=dataset.pk).state
            if (state, "withdraw", role) in ALLOWED:
                seen.add((state, "withdraw", role))
                ok = (
                    status == 302
                    and after == State.WITHDRAWN
                    and AuditEvent.objects.count() == events + 1
                )
            else:
                # Published Terbuka: anyone sees the dataset (403); otherwise only OPD A and the Walidata.
                sees = state == State.PUBLISHED or role in {
                    "produsen_a",
                    "pendukung_a",
                    "walidata",
                    "admin",
                }
                ok = (
                    status == (403 if sees else 404)
                    and after == state
                    and AuditEvent.objects.count() == events
                )
            if not ok:
                wrong.append((state, "withdraw", role, status, after))
    assert not wrong
    assert seen == ALLOWED
    assert Withdrawal.objects.count() == 1


@pytest.fixture
def in_review(people, catalog):
    version = new_version(catalog["open"], people["produsen_a"])
    submission = transitions.create(version, actor=people["produsen_a"])
    Submission.objects.filter(pk=submission.pk).update(
        state=S.IN_REVIEW, submitted_by=people["produsen_a"]
    )
    submission.refresh_from_db()
    return submission


def test_nobody_approves_their_own_submission(people, clients, catalog):
    walidata2 = make_user("walidata2", Role.STEWARD)
    # The Walidata uploaded the file, the Produsen submitted it: the Walidata may not approve.
    version = new_version(catalog["open"], people["walidata"])
    clients["produsen_a"].post(reverse("workflow:submit_version", args=[version.pk]))
    submission = Submission.objects.get(version=version)
    assert submission.state == S.SUBMITTED
    transitions.precheck(submission, actor=people["pendukung_a"])
    url = reverse("workflow:transition", args=[submission.pk, "approve"])
    assert clients["walidata"].post(url).status_code == 403
    assert Submission.objects.get(pk=submission.pk).state == S.IN_REVIEW
    assert client_for(walidata2).post(url).status_code == 302
    assert (
        clients["walidata"]
        .post(reverse("workflow:transition", args=[submission.pk, "publish"]))
        .status_code
        == 403
    )
    # A Walidata Pendukung who is also a Produsen and submits does not pre-check it; with no
    # other Walidata Pendukung in the OPD it goes to the Walidata directly.
    both = make_user("dua_peran", Role.PRODUCER, catalog["open"].organization)
    both.memberships.create(role=Role.SUPPORT_STEWARD, organization=catalog["open"].organization)
    people["pendukung_a"].is_active = False
    people["pendukung_a"].save()
    other = new_version(catalog["closed"], both)
    own = transitions.submit(transitions.create(other, actor=both), actor=both)
    assert own.state == S.IN_REVIEW
    Submission.objects.filter(pk=own.pk).update(state=S.SUBMITTED)
    own.refresh_from_db()
    assert (
        transitions.available(own, both) == []
    )  # their own Walidata Pendukung role does not count


def test_personal_data_blocks_until_the_walidata_records_an_override(people, clients, catalog):
    version = new_version(catalog["open"], people["produsen_a"], pii=["nik_penerima"])
    submit_url = reverse("workflow:submit_version", args=[version.pk])
    assert "data pribadi" in clients["produsen_a"].get(submit_url).content.decode()
    response = clients["produsen_a"].post(submit_url, follow=True)
    submission = Submission.objects.get(version=version)
    assert submission.state == S.DRAFT
    assert "nik_penerima" in response.content.decode()
    assert not AuditEvent.objects.filter(action="submission.submit").exists()
    # Only the Walidata records the written exception (the ingest page's form); then it may go on.
    reason = "Kolom berisi nomor uji sintetis yang disepakati untuk pelatihan petugas."
    assert (
        clients["produsen_a"]
        .post(reverse("ingest:override", args=[version.pk]), {"reason": reason})
        .status_code
        == 403
    )
    clients["walidata"].post(reverse("ingest:override", args=[version.pk]), {"reason": reason})
    assert (
        clients["produsen_a"]
        .post(reverse("workflow:transition", args=[submission.pk, "submit"]))
        .status_code
        == 302
    )
    assert Submission.objects.get(pk=submission.pk).state == S.SUBMITTED


def test_personal_data_found_later_stops_the_review_too(people, in_review):
    findings = [
        {"column": "nik", "sheet": "", "code": "pii.nik", "severity": "error", "message": "NIK"}
    ]
    ResourceVersion.objects.filter(pk=in_review.version_id).update(pii_findings=findings)
    in_review.version.refresh_from_db()
    with pytest.raises(transitions.TransitionRefused):
        transitions.approve(in_review, actor=people["walidata"])
    assert Submission.objects.get(pk=in_review.pk).state == S.IN_REVIEW
    # A return needs no override: the Produsen must be able to fix it.
    transitions.return_submission(
        in_review, actor=people["walidata"], comment={"text": "Hapus kolom NIK."}
    )
    assert Submission.objects.get(pk=in_review.pk).state == S.RETURNED


def test_two_walidata_approving_at_once_only_one_wins(people, in_review):
    walidata2 = make_user("walidata2", Role.STEWARD)
    # Both loaded the page in state Ditinjau Walidata; the second acts on its stale copy.
    stale = Submission.objects.select_related("dataset", "version").get(pk=in_review.pk)
    transitions.approve(in_review, actor=people["walidata"])
    with pytest.raises(transitions.TransitionRefused):
        transitions.approve(stale, actor=walidata2)
    with pytest.raises(transitions.TransitionRefused):
        transitions.return_submission(stale, actor=walidata2, comment={"text": "Kembalikan saja."})
    assert Submission.objects.get(pk=in_review.pk).state == S.APPROVED
    assert AuditEvent.objects.filter(action="submission.approve").count() == 1
    assert not AuditEvent.objects.filter(action="submission.return").exists()
    assert not in_review.comments.exists()


def test_the_old_direct_publish_no_longer_skips_review(people, clients, in_review):
    url = reverse("ingest:publish", args=[in_review.version_id])
    assert clients["walidata"].post(url).status_code == 403  # under review, not approved
    transitions.approve(in_review, actor=people["walidata"])
    assert clients["produsen_a"].post(url).status_code == 403
    assert clients["walidata"].post(url).status_code == 302
    assert Submission.objects.get(pk=in_review.pk).state == S.PUBLISHED
    in_review.version.refresh_from_db()
    assert in_review.version.is_published


def test_one_open_submission_per_table(people, clients, in_review, catalog):
    newer = new_version(
        catalog["open"], people["produsen_a"], data=b"kode_wilayah,tahun,jumlah\n53.01,2023,1\n"
    )
    response = clients["produsen_a"].post(
        reverse("workflow:submit_version", args=[newer.pk]), follow=True
    )
    assert "masih punya pengajuan" in response.content.decode()
    assert not Submission.objects.filter(version=newer).exists()
