"""Permission rule of the linked-data, data-package and bulk documents (registered in ApiConfig.ready())."""

from django.contrib.auth.models import AnonymousUser

from satudata.accounts.permissions import can, rule
from satudata.catalog.models import ResourceVersion


@rule("linked.read")
def read_linked(user, obj):
    """Read the DCAT, schema.org, data-package, JSON Lines and sitemap documents: anyone. They
    hold only what the Publik sees (dataset.view / version.view for an anonymous user), the
    same for every caller; with a dataset or version: that one is public."""
    if obj is None:
        return True
    if isinstance(obj, ResourceVersion):
        return can(AnonymousUser(), "version.view", obj)
    return can(AnonymousUser(), "dataset.view", obj)
