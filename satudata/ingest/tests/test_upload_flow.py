"""Uploads through the URLs, processed by the (immediate) task backend, with the role cast."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from satudata.audit.actions import verify_chain
from satudata.audit.models import AuditEvent
from satudata.catalog.models import ResourceVersion
from satudata.ingest import actions
from satudata.ingest.constants import RunStatus
from satudata.ingest.models import IngestRun
from satudata.ingest.synthetic import IdentifierFactory

CLEAN = (
    b"kode_wilayah,nama_wilayah,tahun,jumlah\n"
    b"53.01,Kabupaten Kupang,2023,120\n"
    b"53.10,Kabupaten Manggarai,2023,95\n"
    b"53.71,Kota Kupang,2023,210\n"
    b"53.01,Kabupaten Kupang,2024,130\n"
    b"53.10,Kabupaten Manggarai,2024,99\n"
    b"53.71,Kota Kupang,2024,220\n"
)


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def upload(client, dataset, data, name="data.csv", resource=None, capture=None):
    resource = resource or dataset.resources.get()
    payload = {"resource": str(resource.pk), "file": io.BytesIO(data)}
    payload["file"].name = name
    with capture(execute=True):
        return client.post(reverse("ingest:upload", args=[dataset.slug]), payload)


def last_run():
    return IngestRun.objects.order_by("-id").first()


def review_and_publish(clients, version, reviewer="walidata"):
    """Publication goes through review (satudata/workflow): submit, approve, then "Terbitkan"."""
    from satudata.workflow.models import Submission

    clients["produsen_a"].post(reverse("workflow:submit_version", args=[version.pk]))
    submission = Submission.objects.get(version=version)
    clients[reviewer].post(reverse("workflow:transition", args=[submission.pk, "approve"]))
    return clients[reviewer].post(reverse("ingest:publish", args=[version.pk]))


def test_it_processes_an_upload_into_an_unpublished_version(
    clients, catalog, django_capture_on_commit_callbacks
):
    dataset = catalog["open"]
    response = upload(
        clients["produsen_a"], dataset, CLEAN, capture=django_capture_on_commit_callbacks
    )
    run = last_run()
    assert response.status_code == 302 and response["Location"] == reverse(
        "ingest:run", args=[run.pk]
    )
    assert run.status == RunStatus.SUCCEEDED, list(run.problems.values_list("code", "message"))
    version = run.version
    assert (version.number, version.row_count, version.is_published) == (2, 6, False)
    assert set(version.downloads) >= {"csv", "xlsx", "json", "parquet"}
    # The public still sees version 1 only; the owning OPD sees version 2 waiting.
    public = clients["publik"].get(dataset.get_absolute_url()).content.decode()
    assert "v2/unduh" not in public
    owner = clients["produsen_a"].get(dataset.get_absolute_url()).content.decode()
    assert "belum terbit" in owner
    url = reverse("portal:download_format", args=[dataset.slug, version.resource_id, 2, "csv"])
    assert clients["publik"].get(url).status_code == 404
    assert clients["produsen_a"].get(url).status_code == 200
    # The Walidata cannot publish it without review; reviewed and published, everyone can download it.
    assert clients["walidata"].post(reverse("ingest:publish", args=[version.pk])).status_code == 403
    assert review_and_publish(clients, version).status_code == 302
    for fmt in ("csv", "xlsx", "json", "parquet"):
        url = reverse("portal:download_format", args=[dataset.slug, version.resource_id, 2, fmt])
        response = clients["publik"].get(url)
        assert response.status_code == 200
        body = b"".join(response.streaming_content)
        if fmt == "csv":
            assert b"53.10" in body
    page = clients["publik"].get(run.resource.dataset.get_absolute_url()).content.decode()
    assert "53.10" in page and "Kabupaten Manggarai" in page


def test_it_shows_the_run_page_with_progress_while_waiting(clients, catalog):
    run = IngestRun.objects.create(
        resource=catalog["open"].resources.get(),
        file_key="0" * 64,
        size=1,
        original_name="x.csv",
        percent=40,
        status=RunStatus.RUNNING,
        stage="validating",
    )
    page = clients["produsen_a"].get(reverse("ingest:run", args=[run.pk])).content.decode()
    assert '<progress id="bar" max="100" value="40">' in page
    assert '<meta http-equiv="refresh" content="2">' in page  # inside <noscript>
    status = clients["produsen_a"].get(reverse("ingest:run_status", args=[run.pk])).json()
    assert status == {**status, "percent": 40, "finished": False, "stage": "validating"}
    assert clients["produsen_b"].get(reverse("ingest:run", args=[run.pk])).status_code == 404
    assert clients["publik"].get(reverse("ingest:run_status", args=[run.pk])).status_code == 404


@pytest.mark.parametrize(
    "role,kind,status",
    [
        ("produsen_b", "closed", 404),
        ("produsen_b", "open", 403),
        ("publik", "open", 403),
        ("pimpinan", "restricted", 403),
        ("walidata", "closed", 200),
        ("produsen_a", "closed", 200),
    ],
)
def test_only_the_owning_opd_and_walidata_may_upload(clients, catalog, role, kind, status):
    assert (
        clients[role].get(reverse("ingest:upload", args=[catalog[kind].slug])).status_code == status
    )


def test_a_bad_file_changes_nothing_published(clients, catalog, django_capture_on_commit_callbacks):
    dataset = catalog["open"]
    before = list(ResourceVersion.objects.values_list("pk", "published_at"))
    upload(
        clients["produsen_a"],
        dataset,
        b"\x00\x01\x02garbage\xff\xfe" * 50,
        name="data.csv",
        capture=django_capture_on_commit_callbacks,
    )
    run = last_run()
    assert run.status == RunStatus.NEEDS_FIX
    assert run.version is None
    assert list(ResourceVersion.objects.values_list("pk", "published_at")) == before
    page = clients["produsen_a"].get(reverse("ingest:run", args=[run.pk])).content.decode()
    assert "Berkas perlu diperbaiki" in page


def test_it_refuses_an_empty_upload_with_a_clear_message(
    clients, catalog, django_capture_on_commit_callbacks
):
    response = upload(
        clients["produsen_a"], catalog["open"], b"", capture=django_capture_on_commit_callbacks
    )
    assert response.status_code == 400
    assert IngestRun.objects.count() == 0


def test_it_reports_invalid_values_with_row_and_column(
    clients, catalog, django_capture_on_commit_callbacks
):
    dirty = CLEAN + b"53.99,Tidak Ada,20x4,1.234.567\n"
    upload(
        clients["produsen_a"], catalog["open"], dirty, capture=django_capture_on_commit_callbacks
    )
    run = last_run()
    assert run.status == RunStatus.NEEDS_FIX
    problems = list(run.problems.filter(row=8))
    assert problems and {p.column for p in problems} & {"kode_wilayah", "tahun", "jumlah"}
    report = clients["produsen_a"].get(reverse("ingest:run_report", args=[run.pk]))
    assert report.status_code == 200 and b"".join(report.streaming_content)[:2] == b"PK"


def pii_csv(rows=12):
    ids = IdentifierFactory(seed=7)
    lines = ["kode_wilayah,tahun,nik_penerima,jumlah"]
    for i in range(rows):
        lines.append(f"{('53.01', '53.10', '53.71')[i % 3]},{2012 + i},{ids.nik()},{i + 1}")
    return ("\n".join(lines) + "\n").encode()


def test_personal_data_blocks_publication_until_a_written_override(
    clients, cast, catalog, django_capture_on_commit_callbacks
):
    dataset = catalog["open"]
    upload(clients["produsen_a"], dataset, pii_csv(), capture=django_capture_on_commit_callbacks)
    run = last_run()
    assert run.status == RunStatus.SUCCEEDED
    version = run.version
    assert [f["code"] for f in version.pii_findings] == ["pii.nik"]
    page = clients["walidata"].get(reverse("ingest:run", args=[run.pk])).content.decode()
    assert "Data pribadi ditemukan" in page and "nik_penerima" in page
    clients["walidata"].post(reverse("ingest:publish", args=[version.pk]))
    version.refresh_from_db()
    assert not version.is_published
    # Only the Walidata may record an exception, and only with a real reason.
    assert (
        clients["produsen_a"]
        .post(reverse("ingest:override", args=[version.pk]), {"reason": "x" * 30})
        .status_code
        == 403
    )
    clients["walidata"].post(
        reverse("ingest:override", args=[version.pk]), {"reason": "terlalu pendek"}
    )
    assert not version.pii_overrides.exists()
    reason = "Kolom berisi nomor uji sintetis yang disepakati untuk pelatihan petugas."
    clients["walidata"].post(reverse("ingest:override", args=[version.pk]), {"reason": reason})
    event = AuditEvent.objects.get(action="pii.override")
    assert (event.actor, event.reason) == (cast["walidata"], reason)
    review_and_publish(clients, version)
    version.refresh_from_db()
    assert version.is_published
    assert verify_chain() == (True, None)


def test_personal_data_in_a_restricted_dataset_does_not_block(
    clients, catalog, django_capture_on_commit_callbacks
):
    dataset = catalog["restricted"]
    upload(clients["produsen_a"], dataset, pii_csv(), capture=django_capture_on_commit_callbacks)
    version = last_run().version
    assert version.pii_findings and not actions.pii_blocks(version)


def test_nobody_publishes_their_own_upload(clients, catalog, django_capture_on_commit_callbacks):
    from conftest import client_for, make_user
    from satudata.accounts.constants import Role

    upload(clients["walidata"], catalog["open"], CLEAN, capture=django_capture_on_commit_callbacks)
    version = last_run().version
    clients["walidata2"] = client_for(make_user("walidata2", Role.STEWARD))
    assert review_and_publish(clients, version).status_code == 403  # the uploader may not
    assert clients["admin"].post(reverse("ingest:publish", args=[version.pk])).status_code == 403
    assert review_and_publish(clients, version, reviewer="walidata2").status_code == 302
    version.refresh_from_db()
    assert version.is_published


def test_processing_again_is_idempotent_and_a_crash_is_a_clean_failure(
    clients, catalog, monkeypatch, django_capture_on_commit_callbacks
):
    upload(
        clients["produsen_a"], catalog["open"], CLEAN, capture=django_capture_on_commit_callbacks
    )
    run = last_run()
    versions = ResourceVersion.objects.count()
    assert actions.process_run(run.pk).version == run.version
    assert ResourceVersion.objects.count() == versions

    from satudata.ingest import read

    def explode(*args, **kwargs):
        raise RuntimeError("disk hilang")

    monkeypatch.setattr(read, "read_upload", explode)
    upload(
        clients["produsen_a"], catalog["open"], CLEAN, capture=django_capture_on_commit_callbacks
    )
    failed = last_run()
    assert failed.status == RunStatus.FAILED and failed.version is None
    assert "disk hilang" in failed.failure
    assert ResourceVersion.objects.count() == versions


def test_editing_the_schema_keeps_metadata_and_checks_again(
    clients, catalog, django_capture_on_commit_callbacks
):
    dataset = catalog["open"]
    upload(clients["produsen_a"], dataset, CLEAN, capture=django_capture_on_commit_callbacks)
    resource = dataset.resources.get()
    url = reverse("ingest:schema", args=[dataset.slug, resource.pk])
    page = clients["produsen_a"].get(url)
    forms = page.context["formset"].initial
    names = [f["name"] for f in forms]
    assert names == ["kode_wilayah", "nama_wilayah", "tahun", "jumlah"]
    data = {"form-TOTAL_FORMS": len(forms), "form-INITIAL_FORMS": len(forms)}
    for i, f in enumerate(forms):
        for key, value in f.items():
            if value not in (False, None):
                data[f"form-{i}-{key}"] = value
    data["form-3-definition"] = "Banyaknya fasilitas yang aktif pada akhir tahun."
    data["form-3-unit"] = "unit"
    data["tabel-missing_values"] = page.context["table_form"].initial["missing_values"]
    # A region code column must stay text: another type is refused with a message, nothing saved.
    refused = clients["produsen_a"].post(url, {**data, "form-0-type": "integer"})
    assert refused.status_code == 400 and "harus bertipe teks" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = clients["produsen_a"].post(url, data)
    assert response.status_code == 302
    resource.refresh_from_db()
    fields = {f["name"]: f for f in resource.schema["fields"]}
    assert fields["jumlah"]["definition"].startswith("Banyaknya")
    assert fields["kode_wilayah"]["type"] == "string"
    rerun = last_run()
    assert rerun.status == RunStatus.SUCCEEDED
    assert {f["name"]: f for f in rerun.version.schema["fields"]}["jumlah"]["unit"] == "unit"
    assert AuditEvent.objects.filter(action="schema.change").exists()
    assert clients["produsen_b"].post(url, data).status_code == 403


def test_it_offers_a_template_from_the_schema(clients, catalog, django_capture_on_commit_callbacks):
    dataset = catalog["open"]
    upload(clients["produsen_a"], dataset, CLEAN, capture=django_capture_on_commit_callbacks)
    review_and_publish(clients, last_run().version)
    resource = dataset.resources.get()
    csv_template = clients["publik"].get(
        reverse("portal:template", args=[dataset.slug, resource.pk, "csv"])
    )
    assert csv_template.content.decode("utf-8-sig").startswith(
        "kode_wilayah,nama_wilayah,tahun,jumlah"
    )
    xlsx = clients["publik"].get(
        reverse("portal:template", args=[dataset.slug, resource.pk, "xlsx"])
    )
    assert xlsx.content[:2] == b"PK"


def test_it_imports_from_the_command_line(cast, catalog, tmp_path):
    path = tmp_path / "impor.csv"
    path.write_bytes(CLEAN)
    out = io.StringIO()
    call_command(
        "import", str(path), dataset="persentase-penduduk-miskin", user="produsen_a", stdout=out
    )
    assert "Selesai" in out.getvalue()
    with pytest.raises(CommandError):
        call_command(
            "import", str(path), dataset="persentase-penduduk-miskin", user="produsen_b", stdout=out
        )
    with pytest.raises(CommandError):
        call_command(
            "import",
            str(path),
            dataset="persentase-penduduk-miskin",
            user="produsen_a",
            publish=True,
            stdout=out,
        )  # a Produsen may not publish


def basic(username, password):
    import base64

    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def test_integrations_upload_through_the_api(
    client, cast, catalog, django_capture_on_commit_callbacks
):
    from conftest import PASSWORD

    url = reverse("ingest:api_upload", args=[catalog["open"].slug])
    data = io.BytesIO(CLEAN)
    data.name = "dari-sistem-lain.csv"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"file": data}, HTTP_AUTHORIZATION=basic("produsen_a", PASSWORD)
        )
    assert response.status_code == 202, response.content
    run = IngestRun.objects.get(pk=response.json()["run"])
    assert run.status == RunStatus.SUCCEEDED and run.uploaded_by == cast["produsen_a"]
    assert client.post(url, {"file": data}).status_code == 401
    assert (
        client.post(
            url, {"file": data}, HTTP_AUTHORIZATION=basic("produsen_a", "salah")
        ).status_code
        == 401
    )
    data.seek(0)
    assert (
        client.post(
            url, {"file": data}, HTTP_AUTHORIZATION=basic("produsen_b", PASSWORD)
        ).status_code
        == 403
    )
    closed = reverse("ingest:api_upload", args=[catalog["closed"].slug])
    assert (
        client.post(
            closed, {"file": data}, HTTP_AUTHORIZATION=basic("produsen_b", PASSWORD)
        ).status_code
        == 404
    )
