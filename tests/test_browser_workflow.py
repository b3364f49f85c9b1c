"""The review workflow, role by role, as each person sees it in a real headless Chromium."""

import urllib.request
from pathlib import Path

import pytest

from satudata.lib.browser import dump_dom, screenshot
from satudata.workflow import transitions
from satudata.workflow.constants import SubmissionState
from satudata.workflow.tests.conftest import new_version

OUT = Path(__file__).resolve().parent.parent / "screenshots" / "test"


@pytest.fixture
def signed_in_url(settings, live_server, cast):
    settings.ROOT_URLCONF = "tests.login_urls"

    def url(role, path):
        return f"{live_server.url}/uji-masuk/{cast[role].pk}/?next={urllib.request.quote(path)}"

    return url


@pytest.mark.django_db(transaction=True)
def test_each_role_sees_its_step_of_the_review(signed_in_url, live_server, catalog, cast):
    OUT.mkdir(parents=True, exist_ok=True)
    dataset = catalog["open"]
    version = new_version(dataset, cast["produsen_a"])

    # The Produsen submits; the Walidata finds it in the queue with the buttons to act.
    submission = transitions.create(version, actor=cast["produsen_a"])
    transitions.submit(submission, actor=cast["produsen_a"])
    queue = dump_dom(signed_in_url("walidata", "/kelola/alur/"))
    assert dataset.title in queue
    page_url = signed_in_url("walidata", submission.get_absolute_url())
    page = dump_dom(page_url)
    assert "Setujui" in page and "Kembalikan ke Produsen" in page
    screenshot(page_url, OUT / "pengajuan-walidata.png", width=1280, height=1400)

    # Returned with a comment on a column: the Produsen sees it in the discussion, and no
    # button to approve their own work.
    transitions.return_submission(
        submission,
        actor=cast["walidata"],
        comment={"text": "Kolom jumlah perlu satuan.", "target": "column", "column": "jumlah"},
    )
    own = dump_dom(signed_in_url("produsen_a", submission.get_absolute_url()))
    assert "Kolom jumlah perlu satuan." in own and "Setujui" not in own

    # Resubmitted, approved and published: the public sees the new version on the dataset page.
    transitions.submit(submission, actor=cast["produsen_a"])
    transitions.approve(submission, actor=cast["walidata"])
    transitions.publish(submission, actor=cast["walidata"])
    submission.refresh_from_db()
    assert submission.state == SubmissionState.PUBLISHED
    public = dump_dom(live_server.url + dataset.get_absolute_url())
    assert f"v{version.number}" in public or f"Versi {version.number}" in public
    screenshot(
        live_server.url + dataset.get_absolute_url(),
        OUT / "dataset-terbit.png",
        width=1280,
        height=1400,
    )
