"""Which version of a resource a query reads."""

from django.http import Http404

from satudata.accounts.permissions import can
from satudata.catalog.models import ResourceVersion


def latest_queryable_version(user, resource_id):
    """The newest published, queryable version of a resource that `user` may query (else 404)."""
    version = (
        ResourceVersion.objects.select_related("resource__dataset")
        .filter(resource_id=resource_id, published_at__isnull=False)
        .exclude(parquet_key="")
        .order_by("-number")
        .first()
    )
    if version is None or not can(user, "version.query", version):
        raise Http404
    return version
