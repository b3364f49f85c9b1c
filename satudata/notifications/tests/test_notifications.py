import logging

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from conftest import make_user
from satudata.notifications.api import notify
from satudata.notifications.constants import Kind
from satudata.notifications.models import Notification


@pytest.fixture
def people(cast):
    for name in ("walidata", "produsen_a", "produsen_b"):
        cast[name].email = f"{name}@example.test"
        cast[name].save()
    return cast


def _notify(recipients, actor=None, **kwargs):
    defaults = dict(
        subject="Dataset diajukan", body="Mohon diperiksa.", url="/kelola/", target="Dataset X"
    )
    defaults.update(kwargs)
    return notify(recipients, Kind.SUBMITTED, actor=actor, **defaults)


def test_it_creates_one_row_per_distinct_active_recipient_but_not_the_actor(people, catalog):
    inactive = make_user("nonaktif")
    inactive.is_active = False
    inactive.save()
    walidata, produsen_a = people["walidata"], people["produsen_a"]
    created = notify(
        [walidata, walidata, inactive, produsen_a, people["produsen_b"]],
        Kind.SUBMITTED,
        subject="Dataset diajukan",
        body="Mohon diperiksa.",
        url="/kelola/",
        target=catalog["draft"],
        actor=produsen_a,
    )
    assert sorted(n.recipient.username for n in created) == ["produsen_b", "walidata"]
    rows = Notification.objects.order_by("recipient__username")
    assert [r.recipient.username for r in rows] == ["produsen_b", "walidata"]
    first = rows[0]
    assert first.kind == Kind.SUBMITTED
    assert first.actor == produsen_a
    assert (first.target_type, first.target_id) == ("catalog.dataset", str(catalog["draft"].pk))
    assert first.read_at is None


def test_it_refuses_a_link_outside_the_portal(people):
    for url in ("https://evil.example/", "//evil.example/", "kelola/"):
        with pytest.raises(ValueError):
            _notify([people["walidata"]], url=url)
    assert not Notification.objects.exists()


def test_it_rejects_an_unknown_kind(people):
    with pytest.raises(ValueError):
        notify([people["walidata"]], "exploded", subject="x", body="", url="/")


def test_the_email_goes_once_after_commit(people, django_capture_on_commit_callbacks, settings):
    settings.SITE_URL = "https://data.example.test/"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            _notify([people["walidata"], people["produsen_b"]], url="/kelola/dataset/x/")
            assert mail.outbox == []  # nothing before the commit
    assert len(callbacks) == 1
    assert len(mail.outbox) == 2
    message = next(m for m in mail.outbox if m.to == ["walidata@example.test"])
    assert "Dataset diajukan" in message.subject
    assert "https://data.example.test/kelola/dataset/x/" in message.body
    assert "Mohon diperiksa." in message.body
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 2
    # Running the callback again does not mail twice.
    callbacks[0]()
    assert len(mail.outbox) == 2


def test_a_rolled_back_change_sends_nothing(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                _notify([people["walidata"]])
                raise RuntimeError("the transition failed")
    assert callbacks == []
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_a_user_without_email_gets_only_the_inbox_row(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _notify([cast["pembina"]])
    assert Notification.objects.filter(recipient=cast["pembina"]).count() == 1
    assert mail.outbox == []


def test_a_mail_failure_is_logged_and_keeps_the_change(
    people, django_capture_on_commit_callbacks, settings, caplog
):
    settings.EMAIL_BACKEND = "satudata.notifications.tests.broken_mail.EmailBackend"
    with caplog.at_level(logging.ERROR, logger="satudata.notifications.api"):
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                _notify([people["walidata"]])
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 1
    assert "failed" in caplog.text


def test_the_inbox_lists_only_ones_own_unread_first(people, clients):
    old = _notify([people["walidata"]], subject="Lama sudah dibaca")[0]
    Notification.objects.filter(pk=old.pk).update(read_at="2024-01-01T00:00Z")
    _notify([people["walidata"]], subject="Baru belum dibaca")
    _notify([people["produsen_b"]], subject="Milik orang lain")
    page = clients["walidata"].get(reverse("notifications:inbox")).content.decode()
    assert "Milik orang lain" not in page
    assert page.index("Baru belum dibaca") < page.index("Lama sudah dibaca")
    # The header shows the unread count on every page.
    home = clients["walidata"].get("/").content.decode()
    assert 'class="badge-count">1<' in home


def test_the_public_is_sent_to_sign_in(clients):
    response = clients["publik"].get(reverse("notifications:inbox"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_opening_marks_read_and_goes_to_the_place_to_act(people, clients):
    note = _notify([people["walidata"]], url="/kelola/")[0]
    response = clients["walidata"].get(reverse("notifications:open", args=[note.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/kelola/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_mark_read_and_mark_all(people, clients):
    first, second, third = (_notify([people["walidata"]], subject=f"N{i}")[0] for i in range(3))
    client = clients["walidata"]
    assert client.get(reverse("notifications:mark_read", args=[first.pk])).status_code == 405
    client.post(reverse("notifications:mark_read", args=[first.pk]))
    assert list(Notification.objects.unread().order_by("id")) == [second, third]
    client.post(reverse("notifications:mark_all_read"))
    assert not Notification.objects.unread().exists()


@pytest.mark.parametrize("name", ["produsen_b", "admin", "publik"])
def test_another_users_notification_cannot_be_opened_or_marked(people, clients, name):
    note = _notify([people["walidata"]])[0]
    client = clients[name]
    assert client.get(reverse("notifications:open", args=[note.pk])).status_code == 404
    assert client.post(reverse("notifications:mark_read", args=[note.pk])).status_code == 404
    client.post(reverse("notifications:mark_all_read"))
    note.refresh_from_db()
    assert note.read_at is None
