from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from satudata.accounts.permissions import authorize, can, route
from satudata.audit.actions import record
from satudata.audit.constants import AuditAction
from satudata.catalog.constants import ResourceKind
from satudata.catalog.models import Dataset, Resource, ResourceVersion
from satudata.lib import filestore

from . import actions
from .forms import ColumnFormSet, TableSchemaForm, UploadForm
from .models import IngestRun

ROLE_LABELS = {
    "region_code": gettext_lazy("Kode wilayah"),
    "region_name": gettext_lazy("Nama wilayah"),
    "period": gettext_lazy("Periode"),
    "measure": gettext_lazy("Nilai (ukuran)"),
    "attribute": gettext_lazy("Keterangan"),
}


def _dataset(request, slug, action):
    dataset = get_object_or_404(Dataset.objects.select_related("organization"), slug=slug)
    authorize(request.user, action, dataset)
    return dataset


@route("ingest.manage")
def manage(request):
    authorize(request.user, "ingest.manage")
    datasets = [
        d
        for d in Dataset.objects.visible_to(request.user)
        .select_related("organization")
        .order_by("organization__name", "title")
        if can(request.user, "dataset.upload", d)
    ]
    runs = [
        r
        for r in IngestRun.objects.select_related("resource__dataset", "uploaded_by").order_by(
            "-id"
        )[:200]
        if can(request.user, "ingest.view_run", r)
    ][:20]
    return render(
        request,
        "ingest/manage.html",
        {
            "datasets": datasets,
            "runs": runs,
            "can_create_dataset": can(request.user, "dataset.create"),
        },
    )


@route("dataset.upload")
def upload(request, slug):
    dataset = _dataset(request, slug, "dataset.upload")
    resources = list(dataset.resources.filter(kind=ResourceKind.TABLE))
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        resources=resources,
        initial={"resource": request.GET.get("tabel")},
    )
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        if upload_file.size > settings.UPLOAD_MAX_BYTES:
            form.add_error(
                "file",
                _("Berkas terlalu besar: batasnya %(mb)s MB.")
                % {"mb": settings.UPLOAD_MAX_BYTES // 2**20},
            )
        else:
            with transaction.atomic():
                if form.cleaned_data["resource"] == "new":
                    resource = Resource.objects.create(
                        dataset=dataset,
                        name=form.cleaned_data["new_name"].strip(),
                        kind=ResourceKind.TABLE,
                        position=len(resources),
                    )
                else:
                    resource = get_object_or_404(
                        dataset.resources, pk=form.cleaned_data["resource"]
                    )
                try:
                    run = actions.start_upload(
                        resource, upload_file, upload_file.name, actor=request.user, request=request
                    )
                except actions.UploadRefused as refused:
                    transaction.set_rollback(True)
                    form.add_error("file", str(refused))
                    run = None
            if run is not None:
                if request.headers.get("X-Requested-With") == "fetch":
                    return JsonResponse({"run": reverse("ingest:run", args=[run.pk])})
                return redirect("ingest:run", run.pk)
    return render(
        request,
        "ingest/upload.html",
        {"dataset": dataset, "form": form, "max_mb": settings.UPLOAD_MAX_BYTES // 2**20},
        status=400 if form.errors else 200,
    )


def _basic_auth_user(request):
    """The active user named by an HTTP Basic Authorization header with the right password."""
    import base64
    import binascii

    from django.contrib.auth import authenticate

    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        username, _sep, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return authenticate(request, username=username, password=password)


@csrf_exempt  # no cookies: the caller authenticates every request with its own credentials
@require_POST
@route("dataset.upload")
def api_upload(request, slug):
    """POST a file (multipart field `file`, optional `table`) for integrations; answers JSON."""
    user = _basic_auth_user(request)
    if user is None:
        response = JsonResponse({"error": _("Perlu autentikasi (HTTP Basic).")}, status=401)
        response["WWW-Authenticate"] = 'Basic realm="satudata", charset="UTF-8"'
        return response
    dataset = get_object_or_404(Dataset, slug=slug)
    if not can(user, "dataset.upload", dataset):
        status = 403 if can(user, "dataset.view", dataset) else 404
        return JsonResponse({"error": _("Tidak berhak mengunggah ke dataset ini.")}, status=status)
    upload_file = request.FILES.get("file")
    if upload_file is None:
        return JsonResponse({"error": _("Sertakan berkas pada kolom 'file'.")}, status=400)
    if upload_file.size > settings.UPLOAD_MAX_BYTES:
        return JsonResponse({"error": _("Berkas terlalu besar.")}, status=413)
    table = (request.POST.get("table") or "").strip()[:255]
    with transaction.atomic():
        resource = dataset.resources.filter(
            kind=ResourceKind.TABLE, **({"name": table} if table else {})
        ).first()
        if resource is None:
            resource = Resource.objects.create(
                dataset=dataset,
                name=table or upload_file.name,
                kind=ResourceKind.TABLE,
                position=dataset.resources.count(),
            )
        try:
            run = actions.start_upload(
                resource, upload_file, upload_file.name, actor=user, request=request
            )
        except actions.UploadRefused as refused:
            transaction.set_rollback(True)
            return JsonResponse({"error": str(refused)}, status=400)
    return JsonResponse(
        {
            "run": run.pk,
            "status": run.status,
            "status_url": request.build_absolute_uri(reverse("ingest:run_status", args=[run.pk])),
            "page_url": request.build_absolute_uri(reverse("ingest:run", args=[run.pk])),
        },
        status=202,
    )


def _run(request, pk):
    run = get_object_or_404(
        IngestRun.objects.select_related("resource__dataset", "uploaded_by", "version"), pk=pk
    )
    authorize(request.user, "ingest.view_run", run)
    return run


@never_cache
@route("ingest.view_run")
def run(request, pk):
    run = _run(request, pk)
    problems = list(run.problems.all()[:1000])
    version = run.version
    return render(
        request,
        "ingest/run.html",
        {
            "run": run,
            "dataset": run.resource.dataset,
            "pii": [p for p in problems if p.is_pii],
            "errors": [p for p in problems if not p.is_pii and p.severity == "error"],
            "warnings": [p for p in problems if not p.is_pii and p.severity != "error"],
            "fields": [
                {
                    "name": f.get("name", ""),
                    "type": f.get("type", ""),
                    "role": ROLE_LABELS.get(f.get("satudata:role"), "—"),
                    "unit": f.get("unit", ""),
                }
                for f in run.schema.get("fields", [])
            ],
            "version": version,
            "pii_blocks": version is not None and actions.pii_blocks(version),
            "can_publish": version is not None and can(request.user, "version.publish", version),
            "can_override": version is not None and can(request.user, "pii.override", version),
        },
    )


@never_cache
@route("ingest.view_run")
def run_status(request, pk):
    run = _run(request, pk)
    return JsonResponse(
        {
            "status": run.status,
            "status_label": run.get_status_display(),
            "stage": run.stage,
            "stage_label": run.get_stage_display(),
            "percent": run.percent,
            "finished": run.is_finished,
        }
    )


@route("ingest.view_run")
def run_report(request, pk):
    run = _run(request, pk)
    if not run.report_key:
        raise Http404
    return FileResponse(
        filestore.open_file(run.report_key),
        as_attachment=True,
        filename=f"laporan-pemeriksaan-{run.pk}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _version(request, pk, action):
    version = get_object_or_404(ResourceVersion.objects.select_related("resource__dataset"), pk=pk)
    authorize(request.user, action, version)
    return version


@require_POST
@route("version.publish")
def publish(request, pk):
    version = _version(request, pk, "version.publish")
    from satudata.workflow.transitions import TransitionRefused, publish_approved

    try:  # publication goes through review: only an approved submission's version
        publish_approved(version, actor=request.user, request=request)
        messages.success(request, _("Versi %(n)s diterbitkan.") % {"n": version.number})
    except TransitionRefused as refused:
        messages.error(request, str(refused))
    return redirect(_back(request, version))


@require_POST
@route("pii.override")
def override(request, pk):
    version = _version(request, pk, "pii.override")
    try:
        actions.override_pii(
            version, request.POST.get("reason", ""), actor=request.user, request=request
        )
        messages.success(request, _("Pengecualian data pribadi dicatat di jejak audit."))
    except actions.PublishRefused as refused:
        messages.error(request, str(refused))
    return redirect(_back(request, version))


def _back(request, version):
    run = getattr(version, "ingest_run", None)
    return (
        reverse("ingest:run", args=[run.pk]) if run else version.resource.dataset.get_absolute_url()
    )


def _editable_schema(resource, latest, run):
    """The schema the editor shows: the latest upload's (contract applied to it), else the
    latest version's, else the contract; plus contract columns that upload lacks."""
    schema = next(
        (
            s
            for s in (run.schema if run else None, latest.schema if latest else None)
            if s and s.get("fields")
        ),
        None,
    ) or dict(resource.schema or {})
    names = {f.get("name") for f in schema.get("fields", [])}
    absent = [f for f in (resource.schema or {}).get("fields", []) if f.get("name") not in names]
    if absent:
        schema = {**schema, "fields": [*schema.get("fields", []), *absent]}
    return schema


def _column_initial(field, key):
    constraints = field.get("constraints") or {}
    return {
        "name": field.get("name", ""),
        "title": field.get("title", ""),
        "type": field.get("type", "string"),
        "format": field.get("format", "")
        if field.get("type") == "date" and field.get("format") not in ("default", "%Y-%m-%d")
        else "",
        "required": bool(constraints.get("required")),
        "unique": bool(constraints.get("unique")),
        "primary_key": field.get("name") in key,
        "enum": "\n".join(str(v) for v in constraints.get("enum") or []),
        "pattern": constraints.get("pattern", ""),
        "minimum": str(constraints.get("minimum", "")),
        "maximum": str(constraints.get("maximum", "")),
        **{k: field.get(k, "") for k in actions.MS_VAR_KEYS},
    }


def _show_schema_errors(refused, formset, table_form):
    """Each message of a refused schema next to its input, or at the top of its column."""
    for index, key, message in refused.details:
        if index is None:
            table_form.add_error("missing_values" if key == "missingValues" else None, message)
            continue
        form = formset.forms[index]
        form.add_error(key if key in form.fields and key != "name" else None, message)


@route("dataset.upload")
def edit_schema(request, slug, resource_id):
    from .schema import MISSING_VALUES, SchemaError

    dataset = _dataset(request, slug, "dataset.upload")
    resource = get_object_or_404(dataset.resources, pk=resource_id)
    latest = resource.versions.order_by("-number").first()
    run = resource.ingest_runs.order_by("-id").first()
    schema = _editable_schema(resource, latest, run)
    fields = schema.get("fields", [])
    key = schema.get("primaryKey") or []
    key = [key] if isinstance(key, str) else key
    formset = ColumnFormSet(request.POST or None, initial=[_column_initial(f, key) for f in fields])
    missing = schema.get("missingValues", MISSING_VALUES)
    table_form = TableSchemaForm(
        request.POST or None,
        prefix="tabel",
        initial={"missing_values": "\n".join(m for m in missing if isinstance(m, str) and m)},
    )
    if request.method == "POST":
        valid = formset.is_valid() & table_form.is_valid()  # both, so that every error shows
        if run is None:
            valid = False
            table_form.add_error(
                None, _("Unggah berkas dahulu; skema dibuat dari unggahan pertama.")
            )
        elif valid and [f.cleaned_data.get("name") for f in formset.forms] != [
            f.get("name") for f in fields
        ]:
            valid = False
            table_form.add_error(
                None,
                _(
                    "Daftar kolom berubah sejak halaman ini dibuka. Muat ulang halaman, lalu ubah lagi."
                ),
            )
        if valid:
            try:
                new_schema = actions.schema_with_edits(
                    schema, [f.cleaned_data for f in formset.forms], table_form.cleaned_data
                )
            except SchemaError as refused:
                _show_schema_errors(refused, formset, table_form)
            else:
                rerun = actions.rerun_with_schema(
                    run, new_schema, actor=request.user, request=request
                )
                messages.success(
                    request, _("Skema disimpan; berkas terakhir diperiksa ulang dengan skema baru.")
                )
                return redirect("ingest:run", rerun.pk)
    invalid = request.method == "POST"
    return render(
        request,
        "ingest/schema.html",
        {
            "dataset": dataset,
            "resource": resource,
            "formset": formset,
            "table_form": table_form,
            "columns": list(zip(formset.forms, [_role_label(f) for f in fields], strict=False)),
            "has_upload": run is not None,
            "invalid": invalid,
        },
        status=400 if invalid else 200,
    )


def _role_label(field):
    role = field.get("satudata:role")
    label = ROLE_LABELS.get(role, "")
    if role == "region_code":
        label = _("%(role)s — selalu teks") % {"role": label}
    return label


@route("dataset.view")
def template(request, slug, resource_id, fmt):
    dataset = _dataset(request, slug, "dataset.view")
    resource = get_object_or_404(dataset.resources, pk=resource_id)
    version = next(
        (v for v in resource.versions.order_by("-number") if can(request.user, "version.view", v)),
        None,
    )
    if version is None or not version.schema.get("fields"):
        raise Http404
    from . import template as templates

    if fmt == "csv":
        response = HttpResponse(
            templates.template_csv(version.schema), content_type="text/csv; charset=utf-8"
        )
    else:
        import tempfile

        with tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
            templates.template_xlsx(version.schema, tmp.name, code_lists=actions.code_lists())
            response = HttpResponse(
                open(tmp.name, "rb").read(),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
    response["Content-Disposition"] = (
        f'attachment; filename="templat-{dataset.slug}-{resource.pk}.{fmt}"'
    )
    return response


def audit_restricted_download(request, version, fmt):
    """Record a download of a file the public cannot get (inside its own transaction)."""
    with transaction.atomic():
        record(
            AuditAction.RESTRICTED_DOWNLOAD,
            version,
            actor=request.user,
            request=request,
            after={"format": fmt},
        )
