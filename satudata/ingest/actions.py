"""Upload, processing, publication and personal-data overrides of resource versions."""

import logging
import os
import shutil
import socket
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path, PurePath

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from satudata.audit.actions import record
from satudata.audit.constants import AuditAction
from satudata.catalog.actions import format_of, refresh_search_document, touch_modified
from satudata.catalog.constants import Access
from satudata.catalog.models import Resource, ResourceVersion
from satudata.catalog.versions import metadata_snapshot
from satudata.lib import filestore
from satudata.signing.actions import sign_release

from .constants import MAX_STORED_PROBLEMS, STAGE_START, RunStatus, Stage
from .models import IngestRun, PiiOverride, RunProblem
from .problems import Problem, Severity

log = logging.getLogger(__name__)


class UploadRefused(Exception):
    """An upload refused before it is stored (too large, empty); the message is for the user."""


class PublishRefused(Exception):
    """A version that may not be published yet; the message says why, in Indonesian."""


def store_upload(stream, original_name, *, max_bytes, encrypt=False):
    """Store an upload durably, refusing it once it passes max_bytes (counted while streaming).

    encrypt: the dataset is Terbatas or Tertutup, so the file is encrypted at rest.
    """

    class Capped:
        def __init__(self, raw):
            self.raw = raw
            self.seen = 0

        def read(self, n=-1):
            chunk = self.raw.read(n)
            self.seen += len(chunk)
            if self.seen > max_bytes:
                raise UploadRefused(
                    _("Berkas terlalu besar: batasnya %(mb)s MB.")
                    % {"mb": max_bytes // (1024 * 1024)}
                )
            return chunk

    stored = filestore.put(Capped(stream), encrypt=encrypt)
    if stored.size == 0:
        raise UploadRefused(
            _("Berkas kosong. Pilih berkas CSV, XLSX, XLS, ODS atau JSON yang berisi data.")
        )
    return stored


def start_upload(
    resource: Resource, stream, original_name: str, *, actor, request=None
) -> IngestRun:
    """Keep the file durably, then record the run and queue its processing after commit.

    The file is fsync'd into the store before the run row exists, so an acknowledged
    upload is never lost; a crash between the two leaves only an unreferenced file.
    """
    stored = store_upload(
        stream,
        original_name,
        max_bytes=settings.UPLOAD_MAX_BYTES,
        encrypt=resource.dataset.access != Access.OPEN,
    )
    with transaction.atomic():
        run = IngestRun.objects.create(
            resource=resource,
            file_key=stored.key,
            size=stored.size,
            original_name=PurePath(original_name).name[:255] or "unggahan",
            uploaded_by=actor if actor is not None and actor.is_authenticated else None,
        )
        record(
            AuditAction.UPLOAD,
            run,
            actor=actor,
            request=request,
            after={
                "resource": resource.pk,
                "file": run.original_name,
                "sha256": stored.key,
                "size": stored.size,
            },
        )
        transaction.on_commit(lambda: enqueue(run))
    return run


def ingest_now(
    resource: Resource, data: bytes, original_name: str, *, actor, published_at=None
) -> IngestRun:
    """Store and process a file in this process, for loaders (the demo); optionally publish it.

    Publication here skips the Walidata step on purpose: a loader's files are public from the
    start, like the rest of what it loads.
    """
    import io

    stored = store_upload(
        io.BytesIO(data),
        original_name,
        max_bytes=settings.UPLOAD_MAX_BYTES,
        encrypt=resource.dataset.access != Access.OPEN,
    )
    run = IngestRun.objects.create(
        resource=resource,
        file_key=stored.key,
        size=stored.size,
        original_name=original_name,
        uploaded_by=actor,
    )
    run = process_run(run.pk)
    if run.version is not None and published_at is not None:
        metadata = metadata_snapshot(resource.dataset)
        ResourceVersion.objects.filter(pk=run.version.pk).update(
            published_at=published_at, metadata=metadata
        )
        touch_modified(resource.dataset_id, published_at)
        run.version.published_at, run.version.metadata = published_at, metadata
    return run


def enqueue(run):
    from .tasks import process_upload

    process_upload.enqueue(run.pk)


class Progress:
    """Writes a run's stage and percent, at most about twice a second."""

    def __init__(self, run):
        self.run = run
        self.last = 0.0

    def stage(self, stage):
        self.set(stage, STAGE_START[stage], force=True)

    def within(self, stage, next_stage):
        start, end = STAGE_START[stage], STAGE_START[next_stage]

        def report(fraction):
            self.set(stage, start + (end - start) * max(0.0, min(1.0, fraction)))

        return report

    def set(self, stage, percent, force=False):
        now = time.monotonic()
        if not force and now - self.last < 0.5:
            return
        self.last = now
        IngestRun.objects.filter(pk=self.run.pk).update(stage=stage, percent=int(percent))


def process_run(run_id: int):
    """Process one upload; safe to call again (a finished run is left as it is)."""
    with transaction.atomic():
        run = (
            IngestRun.objects.select_for_update().select_related("resource__dataset").get(pk=run_id)
        )
        if run.is_finished:
            return run
        run.status = RunStatus.RUNNING
        run.started_at = timezone.now()
        run.worker = f"{socket.gethostname()}:{os.getpid()}"
        run.attempts += 1
        run.save(update_fields=["status", "started_at", "worker", "attempts"])
    workdir = Path(tempfile.mkdtemp(prefix=f"run-{run.pk}-", dir=_tmp_root()))
    try:
        outcome = _pipeline(run, workdir)
    except Exception as error:  # noqa: BLE001 - any failure ends as a clear, stored failure
        log.exception("ingest run %s failed", run.pk)
        outcome = _failure(run, error)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return outcome


def _tmp_root():
    root = Path(settings.VAR_DIR) / "tmp"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _pipeline(run, workdir):
    from . import read

    progress = Progress(run)
    # the upload itself, or a decrypted copy in workdir (removed with it) when encrypted at rest
    source = filestore.plain_copy(run.file_key, workdir)
    encrypt = run.resource.dataset.access != Access.OPEN
    progress.stage(Stage.READING)
    with parts_scan(source, run.original_name) as parts_findings:
        try:
            sheets = read.read_upload(
                source,
                run.original_name,
                workdir,
                limits=_limits(),
                progress=progress.within(Stage.READING, Stage.SCHEMA),
            )
        except read.UnreadableFile as unreadable:
            return _finish(run, [unreadable.problem], status=RunStatus.NEEDS_FIX)
        return _checked(run, workdir, sheets, parts_findings, progress, encrypt)


def _checked(run, workdir, sheets, parts_findings, progress, encrypt):
    """The pipeline once the upload is read: schema, checks, report, downloads, the run's end."""
    from . import convert, report, schema
    from .reference import RegionReference

    problems = [p for sheet in sheets for p in sheet.problems]
    main = _main_sheet(sheets)
    if main is None:
        problems.append(
            Problem(
                code="file.no_data",
                severity=Severity.ERROR,
                message=_("Tidak ada tabel berisi data di berkas ini."),
                hint=_(
                    "Pastikan lembar pertama berisi satu baris judul kolom dan baris-baris data di bawahnya."
                ),
            )
        )
        return _finish(run, problems, status=RunStatus.NEEDS_FIX)

    progress.stage(Stage.SCHEMA)
    regions = RegionReference.from_database()
    contract = run.resource.schema
    table_schema = schema.infer_schema(main, regions)
    if contract.get("fields"):
        table_schema = schema.merge_schema(contract, table_schema)

    progress.stage(Stage.VALIDATING)
    result, findings = check_sheets(
        sheets, main, table_schema, regions, workdir,
        progress=progress.within(Stage.VALIDATING, Stage.PII),
        on_validated=lambda: progress.stage(Stage.PII),
    )  # fmt: skip
    problems.extend(result.problems)
    findings.extend(parts_findings())
    problems.extend(findings)

    progress.stage(Stage.STORING)
    report_path = workdir / "laporan.xlsx"
    report.problems_xlsx(main, problems, report_path)
    with open(report_path, "rb") as f:
        report_key = filestore.put(f, encrypt=encrypt).key
    blocking = [
        p for p in problems if p.severity == Severity.ERROR and not p.code.startswith("pii.")
    ]
    if blocking:
        return _finish(
            run,
            problems,
            status=RunStatus.NEEDS_FIX,
            sheet=main,
            rows=result.row_count,
            table_schema=table_schema,
            report_key=report_key,
        )
    downloads = {}
    for fmt, path in convert.write_downloads(result.typed_path, table_schema, workdir).items():
        with open(path, "rb") as f:
            stored = filestore.put(f, encrypt=encrypt)
        downloads[fmt] = {"key": stored.key, "size": stored.size}
    return _finish(
        run,
        problems,
        status=RunStatus.SUCCEEDED,
        sheet=main,
        rows=result.row_count,
        table_schema=table_schema,
        report_key=report_key,
        downloads=downloads,
        findings=findings,
    )


def check_sheets(sheets, main, table_schema, regions, workdir, *, progress=None, on_validated=None):
    """Validate the main sheet and scan every sheet for personal data, side by side.

    The guard reads the sheets' Parquet files while DuckDB validates: both release the GIL, so
    the scan costs little wall time. Returns (ValidationResult, personal-data findings).
    """
    from . import pii, validate
    from .read import paused_gc

    with paused_gc(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="pii") as pool:
        scanning = pool.submit(
            _in_language,
            translation.get_language(),
            lambda: [f for sheet in sheets for f in pii.scan_sheet(sheet)],
        )
        result = validate.validate(main, table_schema, regions, workdir, progress=progress)
        if on_validated is not None:
            on_validated()
        return result, scanning.result()


@contextmanager
def parts_scan(source, filename):
    """The guard over the parts of an XLSX that are not sheets (``xlsx_parts``), in a thread
    beside reading and checking the sheets: most of it is unzipping, which releases the GIL.
    Yields a function that waits for its findings ([] for other formats)."""
    if format_of(filename)[0] != "XLSX":
        yield list
        return
    from . import xlsx_parts

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="xlsx-parts") as pool:
        scanning = pool.submit(
            _in_language, translation.get_language(), lambda: xlsx_parts.scan_xlsx_parts(source)
        )
        yield scanning.result


def _in_language(language, work):
    # the active language is per thread: messages made in a helper thread use the caller's
    with translation.override(language):
        return work()


def _limits():
    from .read import Limits

    return Limits(max_bytes=settings.UPLOAD_MAX_BYTES)


def _main_sheet(sheets):
    """The table a version is made of: the first visible sheet with rows."""
    for sheet in sheets:
        if not sheet.hidden and sheet.row_count > 0 and sheet.header:
            return sheet
    return None


def _finish(
    run,
    problems,
    *,
    status,
    sheet=None,
    rows=None,
    table_schema=None,
    report_key="",
    downloads=None,
    findings=(),
):
    errors = sum(1 for p in problems if p.severity == Severity.ERROR)
    warnings = sum(1 for p in problems if p.severity != Severity.ERROR)
    counts = {}
    for p in problems:
        counts[p.code] = counts.get(p.code, 0) + (p.count or 1)
    with transaction.atomic():
        run = IngestRun.objects.select_for_update().get(pk=run.pk)
        if run.is_finished:  # another worker finished it meanwhile
            return run
        RunProblem.objects.filter(run=run).delete()
        RunProblem.objects.bulk_create(
            [_problem_row(run, p) for p in _ordered(problems)[:MAX_STORED_PROBLEMS]], batch_size=500
        )
        run.status = status
        run.stage = Stage.DONE
        run.percent = 100
        run.finished_at = timezone.now()
        run.sheet = sheet.name if sheet else ""
        run.row_count = rows
        run.error_count = errors
        run.warning_count = warnings
        run.pii_count = len(findings)
        run.counts_by_code = counts
        run.schema = table_schema or {}
        run.report_key = report_key
        if status == RunStatus.SUCCEEDED:
            run.version = _new_version(run, table_schema, downloads, findings)
        if table_schema and not run.resource.schema.get("fields"):
            # The first upload's inferred schema becomes the resource's column contract.
            Resource.objects.filter(pk=run.resource_id).update(schema=table_schema)
        run.save()
    return run


def _ordered(problems):
    # PII first, then errors, then warnings, each in file order.
    def key(p):
        return (
            not p.code.startswith("pii."),
            p.severity != Severity.ERROR,
            p.sheet,
            p.row or 0,
            p.column_index or 0,
        )

    return sorted(problems, key=key)


def _problem_row(run, p):
    return RunProblem(
        run=run,
        code=p.code[:50],
        severity=p.severity,
        message=p.message,
        hint=p.hint,
        sheet=(p.sheet or "")[:255],
        row=p.row,
        column=(p.column or "")[:1000],
        column_index=p.column_index,
        value=(p.value or "")[:100],
        count=p.count or 1,
        extra=p.extra or {},
    )


def _new_version(run, table_schema, downloads, findings):
    resource = Resource.objects.select_for_update().get(pk=run.resource_id)
    number = (resource.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    fmt, media_type = format_of(run.original_name)
    version = ResourceVersion.objects.create(
        resource=resource,
        number=number,
        file_key=run.file_key,
        sha256=run.file_key,
        size=run.size,
        original_name=run.original_name,
        format=fmt,
        media_type=media_type,
        row_count=run.row_count,
        schema=table_schema,
        parquet_key=downloads.get("parquet", {}).get("key", ""),
        downloads=downloads,
        pii_findings=[
            {
                "column": f.column,
                "sheet": f.sheet,
                "code": f.code,
                "severity": f.severity,
                "message": f.message,
            }
            for f in findings
        ],
        metadata=metadata_snapshot(resource.dataset),
        created_by=run.uploaded_by,
    )
    record(
        AuditAction.VERSION_CREATE,
        version,
        actor=run.uploaded_by,
        after={
            "number": number,
            "sha256": run.file_key,
            "rows": run.row_count,
            "pii_findings": len(findings),
        },
    )
    refresh_search_document(resource.dataset)
    return version


def _failure(run, error):
    problem = Problem(
        code="run.failed",
        severity=Severity.ERROR,
        message=_("Pemrosesan berkas gagal karena kesalahan di sistem, bukan di berkas Anda."),
        hint=_(
            "Coba unggah lagi. Bila terus gagal, hubungi Walidata dengan menyebut nomor proses ini."
        ),
        extra={"detail": repr(error)[:500]},
    )
    run = _finish(run, [problem], status=RunStatus.FAILED)
    IngestRun.objects.filter(pk=run.pk).update(failure=repr(error)[:2000])
    return run


# --- publication and the personal-data guard -------------------------------------------------


def pii_blocks(version):
    """True when the personal-data guard stops this version from being published."""
    # Warnings (hidden sheets, office addresses, names) are shown to the Walidata but do not block.
    return (
        version.resource.dataset.access == Access.OPEN
        and any(f.get("severity") == Severity.ERROR for f in version.pii_findings)
        and not version.pii_overrides.exists()
    )


def publish_version(version, *, actor, request=None):
    if version.is_published:
        return version
    if pii_blocks(version):
        raise PublishRefused(
            _(
                "Versi ini memuat data pribadi (%(columns)s). Hapus, agregasikan atau samarkan kolom "
                "tersebut dan unggah ulang, atau Walidata mencatat pengecualian tertulis."
            )
            % {
                "columns": ", ".join(
                    sorted(
                        {
                            f["column"] or f["sheet"]
                            for f in version.pii_findings
                            if f.get("severity") == "error"
                        }
                    )
                )
            }
        )
    with transaction.atomic():
        now = timezone.now()
        # published_at is the one field of a version that changes, once: the content never does.
        # So is the metadata snapshot: replaced by the dataset's metadata at publication.
        metadata = metadata_snapshot(version.resource.dataset)
        ResourceVersion.objects.filter(pk=version.pk, published_at__isnull=True).update(
            published_at=now, metadata=metadata
        )
        touch_modified(version.resource.dataset_id, now)
        version.published_at, version.metadata = now, metadata
        record(
            AuditAction.VERSION_PUBLISH,
            version,
            actor=actor,
            request=request,
            after={"published_at": now.isoformat()},
        )
        sign_release(
            version, actor=actor, request=request
        )  # the signed manifest (docs/security.md)
    return version


def override_pii(version, reason, *, actor, request=None):
    reason = (reason or "").strip()
    if len(reason) < 20:
        raise PublishRefused(
            _("Tuliskan alasan pengecualian dengan jelas (paling sedikit 20 karakter).")
        )
    with transaction.atomic():
        override = PiiOverride.objects.create(version=version, reason=reason, decided_by=actor)
        record(
            AuditAction.PII_OVERRIDE,
            version,
            actor=actor,
            request=request,
            before={"pii_findings": version.pii_findings},
            reason=reason,
        )
    return override


# --- the column contract -----------------------------------------------------------------------

MS_VAR_KEYS = ("definition", "unit", "measure", "classification")
# Field keys the editor sets (or that schema_from_form carries); any other key of a field, such as
# a description that came with an imported contract, is kept as it was.
_EDITED_KEYS = {"name", "type", "title", "format", "constraints", *MS_VAR_KEYS}


def schema_with_edits(schema, columns, table=None):
    """The schema with a Produsen's edits applied, checked; raises schema.SchemaError.

    ``columns`` are the cleaned data of the editor's column forms, one per field of ``schema``
    in the same order (keys as in forms.ColumnForm); ``table`` holds ``missing_values`` (text,
    one per line or comma-separated). Nothing of the edit is kept when a check fails: the
    caller shows ``SchemaError.details`` next to the inputs. A region-code column stays text:
    choosing another type is refused with a message, never silently changed.
    """
    from .schema import MISSING_VALUES, schema_from_form

    fields = schema.get("fields", [])
    if [c["name"] for c in columns] != [f.get("name") for f in fields]:
        raise ValueError("the edited columns do not match the schema's fields")
    raw_fields = []
    for field, edit in zip(fields, columns, strict=True):
        kind = edit["type"]
        raw = {
            k: v
            for k, v in field.items()
            if k.startswith("satudata:") or k in ("trueValues", "falseValues")
        }
        raw.update(
            name=field["name"],
            type=kind,
            title=edit.get("title") or "",
            format=(edit.get("format") or "") if kind == "date" else "",
            required=bool(edit.get("required")) or bool(edit.get("primary_key")),
            unique=bool(edit.get("unique")),
            enum=edit.get("enum") or "",
            pattern=edit.get("pattern") or "",
            minimum=edit.get("minimum") or "",
            maximum=edit.get("maximum") or "",
            **{key: edit.get(key) or "" for key in MS_VAR_KEYS},
        )
        raw_fields.append(raw)
    if table is None:
        missing = schema.get("missingValues", list(MISSING_VALUES))
    else:
        missing = table.get("missing_values") or ""
    data = {
        "fields": raw_fields,
        "primaryKey": [c["name"] for c in columns if c.get("primary_key")],
        "missingValues": missing,
    }
    edited = schema_from_form(data)
    for field, new in zip(fields, edited["fields"], strict=True):
        for key, value in field.items():
            if key not in _EDITED_KEYS and key not in new and not key.startswith("satudata:"):
                new[key] = value
    kept = {
        k: v
        for k, v in schema.items()
        if k not in ("fields", "primaryKey", "missingValues", "satudata:absent_fields")
    }
    return {**kept, **edited, "primaryKey": edited.get("primaryKey", [])}


def rerun_with_schema(run, new_schema, *, actor, request=None):
    """Save the edited contract and check the resource's latest upload again against it."""
    resource = run.resource
    with transaction.atomic():
        before = resource.schema
        Resource.objects.filter(pk=resource.pk).update(schema=new_schema)
        resource.schema = new_schema
        record(
            AuditAction.SCHEMA_CHANGE,
            resource,
            actor=actor,
            request=request,
            before=before,
            after=new_schema,
        )
        rerun = IngestRun.objects.create(
            resource=resource,
            file_key=run.file_key,
            size=run.size,
            original_name=run.original_name,
            uploaded_by=actor,
        )
        transaction.on_commit(lambda: enqueue(rerun))
    return rerun


def code_lists():
    """Code lists offered as dropdowns in templates: the home province's kab/kota."""
    from satudata.regions.constants import Level
    from satudata.regions.models import Region

    regencies = Region.objects.filter(parent_id=settings.HOME_REGION, level=Level.REGENCY).order_by(
        "code"
    )
    return {"region_code": [(r.code, r.name) for r in regencies]}
