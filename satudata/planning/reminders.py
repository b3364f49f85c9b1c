"""Reminders before and after a due date, and their idempotent delivery.

On day `today`, a period that has nothing published gets
- "due_soon" when its due date is DUE_SOON_DAYS days away (7 and 1), to the OPD's Produsen;
- "overdue" the day after its due date and every OVERDUE_EVERY_DAYS days after that,
  to the OPD's Produsen and to the Walidata.
A ReminderLog row per item, period, kind and day makes a second run on the same day send
nothing.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from satudata.accounts.constants import Role
from satudata.accounts.models import User

from .compliance import compliance
from .constants import DUE_SOON_DAYS, OVERDUE_EVERY_DAYS, ReminderKind, Status
from .models import PlannedData, ReminderLog


@dataclass
class Reminder:
    item: PlannedData
    period: object
    kind: ReminderKind
    recipients: list
    producers: list
    stewards: list


def _kind(due_date, today):
    days = (due_date - today).days
    if days in DUE_SOON_DAYS:
        return ReminderKind.DUE_SOON
    late = -days
    if late >= 1 and (late - 1) % OVERDUE_EVERY_DAYS == 0:
        return ReminderKind.OVERDUE
    return None


def reminders_for(today=None) -> list[Reminder]:
    """What should be sent on `today` (a date): one Reminder per item, period and kind."""
    today = today or timezone.localdate()
    window = (
        today - dt.timedelta(days=366 * 2),
        today + dt.timedelta(days=max(DUE_SOON_DAYS)),
    )
    items = (
        PlannedData.objects.filter(periods__due_date__range=window)
        .distinct()
        .select_related("plan__organization", "dataset")
        .prefetch_related("periods")
    )
    stewards = list(User.objects.filter(is_active=True, memberships__role=Role.STEWARD).distinct())
    producers_of = {}
    found = []
    for row in compliance(items, today=today):
        if row.state.status not in (Status.DUE, Status.MISSING):
            continue  # already published
        kind = _kind(row.period.due_date, today)
        if kind is None:
            continue
        org_id = row.item.plan.organization_id
        if org_id not in producers_of:
            producers_of[org_id] = list(
                User.objects.filter(
                    is_active=True,
                    memberships__role=Role.PRODUCER,
                    memberships__organization_id=org_id,
                ).distinct()
            )
        producers = producers_of[org_id]
        extra = stewards if kind == ReminderKind.OVERDUE else []
        recipients = list({u.pk: u for u in producers + extra}.values())
        found.append(Reminder(row.item, row.period, kind, recipients, producers, extra))
    return found


def _message(reminder):
    item, period = reminder.item, reminder.period
    values = {
        "title": item.title,
        "period": period.label,
        "due": period.due_date.strftime("%d-%m-%Y"),
        "opd": item.plan.organization.name,
    }
    if reminder.kind == ReminderKind.DUE_SOON:
        subject = _("Segera jatuh tempo: %(title)s (%(period)s)") % values
        body = (
            _(
                "Data “%(title)s” periode %(period)s dari %(opd)s jatuh tempo pada %(due)s dan "
                "belum terbit. Unggah berkasnya dan ajukan untuk diperiksa Walidata."
            )
            % values
        )
    else:
        subject = _("Terlambat: %(title)s (%(period)s)") % values
        body = (
            _(
                "Data “%(title)s” periode %(period)s dari %(opd)s sudah lewat jatuh tempo "
                "(%(due)s) dan belum terbit."
            )
            % values
        )
    return subject, body


def _urls(item):
    plan_url = item.plan.get_absolute_url()
    producer_url = (
        reverse("ingest:upload", args=[item.dataset.slug]) if item.dataset_id else plan_url
    )
    steward_url = reverse("planning:compliance_opd", args=[item.plan.organization.slug])
    return producer_url, steward_url + f"?tahun={item.plan.year}"


def send_reminders(today=None, *, dry_run=False) -> dict:
    """Deliver today's reminders through notifications.api.notify, once per item, period,
    kind and day; returns counts {"sent", "skipped", "no_recipients"}."""
    from satudata.notifications.api import notify

    today = today or timezone.localdate()
    counts = {"sent": 0, "skipped": 0, "no_recipients": 0}
    for reminder in reminders_for(today):
        key = {
            "item": reminder.item,
            "period_key": reminder.period.key,
            "kind": reminder.kind,
            "day": today,
        }
        if ReminderLog.objects.filter(**key).exists():
            counts["skipped"] += 1
            continue
        if not reminder.recipients:
            counts["no_recipients"] += 1
            continue
        if dry_run:
            counts["sent"] += 1
            continue
        subject, body = _message(reminder)
        producer_url, steward_url = _urls(reminder.item)
        try:
            with transaction.atomic():
                # The log row first: a concurrent run fails on the unique constraint and
                # rolls back its notifications with it.
                ReminderLog.objects.create(**key, recipients=len(reminder.recipients))
                for users, url in (
                    (reminder.producers, producer_url),
                    (reminder.stewards, steward_url),
                ):
                    users = [u for u in users if u in reminder.recipients]
                    if users:
                        notify(
                            users,
                            reminder.kind.value,
                            subject=subject,
                            body=body,
                            url=url,
                            target=reminder.item,
                        )
                    # A Walidata who is also Produsen of the OPD gets one message.
                    reminder.recipients = [u for u in reminder.recipients if u not in users]
        except IntegrityError:
            counts["skipped"] += 1
            continue
        counts["sent"] += 1
    return counts
