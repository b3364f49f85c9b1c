"""Permission rules of a user's own account (second factor, password)."""

from .permissions import rule


@rule("account.manage_own")
def manage_own(user, obj):
    """Set up or turn off one's own two-factor verification, make new recovery codes, change
    one's own password: any signed-in user, for their own account only (obj is None or self)."""
    if user is None or not user.is_authenticated:
        return False
    return obj is None or getattr(obj, "pk", None) == user.pk
