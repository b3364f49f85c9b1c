"""Permission rules of the CKAN Action API (registered in ApiConfig.ready())."""

from satudata.accounts.permissions import rule


@rule("ckan.call")
def call(user, obj):
    """Call the CKAN Action API: anyone; every action shows only what `dataset.view` allows,
    and only Terbuka published datasets unless the caller is a member of the owning OPD."""
    return True
