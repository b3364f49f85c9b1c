"""notify(): the one way to tell users that something needs them.

Call it inside the transaction that makes the change: the inbox rows are part of that
transaction, and the e-mail copies are sent only after it commits (a rollback sends
nothing). A failing mail server is logged and never breaks the change itself.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .constants import Kind
from .models import Notification

logger = logging.getLogger(__name__)


def absolute_url(path):
    """The portal address (SATUDATA_SITE_URL) joined with a site-relative path."""
    return settings.SITE_URL.rstrip("/") + path


def _check_url(url):
    url = str(url)
    # Only paths of this portal: an inbox link must never lead somewhere else.
    if not url.startswith("/") or url.startswith("//") or "\\" in url:
        raise ValueError(f"notification url must be a site-relative path, not {url!r}")
    return url


def _target_fields(target):
    if target is None:
        return "", "", ""
    if isinstance(target, str):
        return "", "", target[:255]
    return target._meta.label_lower, str(target.pk), str(target)[:255]


def _unique_recipients(recipients, actor):
    seen, users = set(), []
    actor_id = getattr(actor, "pk", None)
    for user in recipients:
        if user is None or user.pk is None or user.pk in seen:
            continue
        seen.add(user.pk)
        if not user.is_active or user.pk == actor_id:
            continue
        users.append(user)
    return users


def notify(recipients, kind, *, subject, body, url, target=None, actor=None) -> list[Notification]:
    """Put one notification in each recipient's inbox and e-mail it after commit.

    `recipients`: users (duplicates, inactive users and the actor themself are skipped);
    `kind`: a notifications.constants.Kind; `url`: a site-relative path to the place to act;
    `target`: the model instance (or a text label) the notification is about.
    """
    kind = Kind(kind)
    url = _check_url(url)
    target_type, target_id, target_label = _target_fields(target)
    users = _unique_recipients(recipients, actor)
    if not users:
        return []
    # Stored and mailed in the portal's language (Bahasa Indonesia), whoever triggered it.
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = str(subject)[:255], str(body)
    actor_user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    notifications = Notification.objects.bulk_create(
        Notification(
            recipient=user,
            kind=kind,
            subject=subject,
            body=body,
            url=url,
            actor=actor_user,
            target_type=target_type,
            target_id=target_id,
            target_label=target_label,
        )
        for user in users
    )
    ids = [n.pk for n in notifications]
    transaction.on_commit(lambda: send_emails(ids))
    return notifications


def _message(notification):
    with translation.override(settings.LANGUAGE_CODE):
        greeting = _("Yth. %(name)s,") % {"name": notification.recipient}
        link = _("Buka di portal: %(url)s") % {"url": absolute_url(notification.url)}
        footer = _(
            "Surel ini dikirim otomatis oleh %(site)s. Semua pemberitahuan juga ada di "
            "Kotak Masuk: %(inbox)s"
        ) % {"site": settings.SITE_NAME, "inbox": absolute_url(reverse("notifications:inbox"))}
        text = f"{greeting}\n\n{notification.body}\n\n{link}\n\n-- \n{footer}\n"
        subject = f"[{settings.SITE_NAME}] {notification.subject}"
    # A header cannot hold a line break; a subject is one line.
    subject = " ".join(subject.split())
    return EmailMessage(subject, text, to=[notification.recipient.email])


def send_emails(ids):
    """Send the e-mail copies of notifications `ids`; runs after the change has committed."""
    try:
        pending = list(
            Notification.objects.filter(pk__in=ids, emailed_at__isnull=True)
            .exclude(recipient__email="")
            .select_related("recipient")
        )
        if not pending:
            return 0
        sent = []
        # One connection for the batch; each recipient gets their own message (no shared To:).
        with get_connection(fail_silently=False) as connection:
            for notification in pending:
                try:
                    connection.send_messages([_message(notification)])
                except Exception:
                    logger.exception("e-mail for notification %s failed", notification.pk)
                else:
                    sent.append(notification.pk)
        Notification.objects.filter(pk__in=sent).update(emailed_at=timezone.now())
        return len(sent)
    except Exception:
        # The change has committed already; a mail problem must never surface as an error.
        logger.exception("sending notification e-mails failed")
        return 0
