"""Staff sign-in: TOTP, mandatory enrolment, lockout, sessions, password policies.

Every test goes through the real views with real codes from pyotp; nothing is mocked.
"""

import re
import time
from datetime import timedelta

import pyotp
import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import ValidationError
from django.test import Client
from django.test.client import ClientMixin
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from satudata.accounts import twofactor
from satudata.accounts.models import (
    FailedLogin,
    LoginLock,
    RecoveryCode,
    TwoFactorDevice,
    User,
)
from satudata.accounts.passwords import (
    CompositionValidator,
    HistoryValidator,
    validators_for,
)
from satudata.audit.models import AuditEvent

SETUP = "/kelola/akun/2fa/"
STAFF_PAGE = "/kelola/audit/"  # a Walidata page
PRODUCER_PAGE = "/kelola/"  # ingest:manage, any role


def enrol(user, secret=None):
    secret = secret or pyotp.random_base32()
    TwoFactorDevice.objects.create(
        user=user,
        encrypted_secret=twofactor.encrypt_secret(secret),
        confirmed_at=timezone.now(),
    )
    return secret


def code_at(secret, offset_steps=0):
    return pyotp.TOTP(secret).at(time.time() + offset_steps * 30)


def password_step(client, username, password=PASSWORD, next_url=None):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data)


def session_cookie(client):
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def client_with_cookie(value):
    other = Client()
    other.cookies[settings.SESSION_COOKIE_NAME] = value
    return other


def signed_in(client):
    response = client.get(reverse("portal:home"))
    return response.status_code == 200 and response.context["user"].is_authenticated


# --- TOTP ---------------------------------------------------------------------------------


def test_it_accepts_a_code_once_within_one_step_either_side(cast):
    secret = enrol(cast["walidata"])
    device = TwoFactorDevice.objects.get(user=cast["walidata"])
    now = time.time()
    assert not twofactor.verify_totp(device, pyotp.TOTP(secret).at(now - 61), now=now)
    assert not twofactor.verify_totp(device, pyotp.TOTP(secret).at(now + 61), now=now)
    assert not twofactor.verify_totp(device, "000000" if code_at(secret) != "000000" else "1")
    previous = pyotp.TOTP(secret).at(now - 30)
    assert twofactor.verify_totp(device, previous, now=now)
    # Replay of the same code, even from a fresh copy of the device row: refused.
    assert not twofactor.verify_totp(TwoFactorDevice.objects.get(pk=device.pk), previous, now=now)
    current = pyotp.TOTP(secret).at(now)
    assert twofactor.verify_totp(device, current, now=now)
    assert not twofactor.verify_totp(device, current, now=now)
    # An older step's code is refused once a later one was used.
    assert not twofactor.verify_totp(device, pyotp.TOTP(secret).at(now - 30), now=now)


def test_it_stores_the_secret_encrypted(cast, settings):
    secret = enrol(cast["walidata"])
    stored = TwoFactorDevice.objects.get(user=cast["walidata"]).encrypted_secret
    assert secret not in stored
    assert twofactor.decrypt_secret(stored) == secret
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "another-key-" + "x" * 40
    with pytest.raises(ValueError):
        twofactor.decrypt_secret(stored)
    settings.SECRET_KEY_FALLBACKS = [old_key]  # a rotated key still decrypts
    assert twofactor.decrypt_secret(stored) == secret
    # The first accepted code re-encrypts the secret under the new key; then the old key
    # can leave the fallbacks.
    device = TwoFactorDevice.objects.get(user=cast["walidata"])
    assert twofactor.verify_totp(device, pyotp.TOTP(secret).now())
    settings.SECRET_KEY_FALLBACKS = []
    rotated = TwoFactorDevice.objects.get(user=cast["walidata"]).encrypted_secret
    assert twofactor.decrypt_secret(rotated) == secret


# --- the full sign-in flow ----------------------------------------------------------------


def test_it_signs_in_with_password_then_a_real_totp_code(client, cast):
    secret = enrol(cast["walidata"])
    response = password_step(client, "walidata", next_url=STAFF_PAGE)
    assert response.status_code == 302 and response["Location"] == reverse("login_code")
    assert not signed_in(client)  # the password alone signs nobody in
    response = client.post(reverse("login_code"), {"code": "123456"})
    assert response.status_code == 200 and "salah" in response.content.decode()
    assert not signed_in(client)
    response = client.post(reverse("login_code"), {"code": code_at(secret)})
    assert response.status_code == 302 and response["Location"] == STAFF_PAGE
    assert client.get(STAFF_PAGE).status_code == 200
    event = AuditEvent.objects.filter(action="account.sign_in").latest("id")
    assert event.actor == cast["walidata"] and event.after == {"second_factor": "totp"}


def test_it_refuses_an_offsite_next_after_the_code(client, cast):
    secret = enrol(cast["walidata"])
    password_step(client, "walidata", next_url="https://evil.example/")
    response = client.post(reverse("login_code"), {"code": code_at(secret)})
    assert response["Location"] == "/"


def test_it_signs_in_once_with_each_recovery_code(client, cast):
    enrol(cast["pembina"])
    codes = twofactor.new_recovery_codes(cast["pembina"])
    assert all(
        RecoveryCode.objects.filter(code_hash=twofactor.hash_code(c)).exists() for c in codes
    )
    assert not RecoveryCode.objects.filter(code_hash__in=codes).exists()  # only hashes
    password_step(client, "pembina")
    response = client.post(reverse("login_code"), {"code": codes[0].upper()})
    assert response.status_code == 302 and signed_in(client)
    assert AuditEvent.objects.filter(action="account.recovery_code_used").exists()
    client.post(reverse("logout"))
    password_step(client, "pembina")
    response = client.post(reverse("login_code"), {"code": codes[0]})
    assert response.status_code == 200 and not signed_in(client)


def test_it_drops_the_code_step_when_the_password_changed_meanwhile(client, cast):
    secret = enrol(cast["walidata"])
    password_step(client, "walidata")
    user = User.objects.get(username="walidata")
    user.set_password("Sandi#Baru-2026-kupang")
    user.save()
    response = client.post(reverse("login_code"), {"code": code_at(secret)})
    assert response["Location"] == reverse("login") and not signed_in(client)


def test_the_code_step_needs_the_password_step(client, cast):
    enrol(cast["walidata"])
    response = client.get(reverse("login_code"))
    assert response.status_code == 302 and response["Location"] == reverse("login")


# --- mandatory enrolment ------------------------------------------------------------------


@pytest.mark.parametrize("role", ["walidata", "pembina", "pimpinan", "admin"])
def test_it_sends_roles_that_need_it_to_setup_and_blocks_everything_else(client, cast, role):
    response = password_step(client, role)
    assert response.status_code == 302 and response["Location"].startswith(SETUP)
    for path in (STAFF_PAGE, PRODUCER_PAGE, "/admin/", "/", "/api/v1/datasets"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith(SETUP), path
    assert client.get(SETUP).status_code == 200


def test_a_producer_without_totp_is_not_blocked(client, cast):
    password_step(client, "produsen_a")
    assert client.get(PRODUCER_PAGE).status_code == 200


def test_it_enrols_through_the_setup_page(client, cast):
    password_step(client, "walidata", next_url=STAFF_PAGE)
    page = client.get(SETUP).content.decode()
    assert "<svg" in page and "<script" not in page
    device = TwoFactorDevice.objects.get(user=cast["walidata"], confirmed_at__isnull=True)
    secret = twofactor.decrypt_secret(device.encrypted_secret)
    assert twofactor.spaced(secret) in page
    assert device.encrypted_secret.find(secret) == -1
    response = client.post(SETUP, {"code": "000000" if code_at(secret) != "000000" else "111111"})
    assert "tidak cocok" in response.content.decode()
    response = client.post(SETUP, {"code": code_at(secret), "next": STAFF_PAGE})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    shown = re.findall(
        r"<code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code>", response.content.decode()
    )
    assert len(shown) == twofactor.RECOVERY_CODE_COUNT
    assert client.get(STAFF_PAGE).status_code == 200
    assert AuditEvent.objects.filter(action="account.two_factor_enabled").count() == 1
    # Shown once: the page now shows the status, not the codes.
    assert shown[0] not in client.get(SETUP).content.decode()


def test_enforcement_can_be_switched_off_for_a_demo(client, cast, settings):
    settings.TWO_FACTOR_ENFORCED = False
    password_step(client, "walidata")
    assert client.get(STAFF_PAGE).status_code == 200


def test_a_session_that_skipped_the_code_is_signed_out(cast):
    enrol(cast["walidata"])
    client = Client()
    ClientMixin.force_login(client, cast["walidata"])  # password-only session, no mark
    response = client.get(STAFF_PAGE)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not signed_in(client)


def test_it_turns_the_second_factor_off_with_password_and_code(client, cast):
    secret = enrol(cast["walidata"])
    other = Client()
    password_step(other, "walidata")
    other.post(reverse("login_code"), {"code": code_at(secret, -1)})
    assert other.get(STAFF_PAGE).status_code == 200
    password_step(client, "walidata")
    client.post(reverse("login_code"), {"code": code_at(secret)})
    data = {"action": "disable", "disable-password": "salah-salah-salah", "disable-code": "1"}
    assert client.post(SETUP, data).status_code == 200
    assert TwoFactorDevice.objects.filter(user=cast["walidata"]).exists()
    data = {"action": "disable", "disable-password": PASSWORD, "disable-code": code_at(secret, 1)}
    assert client.post(SETUP, data).status_code == 302
    assert not TwoFactorDevice.objects.filter(confirmed_at__isnull=False).exists()
    assert AuditEvent.objects.filter(action="account.two_factor_disabled").exists()
    # A Walidata must set it up again at once; the other session is over.
    assert client.get(STAFF_PAGE)["Location"].startswith(SETUP)
    assert not signed_in(other)


# --- lockout ------------------------------------------------------------------------------


def test_it_locks_a_name_after_too_many_wrong_passwords(client, cast, settings):
    settings.LOGIN_MAX_FAILURES = 3
    for _i in range(2):
        response = password_step(client, "produsen_a", "salah-sekali-123")
        assert "kata sandi salah" in response.content.decode()
    response = password_step(client, "produsen_a", "salah-sekali-123")
    assert "dikunci" in response.content.decode()  # the third failure locks
    response = password_step(client, "produsen_a")  # the right password, while locked
    assert response.status_code == 200 and "dikunci" in response.content.decode()
    assert not signed_in(client)
    assert AuditEvent.objects.filter(action="account.locked").count() == 1
    # Another name from another address is not affected.
    assert password_step(Client(REMOTE_ADDR="10.0.0.9"), "produsen_b").status_code == 302
    # When the lock ends, the right password works and the count starts again.
    LoginLock.objects.update(locked_until=timezone.now() - timedelta(seconds=1))
    FailedLogin.objects.update(created_at=timezone.now() - timedelta(hours=1))
    assert password_step(client, "produsen_a").status_code == 302 and signed_in(client)
    assert not FailedLogin.objects.filter(username="produsen_a").exists()


def test_the_lock_message_is_the_same_for_a_name_that_does_not_exist(client, cast, settings):
    settings.LOGIN_MAX_FAILURES = 2

    def locked_page(name):
        c = Client(REMOTE_ADDR=f"10.0.1.{len(name)}")
        for _i in range(3):
            response = password_step(c, name, "salah-sekali-123")
        page = response.content.decode().replace(name, "NAME")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)

    assert locked_page("produsen_b") == locked_page("tidak_ada_orang")
    assert "dikunci" in locked_page("tidak_ada_orang2")


def test_it_locks_an_address_trying_many_names(cast, settings):
    settings.LOGIN_IP_MAX_FAILURES = 4
    attacker = Client(REMOTE_ADDR="10.9.9.9")
    for i in range(4):
        password_step(attacker, f"nama{i}", "salah-sekali-123")
    response = password_step(attacker, "produsen_a")
    assert "dikunci" in response.content.decode() and not signed_in(attacker)
    assert password_step(Client(REMOTE_ADDR="10.9.9.8"), "produsen_a").status_code == 302


def test_wrong_codes_count_towards_the_lock(client, cast, settings):
    settings.LOGIN_MAX_FAILURES = 3
    secret = enrol(cast["walidata"])
    password_step(client, "walidata")
    client.post(reverse("login_code"), {"code": "999999"})
    client.post(reverse("login_code"), {"code": "999998"})
    response = client.post(reverse("login_code"), {"code": "999997"})
    assert response.status_code == 302 and response["Location"] == reverse("login")
    response = password_step(client, "walidata")
    assert "dikunci" in response.content.decode()
    assert client.post(reverse("login_code"), {"code": code_at(secret)}).status_code == 302
    assert not signed_in(client)


# --- sessions -----------------------------------------------------------------------------


def test_it_gives_a_new_session_key_at_sign_in(client, cast):
    before = client.session.session_key  # an anonymous session, as a fixation attacker sets
    assert before and session_cookie(client) == before
    password_step(client, "produsen_a")
    after = session_cookie(client)
    assert after != before and not SessionStore().exists(before)
    assert not signed_in(client_with_cookie(before))
    assert signed_in(client_with_cookie(after))


def test_it_gives_a_new_session_key_at_each_step(client, cast):
    secret = enrol(cast["walidata"])
    first = client.session.session_key
    password_step(client, "walidata")
    pending = session_cookie(client)
    client.post(reverse("login_code"), {"code": code_at(secret)})
    final = session_cookie(client)
    assert len({first, pending, final}) == 3
    assert not SessionStore().exists(first) and not SessionStore().exists(pending)


def test_an_old_cookie_is_dead_after_sign_out(client, cast):
    password_step(client, "produsen_a")
    cookie = session_cookie(client)
    assert signed_in(client_with_cookie(cookie))
    client.post(reverse("logout"))
    assert not signed_in(client_with_cookie(cookie))


def test_a_password_change_ends_every_other_session(cast):
    user = cast["produsen_a"]
    mine, other = Client(), Client()
    password_step(mine, "produsen_a")
    password_step(other, "produsen_a")
    old_cookie = session_cookie(mine)
    new = "Kupang#Sehat-2026"
    response = mine.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert signed_in(mine)  # the session that changed it stays
    assert not signed_in(other)
    assert not signed_in(client_with_cookie(old_cookie))
    assert AuditEvent.objects.filter(action="account.password_changed", actor=user).exists()


def test_deactivation_ends_every_session_for_good(cast):
    client = Client()
    password_step(client, "produsen_a")
    cookie = session_cookie(client)
    user = User.objects.get(username="produsen_a")
    user.is_active = False
    user.save()
    assert not signed_in(client_with_cookie(cookie))
    # Reactivation does not bring the old session back.
    user.is_active = True
    user.save()
    assert not signed_in(client_with_cookie(cookie))
    assert password_step(Client(), "produsen_a").status_code == 302


def test_an_admin_reset_of_the_second_factor_ends_the_sessions(cast, clients):
    secret = enrol(cast["walidata"])
    victim = Client()
    password_step(victim, "walidata")
    victim.post(reverse("login_code"), {"code": code_at(secret)})
    assert victim.get(STAFF_PAGE).status_code == 200
    response = clients["admin"].post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [cast["walidata"].pk]},
    )
    assert response.status_code == 302
    assert not TwoFactorDevice.objects.filter(user=cast["walidata"]).exists()
    assert not signed_in(victim)
    event = AuditEvent.objects.get(action="account.two_factor_disabled")
    assert event.actor == cast["admin"] and event.reason == "admin reset"


# --- password policies --------------------------------------------------------------------


def validate(policy, password, user=None):
    from django.contrib.auth.password_validation import get_password_validators, validate_password

    validate_password(
        password, user, password_validators=get_password_validators(validators_for(policy))
    )


@pytest.mark.parametrize(
    "policy,password,ok",
    [
        ("bssn", "Kupang#Sehat2026", True),
        ("bssn", "kupang#sehat2026", False),  # no upper case
        ("bssn", "KUPANG#SEHAT2026", False),  # no lower case
        ("bssn", "Kupang#SehatSekali", False),  # no digit
        ("bssn", "KupangSehat2026", False),  # no symbol
        ("bssn", "Kup#ang2026", False),  # 11 characters
        ("bssn", "kupang sehat dan sejahtera", False),  # a passphrase: no upper, no digit
        ("asvs", "kupang sehat dan sejahtera", True),  # no composition rules
        ("asvs", "kupangsehatku", True),
        ("asvs", "Kup#ang2026", False),  # 11 characters
        ("asvs", "password1234", False),  # a common password
        ("asvs", "123456789012345", False),  # all digits
        ("asvs", "a" * 257, False),  # over the cap
        ("asvs", "kata sandi panjang " * 10, True),  # long passphrases are welcome
    ],
)
def test_each_policy_accepts_and_refuses_the_right_passwords(policy, password, ok):
    if ok:
        validate(policy, password)
    else:
        with pytest.raises(ValidationError):
            validate(policy, password)


def test_bssn_refuses_an_earlier_password_and_asvs_does_not(cast):
    user = cast["produsen_a"]
    for password in ("Kupang#Sehat2024", "Kupang#Sehat2025"):
        user.set_password(password)
        user.save()
    with pytest.raises(ValidationError) as caught:
        validate("bssn", "Kupang#Sehat2024", user)
    assert caught.value.error_list[0].code == "password_reused"
    validate("bssn", "Kupang#Sehat2026", user)
    validate("asvs", "Kupang#Sehat2024", user)
    assert HistoryValidator().get_help_text() and CompositionValidator().get_help_text()


def test_the_history_keeps_only_the_latest_hashes(cast):
    user = cast["produsen_a"]
    for i in range(User.PASSWORD_HISTORY_KEPT + 3):
        user.set_password(f"Kupang#Sehat{i:04d}")
        user.save()
    assert user.password_history.count() == User.PASSWORD_HISTORY_KEPT


def test_the_password_change_page_applies_the_policy(clients, settings):
    settings.AUTH_PASSWORD_VALIDATORS = validators_for("bssn")
    response = clients["produsen_a"].post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "kupang sehat dan sejahtera",
            "new_password2": "kupang sehat dan sejahtera",
        },
    )
    assert response.status_code == 200 and "huruf besar" in response.content.decode()


@pytest.mark.parametrize("policy,redirected", [("bssn", True), ("asvs", False)])
def test_only_bssn_expires_passwords(clients, cast, settings, policy, redirected):
    settings.PASSWORD_POLICY = policy
    User.objects.filter(pk=cast["produsen_a"].pk).update(
        password_changed_at=timezone.now() - timedelta(days=181)
    )
    response = clients["produsen_a"].get(PRODUCER_PAGE)
    if redirected:
        assert response["Location"] == reverse("accounts:password_change")
        assert clients["produsen_a"].get(reverse("accounts:password_change")).status_code == 200
    else:
        assert response.status_code == 200


def test_the_account_pages_need_a_signed_in_user(client, db):
    for name in ("accounts:two_factor", "accounts:password_change"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_admin_login_form_is_no_way_around_the_sign_in(client, cast):
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "admin", "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not signed_in(client)
    chain = client.get("/admin/password_change/", follow=True).redirect_chain
    assert chain[-1][0].startswith(reverse("login"))


def test_an_operator_resets_the_second_factor_from_the_command_line(cast):
    from django.core.management import call_command

    secret = enrol(cast["pimpinan"])
    victim = Client()
    password_step(victim, "pimpinan")
    victim.post(reverse("login_code"), {"code": code_at(secret)})
    assert signed_in(victim)
    call_command("reset_two_factor", "pimpinan")
    assert not TwoFactorDevice.objects.filter(user=cast["pimpinan"]).exists()
    assert not signed_in(victim)
    assert AuditEvent.objects.filter(action="account.two_factor_disabled", actor=None).exists()
