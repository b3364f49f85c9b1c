"""Pages of the Daftar Data (staff, under /kelola/), its compliance dashboard and the
public Jadwal Rilis with its iCalendar feed."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from satudata.accounts.models import Organization
from satudata.accounts.permissions import authorize, can, roles_of, route

from . import actions, ical
from .compliance import by_due_month, chart, compliance, count, count_by
from .constants import Status
from .forms import CalendarFilter, DueDatesForm, ImportForm, ItemForm, PlanForm
from .models import DataPlan, PlannedData, PlannedPeriod
from .periods import month_label
from .releases import releases
from .rules import PORTAL_WIDE
from .xlsx import COLUMNS, ImportError_, column_guide, parse_plan_rows, template_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _year(request):
    try:
        year = int(request.GET.get("tahun", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def _years(plans, chosen):
    return sorted(set(plans.values_list("year", flat=True)) | {chosen, timezone.localdate().year})


def _visible_plans(user):
    plans = DataPlan.objects.select_related("organization")
    if roles_of(user) & PORTAL_WIDE:
        return plans
    return plans.filter(organization_id__in=user.organization_ids())


def _items(plans):
    return (
        PlannedData.objects.filter(plan__in=plans)
        .select_related("plan__organization", "dataset")
        .prefetch_related(Prefetch("periods", queryset=PlannedPeriod.objects.order_by("start")))
        .order_by("plan__organization__name", "title", "id")
    )


# --- Daftar Data


@route("plan.view")
def plans(request):
    authorize(request.user, "plan.view")
    year = _year(request)
    visible = _visible_plans(request.user)
    listed = visible.filter(year=year).order_by("organization__name")
    rows = count_by(compliance(_items(listed)), lambda r: r.item.plan_id)
    return render(
        request,
        "planning/plans.html",
        {
            "year": year,
            "years": _years(visible, year),
            "plans": [(plan, rows.get(plan.pk)) for plan in listed],
            "can_manage": can(request.user, "plan.manage"),
            "plan_form": PlanForm(initial={"year": year}),
            "can_province": can(request.user, "plan.compliance", None),
        },
    )


@route("plan.manage")
@require_POST
def plan_create(request):
    authorize(request.user, "plan.manage")
    form = PlanForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("planning:plans")
    organization, year = form.cleaned_data["organization"], form.cleaned_data["year"]
    plan, created = actions.get_or_create_plan(
        organization, year, actor=request.user, request=request
    )
    if created:
        messages.success(request, _("Daftar Data dibuat. Tambahkan data yang direncanakan."))
    else:
        messages.info(request, _("Daftar Data ini sudah ada."))
    return redirect(plan.get_absolute_url())


def _get_plan(slug, year):
    return get_object_or_404(
        DataPlan.objects.select_related("organization"), organization__slug=slug, year=year
    )


@route("plan.view")
def plan(request, slug, year):
    plan = _get_plan(slug, year)
    authorize(request.user, "plan.view", plan)
    rows = compliance(_items([plan]))
    by_item = {}
    for row in rows:
        by_item.setdefault(row.item.pk, (row.item, []))[1].append(row)
    return render(
        request,
        "planning/plan.html",
        {
            "plan": plan,
            "items": list(by_item.values()),
            "counts": count(rows),
            "can_manage": can(request.user, "plan.manage", plan),
            "can_compliance": can(request.user, "plan.compliance", plan.organization),
            "can_upload": {
                item.pk: can(request.user, "dataset.upload", item.dataset)
                for item, _rows in by_item.values()
                if item.dataset_id
            },
            "today": timezone.localdate(),
        },
    )


@route("plan.manage")
def item_create(request, slug, year):
    plan = _get_plan(slug, year)
    authorize(request.user, "plan.manage", plan)
    form = ItemForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        item = actions.create_item(plan, form.changes(), actor=request.user, request=request)
        messages.success(
            request,
            _("“%(title)s” ditambahkan dengan %(n)s periode.")
            % {"title": item.title, "n": item.periods.count()},
        )
        if "lagi" in request.POST:
            return redirect("planning:item_create", slug, year)
        return redirect(plan.get_absolute_url())
    return render(
        request,
        "planning/item_form.html",
        {"plan": plan, "form": form, "item": None},
        status=400 if form.errors else 200,
    )


def _get_item(pk):
    return get_object_or_404(PlannedData.objects.select_related("plan__organization"), pk=pk)


@route("plan.manage")
def item(request, pk):
    item = _get_item(pk)
    authorize(request.user, "plan.manage", item)
    form = ItemForm(request.POST or None, instance=item, plan=item.plan)
    if request.method == "POST" and form.is_valid():
        changed = actions.change_item(item, form.changes(), actor=request.user, request=request)
        if changed:
            messages.success(request, _("Perubahan disimpan dan dicatat di jejak audit."))
        else:
            messages.info(request, _("Tidak ada yang berubah."))
        return redirect("planning:item", item.pk)
    if form.errors:
        item = _get_item(pk)  # the stored values in the heading, not the rejected ones
    return _item_page(request, item, form, DueDatesForm(periods=item.periods.all()))


def _item_page(request, item, form, due_form):
    status = 400 if (form.errors or due_form.errors) else 200
    return render(
        request,
        "planning/item_form.html",
        {"plan": item.plan, "item": item, "form": form, "due_form": due_form},
        status=status,
    )


@route("plan.manage")
@require_POST
def item_due_dates(request, pk):
    item = _get_item(pk)
    authorize(request.user, "plan.manage", item)
    due_form = DueDatesForm(request.POST, periods=item.periods.all())
    if not due_form.is_valid():
        return _item_page(request, item, ItemForm(instance=item, plan=item.plan), due_form)
    changed = actions.change_due_dates(
        item, due_form.due_dates(), actor=request.user, request=request
    )
    if changed:
        messages.success(
            request, _("Tanggal jatuh tempo %(n)s periode diubah.") % {"n": len(changed)}
        )
    else:
        messages.info(request, _("Tidak ada yang berubah."))
    return redirect("planning:item", item.pk)


@route("plan.manage")
def import_plan(request):
    authorize(request.user, "plan.manage")
    form = ImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows, errors = parse_plan_rows(upload.read())
        except ImportError_ as error:
            errors = [str(error)]
        if not errors:
            summary = actions.import_rows(
                rows, actor=request.user, request=request, file_name=upload.name[:255]
            )
            messages.success(
                request,
                _(
                    "Impor selesai: %(created)s data baru, %(updated)s diperbarui, "
                    "%(unchanged)s tidak berubah, %(plans)s Daftar Data baru."
                )
                % summary,
            )
            years = sorted({row.year for row in rows})
            return redirect(reverse("planning:plans") + f"?tahun={years[0]}")
    return render(
        request,
        "planning/import.html",
        {"form": form, "errors": errors, "columns": COLUMNS, "guide": column_guide()},
        status=400 if (errors or form.errors) else 200,
    )


@route("plan.view")
def import_template(request):
    authorize(request.user, "plan.view")
    response = HttpResponse(template_xlsx(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="templat-daftar-data.xlsx"'
    return response


# --- compliance dashboard


def _dashboard_context(rows, year):
    trend = by_due_month(rows)
    return {
        "year": year,
        "counts": count(rows),
        "trend": [(month_label(y, m), c) for (y, m), c in trend],
        "chart": chart(trend),
        "statuses": Status,
    }


@route("plan.compliance")
def compliance_province(request):
    if not can(request.user, "plan.compliance", None):
        own = (
            Organization.objects.filter(pk__in=request.user.organization_ids()).first()
            if roles_of(request.user)
            else None
        )
        if own is not None:
            return redirect("planning:compliance_opd", own.slug)
        raise Http404
    year = _year(request)
    plans = DataPlan.objects.filter(year=year)
    rows = compliance(_items(plans))
    per_opd = count_by(rows, lambda r: r.item.plan.organization)
    opds = sorted(per_opd.items(), key=lambda pair: pair[0].name)
    return render(
        request,
        "planning/compliance.html",
        {
            **_dashboard_context(rows, year),
            "organization": None,
            "opds": opds,
            "years": _years(DataPlan.objects.all(), year),
        },
    )


@route("plan.compliance")
def compliance_opd(request, slug):
    organization = get_object_or_404(Organization, slug=slug)
    authorize(request.user, "plan.compliance", organization)
    year = _year(request)
    plans = DataPlan.objects.filter(year=year, organization=organization)
    rows = compliance(_items(plans))
    by_item = {}
    for row in rows:
        by_item.setdefault(row.item.pk, (row.item, []))[1].append(row)
    return render(
        request,
        "planning/compliance.html",
        {
            **_dashboard_context(rows, year),
            "organization": organization,
            "plan": plans.first(),
            "items": list(by_item.values()),
            "years": _years(DataPlan.objects.filter(organization=organization), year),
            "can_province": can(request.user, "plan.compliance", None),
        },
    )


# --- Jadwal Rilis (public)


def _calendar_filter(request):
    form = CalendarFilter(request.GET or None)
    organization = month = None
    if form.is_bound and form.is_valid():
        organization = form.cleaned_data["opd"]
        if form.cleaned_data["bulan"]:
            year, number = form.cleaned_data["bulan"].split("-")
            month = (int(year), int(number))
    return form, organization, month


@route("plan.calendar")
def release_calendar(request):
    form, organization, month = _calendar_filter(request)
    found = releases(organization=organization, month=month)
    sections = [
        ("akan-rilis", _("Akan rilis"), [r for r in found if r.status == Status.DUE]),
        (
            "terlambat",
            _("Terlambat, belum rilis"),
            [r for r in found if r.status == Status.MISSING],
        ),
        (
            "sudah-rilis",
            _("Sudah rilis"),
            sorted(
                (r for r in found if r.status in (Status.ON_TIME, Status.LATE)),
                key=lambda r: r.published_at,
                reverse=True,
            ),
        ),
    ]
    query = request.GET.urlencode() if form.is_bound and form.is_valid() else ""
    return render(
        request,
        "planning/calendar.html",
        {
            "form": form,
            "sections": sections,
            "month_label": month_label(*month) if month else "",
            "organization": organization,
            "ics_query": query,
        },
    )


def _host():
    return urlsplit(settings.SITE_URL).hostname or "satudata"


@route("plan.calendar")
def release_calendar_ics(request):
    _form, organization, month = _calendar_filter(request)
    site = settings.SITE_URL.rstrip("/")
    host = _host()
    status_text = {
        Status.DUE: _("Akan rilis"),
        Status.MISSING: _("Terlambat, belum rilis"),
        Status.ON_TIME: _("Sudah rilis tepat waktu"),
        Status.LATE: _("Sudah rilis, terlambat"),
    }
    events = []
    for release in releases(organization=organization, month=month):
        item, period = release.item, release.period
        lines = [
            f"{item.plan.organization.name}",
            f"{_('Periode')}: {period.label}",
            f"{_('Status')}: {status_text[release.status]}",
        ]
        if release.published_at:
            published = timezone.localtime(release.published_at).date().isoformat()
            lines.append(f"{_('Diterbitkan')}: {published}")
        if item.is_priority:
            lines.append(_("Data Prioritas"))
        events.append(
            {
                "uid": f"rilis-{item.pk}-{period.key}@{host}",
                "date": period.due_date,
                "summary": f"{item.title} ({period.label})",
                "description": "\n".join(lines),
                "url": site + (release.dataset_url or reverse("planning:calendar")),
                "categories": item.plan.organization.short_name or item.plan.organization.name,
                "stamp": item.modified_at,
            }
        )
    text = ical.calendar(
        events,
        name=_("Jadwal Rilis %(site)s") % {"site": settings.SITE_NAME},
        prodid=f"-//{host}//Satu Data Jadwal Rilis//ID",
    )
    response = HttpResponse(text.encode("utf-8"), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="jadwal-rilis.ics"'
    return response
