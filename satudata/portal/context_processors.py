from django.conf import settings

from satudata.accounts.constants import Role
from satudata.accounts.permissions import can, roles_of
from satudata.catalog.models import Dataset


def site(request):
    user = getattr(request, "user", None)
    return {
        "site_name": settings.SITE_NAME,
        # Every page of a portal that carries demo data says so.
        "demo_present": Dataset.objects.filter(is_demo=True).exists(),
        "user_roles": sorted(Role(r).label for r in roles_of(user)) if user else [],
        "can_admin": bool(user) and can(user, "admin.access"),
    }
