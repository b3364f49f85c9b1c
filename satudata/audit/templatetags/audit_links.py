from django import template

from satudata.accounts.permissions import can

register = template.Library()


@register.filter
def may_browse_audit(user):
    """{% if user|may_browse_audit %}: whether to show the link to the audit trail."""
    return can(user, "audit.browse")
