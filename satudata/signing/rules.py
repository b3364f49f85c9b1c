"""Permission rules of signed releases (registered into accounts.permissions)."""

from satudata.accounts.permissions import rule
from satudata.catalog.rules import view_version


@rule("release.view")
def view_release(user, version):
    """See a version's signed manifest and signature: exactly who may see the published version."""
    return version.is_published and view_version(user, version)


@rule("release.verify")
def verify(user, obj):
    """Anyone may check a file or a hash on "Verifikasi Data"; the answer names only releases the
    user may see (version.view) or withdrawals they may see (dataset.see_withdrawal)."""
    return True


@rule("signing.keys")
def keys(user, obj):
    """Anyone may fetch the portal's public signing keys (current and retired)."""
    return True
