from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from satudata.accounts.permissions import authorize, route

from .models import Notification

PAGE_SIZE = 20


def _own(request, pk):
    # Looked up by id alone, then checked: another user's notification is a 404 like a missing one.
    notification = get_object_or_404(Notification, pk=pk)
    authorize(request.user, "notification.view", notification)
    return notification


@route("inbox.view")
def inbox(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    authorize(request.user, "inbox.view")
    notifications = Notification.objects.filter(recipient=request.user).order_by(
        F("read_at").desc(nulls_first=True), "-created_at", "-id"
    )
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("halaman"))
    unread = Notification.objects.filter(recipient=request.user).unread().count()
    return render(request, "notifications/inbox.html", {"page": page, "unread": unread})


@route("notification.view")
def open_notification(request, pk):
    """Mark as read and go to the place to act."""
    notification = _own(request, pk)
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    if not url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None):
        return redirect("notifications:inbox")
    return redirect(notification.url)


@require_POST
@route("notification.view")
def mark_read(request, pk):
    notification = _own(request, pk)
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    messages.success(request, _("Pemberitahuan ditandai sudah dibaca."))
    return redirect("notifications:inbox")


@require_POST
@route("inbox.view")
def mark_all_read(request):
    authorize(request.user, "inbox.view")
    count = (
        Notification.objects.filter(recipient=request.user).unread().update(read_at=timezone.now())
    )
    messages.success(
        request, _("%(count)s pemberitahuan ditandai sudah dibaca.") % {"count": count}
    )
    return redirect("notifications:inbox")
