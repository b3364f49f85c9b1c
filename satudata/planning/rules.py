"""Permission rules of the Daftar Data, its compliance dashboard and the Jadwal Rilis.

Walidata, Admin, Pembina and Pimpinan see every OPD's Daftar Data and compliance; a
Produsen or Walidata Pendukung sees their own OPD's. Only the Walidata and Admin change it.
"""

from satudata.accounts.constants import Role
from satudata.accounts.permissions import roles_of, rule

PORTAL_WIDE = {Role.STEWARD, Role.ADMIN, Role.SUPERVISOR, Role.LEADER}


def _organization_id(obj):
    """The OPD of an Organization, DataPlan or PlannedData (None: no particular OPD)."""
    if obj is None:
        return None
    if hasattr(obj, "plan"):
        obj = obj.plan
    return getattr(obj, "organization_id", getattr(obj, "pk", None))


@rule("plan.view")
def view_plan(user, obj):
    """See the Daftar Data of an OPD (and open the list of them): Walidata, Admin, Pembina,
    Pimpinan for every OPD; Produsen and Walidata Pendukung for their own OPD."""
    roles = roles_of(user)
    if roles & PORTAL_WIDE:
        return True
    if not roles:
        return False
    own = user.organization_ids()
    organization_id = _organization_id(obj)
    return bool(own) if organization_id is None else organization_id in own


@rule("plan.manage", read_action="plan.view")
def manage_plan(user, obj):
    """Create, edit and import the Daftar Data and its due dates: the Walidata and Admin."""
    roles = roles_of(user)
    return Role.STEWARD in roles or Role.ADMIN in roles


@rule("plan.compliance")
def view_compliance(user, organization):
    """See the compliance dashboard: the province-wide one (organization None) for Walidata,
    Admin, Pembina and Pimpinan; an OPD's for them and that OPD's Produsen and Walidata Pendukung."""
    roles = roles_of(user)
    if roles & PORTAL_WIDE:
        return True
    if organization is None or not roles:
        return False
    return organization.pk in user.organization_ids()


@rule("plan.calendar")
def view_calendar(user, obj):
    """Open the Jadwal Rilis page and its iCalendar feed: anyone. They list only planned
    items classified Terbuka whose linked dataset, if any, the public may see."""
    return True
