"""The access report behind a breach notice (UU 27/2022 Pasal 46: within 3×24 hours).

From the audit trail it answers which non-public datasets and versions were read or
downloaded in a time window, by whom (user, role, OPD, API token), when, from which address
and through which channel, with a summary per dataset and the personal-data categories the
personal-data guard found in the versions read.
"""

import datetime as dt
from dataclasses import dataclass, field

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from satudata.accounts.constants import Role
from satudata.accounts.models import Organization
from satudata.catalog.constants import Access
from satudata.catalog.models import ResourceVersion

from .constants import AuditAction
from .models import AuditEvent

ACTIONS = (AuditAction.RESTRICTED_DOWNLOAD, AuditAction.DATA_ACCESS)
DEFAULT_HOURS = 72
VERSION_TYPE = "catalog.resourceversion"

CHANNELS = {
    "unduh": _("Unduh berkas"),
    "pratinjau": _("Pratinjau di halaman dataset"),
    "api": _("API /api/v1"),
    "ckan": _("API CKAN (datastore_search)"),
}

# The personal-data guard's finding codes (satudata.ingest.pii), as notice categories.
PII_CATEGORIES = {
    "pii.nik": _("NIK"),
    "pii.kk": _("Nomor KK"),
    "pii.npwp": _("NPWP"),
    "pii.phone": _("Nomor telepon"),
    "pii.email": _("Alamat surel"),
    "pii.nip": _("NIP"),
    "pii.address": _("Alamat"),
    "pii.birth_date": _("Tanggal lahir"),
    "pii.person_name": _("Nama orang"),
    "pii.hidden_content": _("Isi tersembunyi dalam berkas"),
}

# Stable machine keys of the CSV/JSON rows.
COLUMNS = [
    "event_id",
    "time",
    "username",
    "user",
    "roles",
    "user_organizations",
    "token",
    "ip_address",
    "channel",
    "dataset",
    "dataset_title",
    "dataset_organization",
    "access",
    "version",
    "format",
]

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class BreachFilter(forms.Form):
    dari = forms.DateTimeField(
        label=_("Dari"), required=False, widget=DATETIME_INPUT, input_formats=["%Y-%m-%dT%H:%M"]
    )
    sampai = forms.DateTimeField(
        label=_("Sampai"), required=False, widget=DATETIME_INPUT, input_formats=["%Y-%m-%dT%H:%M"]
    )
    opd = forms.ModelChoiceField(
        label=_("OPD pemilik data"),
        queryset=Organization.objects.order_by("name"),
        required=False,
        to_field_name="slug",
        empty_label=_("Semua OPD"),
    )
    dataset = forms.CharField(label=_("Dataset (slug)"), max_length=100, required=False)
    pengguna = forms.CharField(
        label=_("Pengguna"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("nama pengguna atau nama")}),
    )

    def clean(self):
        data = super().clean()
        now = timezone.now()
        data["sampai"] = data.get("sampai") or now
        data["dari"] = data.get("dari") or data["sampai"] - dt.timedelta(hours=DEFAULT_HOURS)
        if data["dari"] >= data["sampai"]:
            raise forms.ValidationError(_("Waktu awal harus sebelum waktu akhir."))
        return data

    def used(self):
        """The filters as JSON-serialisable text (for the report's own audit event)."""
        if not self.is_valid():
            return {}
        out = {}
        for key, value in self.cleaned_data.items():
            if value in (None, ""):
                continue
            if isinstance(value, dt.datetime):
                value = value.isoformat()
            elif isinstance(value, Organization):
                value = value.slug
            out[key] = str(value)
        return out


@dataclass
class DatasetSummary:
    slug: str
    title: str
    organization: str
    access: str
    count: int = 0
    users: set = field(default_factory=set)
    first: dt.datetime | None = None
    last: dt.datetime | None = None
    categories: set = field(default_factory=set)

    def as_dict(self):
        return {
            "dataset": self.slug,
            "title": self.title,
            "organization": self.organization,
            "access": self.access,
            "accesses": self.count,
            "distinct_users": len(self.users),
            "users": sorted(self.users),
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
            "personal_data": sorted(str(PII_CATEGORIES.get(c, c)) for c in self.categories),
        }


@dataclass
class Report:
    start: dt.datetime
    end: dt.datetime
    rows: list
    datasets: list

    @property
    def users(self):
        return sorted({r["username"] or r["user"] or "-" for r in self.rows})

    @property
    def categories(self):
        found = set()
        for d in self.datasets:
            found |= d.categories
        return sorted(str(PII_CATEGORIES.get(c, c)) for c in found)

    def notice(self):
        """The fields a Pasal 46 notice states, as far as the audit trail knows them."""
        return {
            "window_start": self.start.isoformat(),
            "window_end": self.end.isoformat(),
            "accesses": len(self.rows),
            "datasets": len(self.datasets),
            "users": self.users,
            "personal_data": self.categories,
            "access_classes": sorted({d.access for d in self.datasets}),
        }

    def as_json(self):
        return {
            "notice": self.notice(),
            "datasets": [d.as_dict() for d in self.datasets],
            "accesses": self.rows,
        }


def _roles(user):
    if user is None:
        return "", ""
    roles, orgs = [], []
    for m in user.memberships.all():
        roles.append(str(Role(m.role).label))
        if m.organization_id:
            orgs.append(m.organization.name)
    return ", ".join(sorted(set(roles))), ", ".join(sorted(set(orgs)))


def build(form):
    """The report for a valid BreachFilter."""
    data = form.cleaned_data
    events = (
        AuditEvent.objects.filter(
            action__in=[a.value for a in ACTIONS],
            created_at__gte=data["dari"],
            created_at__lte=data["sampai"],
        )
        .select_related("actor")
        .prefetch_related("actor__memberships__organization")
        .order_by("created_at", "id")
    )
    if data.get("pengguna"):
        who = data["pengguna"].strip()
        events = events.filter(Q(actor__username__icontains=who) | Q(actor_name__icontains=who))
    events = list(events)
    version_ids = {int(e.target_id) for e in events if e.target_type == VERSION_TYPE}
    versions = {
        v.pk: v
        for v in ResourceVersion.objects.filter(pk__in=version_ids).select_related(
            "resource__dataset__organization"
        )
    }
    rows, summaries = [], {}
    for event in events:
        version = versions.get(int(event.target_id)) if event.target_type == VERSION_TYPE else None
        after = event.after or {}
        if version is not None:
            dataset = version.resource.dataset
            slug, title = dataset.slug, dataset.title
            organization = dataset.organization.slug
            organization_name = dataset.organization.name
            access = after.get("access") or dataset.access
            number = version.number
        else:
            # Not a dataset version (an indicator download), or a version no longer there.
            slug = after.get("dataset", "")
            title, organization = event.target_label, after.get("organization", "")
            organization_name, access, number = organization, after.get("access", ""), None
        if data.get("opd") and organization != data["opd"].slug:
            continue
        if data.get("dataset") and slug != data["dataset"].strip():
            continue
        roles, user_orgs = _roles(event.actor)
        channel = (
            "unduh" if event.action == AuditAction.RESTRICTED_DOWNLOAD else after.get("channel", "")
        )
        rows.append(
            {
                "event_id": event.id,
                "time": timezone.localtime(event.created_at).isoformat(),
                "username": event.actor.username if event.actor else "",
                "user": event.actor_name,
                "roles": roles,
                "user_organizations": user_orgs,
                "token": after.get("token", ""),
                "ip_address": event.ip_address or "",
                "channel": channel,
                "dataset": slug,
                "dataset_title": title,
                "dataset_organization": organization_name,
                "access": access,
                "version": number,
                "format": after.get("format", ""),
            }
        )
        key = slug or event.target_label
        summary = summaries.get(key)
        if summary is None:
            summary = summaries[key] = DatasetSummary(key, title, organization_name, access)
        summary.count += 1
        summary.users.add(rows[-1]["username"] or event.actor_name or "-")
        summary.first = summary.first or event.created_at
        summary.last = event.created_at
        if version is not None:
            summary.categories |= {f.get("code") for f in version.pii_findings if f.get("code")}
    datasets = sorted(summaries.values(), key=lambda s: (-s.count, s.slug))
    return Report(data["dari"], data["sampai"], rows, datasets)


def access_label(value):
    try:
        return Access(value).label
    except ValueError:
        return value
