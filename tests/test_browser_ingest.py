"""A Produsen sees the processing progress bar and the problem report in a real Chromium."""

import urllib.request
from pathlib import Path

import pytest

from satudata.ingest.constants import RunStatus, Stage
from satudata.ingest.models import IngestRun, RunProblem
from satudata.lib.browser import dump_dom, screenshot

OUT = Path(__file__).resolve().parent.parent / "screenshots" / "test"


@pytest.fixture
def signed_in_url(settings, live_server, cast):
    settings.ROOT_URLCONF = "tests.login_urls"

    def url(role, path):
        return f"{live_server.url}/uji-masuk/{cast[role].pk}/?next={urllib.request.quote(path)}"

    return url


@pytest.mark.django_db(transaction=True)
def test_it_shows_progress_then_the_problem_report(signed_in_url, catalog):
    OUT.mkdir(parents=True, exist_ok=True)
    resource = catalog["open"].resources.get()
    running = IngestRun.objects.create(
        resource=resource,
        file_key="0" * 64,
        size=10,
        original_name="stunting-2024.xlsx",
        status=RunStatus.RUNNING,
        stage=Stage.VALIDATING,
        percent=55,
    )
    url = signed_in_url("produsen_a", f"/kelola/unggahan/{running.pk}/")
    dom = dump_dom(url)
    assert "stunting-2024.xlsx" in dom and 'value="55"' in dom and "Memeriksa data" in dom
    screenshot(url, OUT / "unggahan-kemajuan.png", width=1280, height=900)

    finished = IngestRun.objects.create(
        resource=resource,
        file_key="0" * 64,
        size=10,
        original_name="stunting-2024.xlsx",
        status=RunStatus.NEEDS_FIX,
        stage=Stage.DONE,
        percent=100,
        error_count=2,
        warning_count=1,
    )
    RunProblem.objects.create(
        run=finished,
        code="type.number",
        severity="error",
        sheet="Data",
        row=14,
        column="persentase",
        message="Nilai '12,5%' bukan angka.",
        hint="Tulis angka saja, misalnya 12.5, tanpa tanda %.",
        value="12,5%",
    )
    RunProblem.objects.create(
        run=finished,
        code="pii.nik",
        severity="error",
        sheet="Data",
        column="nik_ibu",
        message="Kolom 'nik_ibu' berisi NIK: 100% nilainya berbentuk NIK yang sah.",
        hint="Hapus kolom ini, agregasikan, atau samarkan sebelum diajukan.",
    )
    url = signed_in_url("produsen_a", f"/kelola/unggahan/{finished.pk}/")
    dom = dump_dom(url)
    assert (
        "Berkas perlu diperbaiki" in dom and "Baris 14" in dom and "Data pribadi ditemukan" in dom
    )
    screenshot(url, OUT / "unggahan-laporan.png", width=1280, height=1400)
