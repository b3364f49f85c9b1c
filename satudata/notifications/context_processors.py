from .models import Notification


def inbox(request):
    """The unread count shown next to "Kotak masuk" in the header of signed-in users."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"inbox_unread": Notification.objects.filter(recipient=user).unread().count()}
