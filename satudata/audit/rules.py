"""Permission rules of the audit trail (registered into accounts.permissions)."""

from satudata.accounts.constants import Role
from satudata.accounts.permissions import roles_of, rule


@rule("audit.browse")
def browse(user, obj):
    """Browse, filter and export (CSV, JSON) the audit trail and see whether its hash chain
    verifies: the Walidata and Admin only (everyone else gets 404)."""
    roles = roles_of(user)
    return Role.STEWARD in roles or Role.ADMIN in roles


@rule("audit.breach_report")
def breach_report(user, obj):
    """Open and export (CSV, JSON) the access report for a breach notice under UU PDP
    Pasal 46 (who read or downloaded non-public data, when, how): the Walidata and Admin
    only (everyone else gets 404). Each report is itself recorded (audit.breach_export)."""
    roles = roles_of(user)
    return Role.STEWARD in roles or Role.ADMIN in roles
