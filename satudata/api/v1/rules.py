"""Permission rules of /api/v1 and of API tokens."""

from satudata.accounts.permissions import is_staff_member, rule


@rule("api.read")
def read_api(user, obj):
    """Anyone may call the read endpoints of /api/v1; each one filters what it lists and shows
    with dataset.view / version.view / version.query."""
    return True


@rule("api_token.manage")
def manage_tokens(user, token):
    """Make and revoke API tokens: any government user with a role, their own tokens only."""
    if not is_staff_member(user):
        return False
    return token is None or token.user_id == user.pk
