"""TOTP second factor (RFC 6238: SHA-1, 30-second steps, 6 digits, ±1 step), recovery codes,
and the session mark that the second factor was verified.

The TOTP secret is stored encrypted with Fernet (AES-128-CBC + HMAC-SHA256). The key is
derived from SECRET_KEY with HKDF-SHA256 (info "satudata.accounts.totp"); keys derived from
SECRET_KEY_FALLBACKS still decrypt, so a key rotation keeps enrolled devices working while
the old key stays in the fallbacks.
"""

import base64
import hashlib
import secrets
import time

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from .constants import Role
from .models import RecoveryCode, TwoFactorDevice

STEP_SECONDS = 30
DIGITS = 6
WINDOW = 1  # steps accepted either side of now (clock drift)
RECOVERY_CODE_COUNT = 10
ISSUER = "Satu Data"

# The session key that says "this session passed the second factor" (or the test helpers).
VERIFIED_SESSION_KEY = "satudata_2fa_verified"
# Roles for which the second factor is mandatory (Walidata, Pembina, Pimpinan, Admin).
REQUIRED_ROLES = frozenset({Role.STEWARD, Role.SUPERVISOR, Role.LEADER, Role.ADMIN})


# --- encryption of the secret -------------------------------------------------------------


def _fernet_key(secret_key):
    derived = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"satudata-totp-secret-v1",
        info=b"satudata.accounts.totp",
    ).derive(secret_key.encode() if isinstance(secret_key, str) else secret_key)
    return base64.urlsafe_b64encode(derived)


def _cipher():
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([Fernet(_fernet_key(k)) for k in keys])


def encrypt_secret(secret: str) -> str:
    return _cipher().encrypt(secret.encode()).decode()


def decrypt_secret(token: str) -> str:
    try:
        return _cipher().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValueError("the TOTP secret cannot be decrypted with SECRET_KEY") from None


# --- TOTP ---------------------------------------------------------------------------------


def new_secret() -> str:
    return pyotp.random_base32()  # 32 base32 characters = 160 bits


def _totp(secret):
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)


def matching_step(secret, code, now=None):
    """The time step (now ±WINDOW) whose code equals `code`, or None."""
    code = "".join(str(code or "").split())
    if len(code) != DIGITS or not code.isdigit():
        return None
    now = time.time() if now is None else now
    current = int(now // STEP_SECONDS)
    totp = _totp(secret)
    found = None
    for step in range(current - WINDOW, current + WINDOW + 1):
        if constant_time_compare(totp.generate_otp(step), code):
            found = step
    return found


def verify_totp(device, code, now=None) -> bool:
    """Accept a code once: its step must be later than the last accepted step.

    The update is conditional in the database, so two requests racing with the same code
    cannot both succeed."""
    step = matching_step(decrypt_secret(device.encrypted_secret), code, now=now)
    if step is None or step <= device.last_used_step:
        return False
    updated = TwoFactorDevice.objects.filter(pk=device.pk, last_used_step__lt=step).update(
        last_used_step=step
    )
    if updated:
        device.last_used_step = step
        if getattr(settings, "SECRET_KEY_FALLBACKS", None):
            # A key rotation is settling: re-encrypt the secret under the current SECRET_KEY,
            # so the old key can leave the fallbacks once every device has been used.
            device.encrypted_secret = _cipher().rotate(device.encrypted_secret.encode()).decode()
            TwoFactorDevice.objects.filter(pk=device.pk).update(
                encrypted_secret=device.encrypted_secret
            )
    return bool(updated)


def provisioning_uri(user, secret):
    return _totp(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_svg(uri) -> str:
    """The otpauth:// URI as an inline SVG (no script, no external resource)."""
    return segno.make(uri, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff")


def spaced(secret):
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def confirmed_device(user):
    if user is None or not user.is_authenticated:
        return None
    return TwoFactorDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def pending_device(user):
    """The user's unconfirmed device, made (with a new secret) when there is none."""
    device, _created = TwoFactorDevice.objects.get_or_create(
        user=user, defaults={"encrypted_secret": encrypt_secret(new_secret())}
    )
    return device


# --- recovery codes -----------------------------------------------------------------------

_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def _normalise(code):
    return "".join(ch for ch in str(code or "").lower() if ch.isalnum())


def hash_code(code) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def new_recovery_codes(user):
    """Replace the user's recovery codes; return the new ones (shown once, never stored)."""
    codes = []
    for _i in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_ALPHABET) for _j in range(12))  # ~59 bits
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
    with transaction.atomic():
        RecoveryCode.objects.filter(user=user).delete()
        RecoveryCode.objects.bulk_create(
            [RecoveryCode(user=user, code_hash=hash_code(c)) for c in codes]
        )
    return codes


def use_recovery_code(user, code) -> bool:
    """Spend one unused recovery code (conditional update: each works exactly once)."""
    if len(_normalise(code)) != 12:
        return False
    return bool(
        RecoveryCode.objects.filter(
            user=user, code_hash=hash_code(code), used_at__isnull=True
        ).update(used_at=timezone.now())
    )


def recovery_codes_left(user) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


# --- who needs it, and the session mark ---------------------------------------------------


def enforcement_on() -> bool:
    return getattr(settings, "TWO_FACTOR_ENFORCED", True)


def role_requires_second_factor(user) -> bool:
    return enforcement_on() and bool(user.roles() & REQUIRED_ROLES)


def mark_verified(request_or_session):
    """Mark a session as having passed the second factor (a request or a session)."""
    session = getattr(request_or_session, "session", request_or_session)
    session[VERIFIED_SESSION_KEY] = True


def is_verified(request_or_session) -> bool:
    session = getattr(request_or_session, "session", request_or_session)
    return bool(session.get(VERIFIED_SESSION_KEY))
