"""Permission rules of queries on published data (declared by the query engine)."""

from satudata.accounts.permissions import can, rule


@rule("version.query")
def query_version(user, version):
    """Query a version's rows, aggregates, facets and indicator series (API, datastore_search):
    exactly who may download its files (`resource.download`)."""
    return can(user, "resource.download", version)


@rule("indicator.view")
def view_indicator(user, indicator):
    """See an indicator (page, charts, maps, images, embeds, downloads): its own klasifikasi
    allows it (Publik: published Terbuka; any role: also Terbatas; own OPD, Walidata, Admin:
    all) and the user may see every dataset its numbers come from."""
    from .indicators import sources
    from .models import Indicator, indicator_visibility_q

    if indicator is None:
        return False
    if not Indicator.objects.filter(pk=indicator.pk).filter(indicator_visibility_q(user)).exists():
        return False
    return all(can(user, "dataset.view", dataset) for dataset in sources(indicator))


@rule("indicator.curate")
def curate_indicators(user, obj=None):
    """Choose and order the Indikator Utama, publish or unpublish indicators: the Walidata and Admin."""
    from satudata.accounts.constants import Role
    from satudata.accounts.permissions import roles_of

    roles = roles_of(user)
    return Role.STEWARD in roles or Role.ADMIN in roles


@rule("indicator.manage", read_action="indicator.view")
def manage_indicators(user, indicator=None):
    """Create indicators and edit their MS-Ind metadata, source table, column mapping or formula
    (`/kelola/indikator/baru/`, `…/<slug>/ubah/`): the Walidata and Admin, like curation.
    Others who may see the indicator get 403."""
    return curate_indicators(user)
