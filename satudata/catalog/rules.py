"""Permission rules of the catalog (registered into accounts.permissions)."""

from satudata.accounts.constants import Role
from satudata.accounts.permissions import is_staff_member, roles_of, rule

from .models import Dataset, visibility_q


@rule("dataset.view")
def view_dataset(user, dataset):
    """See a dataset, its metadata, resources, versions and preview (the policy in visibility_q)."""
    return Dataset.objects.filter(pk=dataset.pk).filter(visibility_q(user)).exists()


@rule("version.view")
def view_version(user, version):
    """See a version: its dataset may be seen, and it is published or the user may change the dataset."""
    dataset = version.resource.dataset
    if not view_dataset(user, dataset):
        return False
    return version.is_published or change_dataset(user, dataset)


@rule("resource.download")
def download_resource(user, version):
    """Download a version's files (original, CSV, XLSX, JSON, Parquet): exactly who may see the version."""
    return view_version(user, version)


@rule("dataset.change", read_action="dataset.view")
def change_dataset(user, dataset):
    """Edit a dataset's metadata: the Walidata, an Admin, or a Produsen of the owning OPD."""
    roles = roles_of(user)
    if Role.STEWARD in roles or Role.ADMIN in roles:
        return True
    return dataset.organization_id in user.organization_ids() if roles else False


@rule("catalog.see_access_facet")
def see_access_facet(user, obj):
    """See the klasifikasi facet and badges: any government user with a role."""
    return is_staff_member(user)


@rule("dataset.create")
def create_dataset(user, organization):
    """Create a dataset (as Draf): the Walidata or an Admin for any OPD, a Produsen or
    Walidata Pendukung for their own OPD. Without an OPD: whether the user may create any."""
    roles = roles_of(user)
    if Role.STEWARD in roles or Role.ADMIN in roles:
        return True
    if not roles:
        return False
    own = user.organization_ids()
    return bool(own) if organization is None else organization.pk in own


@rule("dataset.classify", read_action="dataset.view")
def classify(user, dataset):
    """Change an existing dataset's klasifikasi akses: the Walidata or an Admin, never a
    Produsen (who chooses it only when creating a Draf). Terbuka needs `dataset.make_open` too."""
    roles = roles_of(user)
    return (Role.STEWARD in roles or Role.ADMIN in roles) and view_dataset(user, dataset)


@rule("dataset.make_open", read_action="dataset.view")
def make_open(user, dataset):
    """Change a Terbatas or Tertutup dataset to Terbuka: the Walidata only."""
    return Role.STEWARD in roles_of(user) and view_dataset(user, dataset)
