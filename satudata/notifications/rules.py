"""Permission rules of the inbox (registered into accounts.permissions)."""

from satudata.accounts.permissions import rule


@rule("inbox.view")
def view_inbox(user, obj):
    """Open one's own inbox (kotak masuk): any signed-in, active user."""
    return bool(user is not None and user.is_authenticated and user.is_active)


@rule("notification.view")
def view_notification(user, notification):
    """Open or mark as read a notification: only its recipient (anyone else gets 404)."""
    if not view_inbox(user, None):
        return False
    return notification is not None and notification.recipient_id == user.pk
