"""The staff pages of the audit trail: filter, page through, export (CSV, JSON), chain check,
and the access report for a breach notice (UU PDP Pasal 46)."""

import csv
import datetime as dt
import json

from django import forms
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from satudata.accounts.permissions import authorize, route
from satudata.ingest.convert import safe_text

from . import breach as breach_report
from . import chain
from .actions import record
from .constants import AuditAction
from .models import AuditEvent

PAGE_SIZE = 50
EXPORT_FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
# Stable column names of the exports (machine keys, the same in CSV and JSON).
COLUMNS = [
    "id",
    "created_at",
    "actor_id",
    "actor",
    "action",
    "target_type",
    "target_id",
    "target",
    "ip_address",
    "before",
    "after",
    "reason",
    "previous_hash",
    "hash",
]


class AuditFilter(forms.Form):
    tindakan = forms.ChoiceField(label=_("Tindakan"), required=False)
    pelaku = forms.CharField(
        label=_("Pelaku"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("nama pengguna atau nama")}),
    )
    sasaran = forms.CharField(
        label=_("Sasaran"),
        max_length=255,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("judul, nomor atau jenis")}),
    )
    dari = forms.DateField(
        label=_("Dari tanggal"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sampai = forms.DateField(
        label=_("Sampai tanggal"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tindakan"].choices = [("", _("Semua tindakan"))] + [
            (value, f"{label} ({value})") for value, label in AuditAction.choices
        ]

    def clean(self):
        data = super().clean()
        if data.get("dari") and data.get("sampai") and data["dari"] > data["sampai"]:
            raise forms.ValidationError(_("Tanggal awal setelah tanggal akhir."))
        return data

    def filtered(self):
        """The events matching the valid filters (all events when nothing is filled in)."""
        events = AuditEvent.objects.select_related("actor").order_by("-id")
        if not self.is_valid():
            return events.none()
        data = self.cleaned_data
        if data.get("tindakan"):
            events = events.filter(action=data["tindakan"])
        if data.get("pelaku"):
            who = data["pelaku"].strip()
            events = events.filter(Q(actor_name__icontains=who) | Q(actor__username__icontains=who))
        if data.get("sasaran"):
            what = data["sasaran"].strip()
            events = events.filter(
                Q(target_label__icontains=what) | Q(target_id=what) | Q(target_type__iexact=what)
            )
        if data.get("dari"):
            events = events.filter(created_at__gte=_day_start(data["dari"]))
        if data.get("sampai"):
            events = events.filter(created_at__lt=_day_start(data["sampai"] + dt.timedelta(days=1)))
        return events

    def used(self):
        """The filters in use, as JSON-serialisable text (for the export's audit event)."""
        if not self.is_valid():
            return {}
        return {k: str(v) for k, v in self.cleaned_data.items() if v not in (None, "")}


def _day_start(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@route("audit.browse")
def browse(request):
    """The events, newest first; checks the events added since the last check."""
    authorize(request.user, "audit.browse")
    result, checkpoint, full = chain.verify_since_checkpoint()
    return _browse(request, result, checkpoint, full=full)


@route("audit.browse")
@require_POST
def check_chain(request):
    """Walk the whole chain and the witness file now (the page shows the outcome)."""
    authorize(request.user, "audit.browse")
    result = chain.verify()
    checkpoint = chain.save_checkpoint(result) if result.ok else None
    return _browse(request, result, checkpoint, full=True)


def _browse(request, result, checkpoint, *, full):
    form = AuditFilter(request.GET or None)
    events = (
        form.filtered()
        if request.GET
        else AuditEvent.objects.select_related("actor").order_by("-id")
    )
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("halaman"))
    page.object_list = list(page.object_list)
    for event in page.object_list:
        event.before_text = (
            json.dumps(event.before, ensure_ascii=False, sort_keys=True) if event.before else ""
        )
        event.after_text = (
            json.dumps(event.after, ensure_ascii=False, sort_keys=True) if event.after else ""
        )
    query = request.GET.copy()
    query.pop("halaman", None)
    return render(
        request,
        "audit/browse.html",
        {
            "form": form if request.GET else AuditFilter(),
            "page": page,
            "chain_ok": result.ok,
            "chain_broken": result.finding.event_id if result.finding else None,
            "chain_finding": result.finding,
            "chain_full": full,
            "checkpoint": checkpoint,
            "chain_count": result.count,
            "query": query.urlencode(),
            "labels": dict(AuditAction.choices),
        },
    )


def _row(event):
    return {
        "id": event.id,
        "created_at": event.created_at.isoformat(),
        "actor_id": event.actor_id,
        "actor": event.actor_name,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "target": event.target_label,
        "ip_address": event.ip_address,
        "before": event.before,
        "after": event.after,
        "reason": event.reason,
        "previous_hash": event.previous_hash,
        "hash": event.hash,
    }


class _Echo:
    def write(self, value):
        return value


def csv_cell(value):
    """A CSV cell a spreadsheet will not run: JSON for structures, formula starts quoted."""
    if value is None:
        return ""
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return safe_text(str(value))


def _csv(events):
    writer = csv.writer(_Echo())
    yield "\ufeff"  # Excel reads UTF-8 with a BOM
    yield writer.writerow(COLUMNS)
    for event in events.iterator(chunk_size=2000):
        row = _row(event)
        yield writer.writerow([csv_cell(row[c]) for c in COLUMNS])


def _json(events):
    yield "[\n"
    first = True
    for event in events.iterator(chunk_size=2000):
        yield ("" if first else ",\n") + json.dumps(_row(event), ensure_ascii=False, sort_keys=True)
        first = False
    yield "\n]\n"


@route("audit.browse")
def export(request, fmt):
    """The filtered events as CSV or JSON; the export itself is audited as audit.export."""
    authorize(request.user, "audit.browse")
    if fmt not in EXPORT_FORMATS:
        raise Http404
    form = AuditFilter(request.GET or None)
    events = form.filtered() if request.GET else AuditEvent.objects.order_by("-id")
    with transaction.atomic():
        # The export holds the events up to now; its own event (recorded here) is not in it.
        last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        events = events.filter(id__lte=last)
        record(
            AuditAction.AUDIT_EXPORT,
            request.user,
            actor=request.user,
            request=request,
            after={
                "format": fmt,
                "filters": form.used() if request.GET else {},
                "count": events.count(),
            },
        )
    body = _csv(events) if fmt == "csv" else _json(events)
    response = StreamingHttpResponse(body, content_type=EXPORT_FORMATS[fmt])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="jejak-audit-{stamp}.{fmt}"'
    return response


# --- the access report for a breach notice ---------------------------------------------------

BREACH_FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
BREACH_PAGE_ROWS = 500


def _breach_form(request):
    form = breach_report.BreachFilter(request.GET or {})
    if not form.is_valid():
        return form, None
    return form, breach_report.build(form)


def _record_breach_export(request, form, report, fmt):
    with transaction.atomic():
        record(
            AuditAction.AUDIT_BREACH_EXPORT,
            request.user,
            actor=request.user,
            request=request,
            after={
                "format": fmt,
                "filters": form.used(),
                "accesses": len(report.rows),
                "datasets": [d.slug for d in report.datasets],
            },
        )


@route("audit.breach_report")
def breach(request):
    """Which non-public data was read or downloaded in a window (default: the last 72 hours)."""
    authorize(request.user, "audit.breach_report")
    form, report = _breach_form(request)
    if report is not None:
        _record_breach_export(request, form, report, "html")
    query = request.GET.urlencode()
    response = render(
        request,
        "audit/breach.html",
        {
            "form": form,
            "report": report,
            "rows": report.rows[:BREACH_PAGE_ROWS] if report else [],
            "more_rows": max(0, len(report.rows) - BREACH_PAGE_ROWS) if report else 0,
            "query": query,
            "channels": breach_report.CHANNELS,
            "access_labels": dict(breach_report.Access.choices),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@route("audit.breach_report")
def breach_export(request, fmt):
    """The same report as CSV (one row per access, formula-safe) or JSON (notice fields,
    summary per dataset, accesses); recorded as audit.breach_export."""
    authorize(request.user, "audit.breach_report")
    if fmt not in BREACH_FORMATS:
        raise Http404
    form, report = _breach_form(request)
    if report is None:
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    _record_breach_export(request, form, report, fmt)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    if fmt == "json":
        response = JsonResponse(report.as_json(), json_dumps_params={"ensure_ascii": False})
    else:
        response = StreamingHttpResponse(_breach_csv(report), content_type=BREACH_FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="laporan-akses-{stamp}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response


def _breach_csv(report):
    writer = csv.writer(_Echo())
    yield "\ufeff"
    yield writer.writerow(breach_report.COLUMNS)
    for row in report.rows:
        # The class as people read it (Terbatas, Tertutup); the JSON keeps the codes.
        row = {**row, "access": breach_report.access_label(row["access"])}
        yield writer.writerow([csv_cell(row[c]) for c in breach_report.COLUMNS])
