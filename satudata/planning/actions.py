"""Writes to the Daftar Data: each inside one transaction with its audit event."""

from django.db import transaction

from satudata.audit.actions import record
from satudata.audit.constants import AuditAction

from .models import DataPlan, PlannedData


def _due_dates(item):
    return {p.key: p.due_date.isoformat() for p in item.periods.all()}


def get_or_create_plan(organization, year, *, actor, request=None):
    """The OPD's Daftar Data of `year`, created (and audited) when missing."""
    with transaction.atomic():
        plan, created = DataPlan.objects.get_or_create(
            organization=organization, year=year, defaults={"created_by": actor}
        )
        if created:
            record(
                AuditAction.PLAN_CREATE,
                plan,
                actor=actor,
                request=request,
                after={"organization": organization.slug, "year": year},
            )
    return plan, created


def create_item(plan, fields, *, actor, request=None, audit=True):
    """Add a planned item with the periods of its schedule; returns the item."""
    with transaction.atomic():
        item = PlannedData.objects.create(plan=plan, **fields)
        item.sync_periods()
        if audit:
            record(
                AuditAction.PLAN_ITEM_CREATE,
                item,
                actor=actor,
                request=request,
                after={**item.snapshot(), "plan": plan.pk, "due_dates": _due_dates(item)},
            )
    return item


def change_item(item, fields, *, actor, request=None, audit=True):
    """Apply `fields` to an item; a new schedule or lag recomputes every due date.

    Returns the changed field names (empty when nothing changed, and then nothing is audited).
    """
    with transaction.atomic():
        item = PlannedData.objects.select_for_update().select_related("plan").get(pk=item.pk)
        before = item.snapshot()
        before_due = _due_dates(item)
        for name, value in fields.items():
            setattr(item, name, value)
        after = item.snapshot()
        changed = [k for k in after if after[k] != before[k]]
        if not changed:
            return []
        item.save()
        item.sync_periods(reset_due_dates=bool({"schedule", "lag_days"} & set(changed)))
        after_due = _due_dates(item)
        if audit:
            diff_before = {k: before[k] for k in changed}
            diff_after = {k: after[k] for k in changed}
            if after_due != before_due:
                diff_before["due_dates"], diff_after["due_dates"] = before_due, after_due
            record(
                AuditAction.PLAN_ITEM_CHANGE,
                item,
                actor=actor,
                request=request,
                before=diff_before,
                after=diff_after,
            )
    return changed


def change_due_dates(item, due_dates, *, actor, request=None):
    """Set the due date of some periods ({key: date}); returns the keys that changed."""
    with transaction.atomic():
        item = PlannedData.objects.select_for_update().get(pk=item.pk)
        periods = {p.key: p for p in item.periods.all()}
        before, after = {}, {}
        for key, due in due_dates.items():
            period = periods.get(key)
            if period is None or period.due_date == due:
                continue
            before[key], after[key] = period.due_date.isoformat(), due.isoformat()
            period.due_date = due
            period.save(update_fields=["due_date"])
        if after:
            item.save(update_fields=["modified_at"])
            record(
                AuditAction.PLAN_ITEM_CHANGE,
                item,
                actor=actor,
                request=request,
                before={"due_dates": before},
                after={"due_dates": after},
            )
    return list(after)


def import_rows(rows, *, actor, request=None, file_name=""):
    """Apply validated import rows (xlsx.parse_plan_rows) in one transaction.

    A row whose title already exists in that OPD's Daftar Data of that year updates it;
    any other row adds an item. One `plan.import` event per Daftar Data touched lists them.
    """
    summary = {"created": 0, "updated": 0, "unchanged": 0, "plans": 0}
    with transaction.atomic():
        touched = {}
        for row in rows:
            plan, created = get_or_create_plan(
                row.organization, row.year, actor=actor, request=request
            )
            summary["plans"] += created
            log = touched.setdefault(plan.pk, (plan, {"created": [], "updated": []}))[1]
            existing = PlannedData.objects.filter(
                plan=plan, title__iexact=row.fields["title"]
            ).first()
            if existing is None:
                create_item(plan, row.fields, actor=actor, audit=False)
                log["created"].append(row.fields["title"])
                summary["created"] += 1
            elif change_item(existing, row.fields, actor=actor, audit=False):
                log["updated"].append(row.fields["title"])
                summary["updated"] += 1
            else:
                summary["unchanged"] += 1
        for plan, log in touched.values():
            if log["created"] or log["updated"]:
                record(
                    AuditAction.PLAN_IMPORT,
                    plan,
                    actor=actor,
                    request=request,
                    after={"file": file_name, **log},
                )
    return summary
