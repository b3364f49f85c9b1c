"""The two password policies, chosen by SATUDATA_PASSWORD_POLICY (docs/security.md).

- "bssn": Peraturan BSSN 4/2021 (Standar Teknis dan Prosedur Keamanan SPBE), binding on
  pemda: at least 12 characters with upper case, lower case, a digit and a symbol; no reuse
  of earlier passwords; a maximum age (PASSWORD_MAX_AGE_DAYS, 180 days = 6 months).
- "asvs": OWASP ASVS 5.0.0 (v5.0.0-6.2.1, 6.2.4, 6.2.5, 6.2.9, 6.2.10): at least 12
  characters (15 recommended), long passphrases allowed, no composition rules, checked
  against a list of common passwords, no periodic change.

Both modes also refuse passwords close to the user's own name or e-mail and all-digit
passwords, and cap the length at 256 characters (hashing cost).
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

POLICIES = ("bssn", "asvs")
MIN_LENGTH = 12
MAX_LENGTH = 256

_DJANGO = "django.contrib.auth.password_validation."
_OURS = "satudata.accounts.passwords."


def validators_for(policy):
    """AUTH_PASSWORD_VALIDATORS for a policy name (settings.py calls this)."""
    if policy not in POLICIES:
        raise ValueError(f"SATUDATA_PASSWORD_POLICY must be one of {POLICIES}, not {policy!r}")
    common = [
        {"NAME": _DJANGO + "UserAttributeSimilarityValidator"},
        {"NAME": _DJANGO + "MinimumLengthValidator", "OPTIONS": {"min_length": MIN_LENGTH}},
        {"NAME": _OURS + "MaximumLengthValidator", "OPTIONS": {"max_length": MAX_LENGTH}},
        {"NAME": _DJANGO + "NumericPasswordValidator"},
    ]
    if policy == "asvs":
        # The common-password list is ASVS 6.2.4; it is only a safety net under BSSN.
        return [*common, {"NAME": _DJANGO + "CommonPasswordValidator"}]
    return [
        *common,
        {"NAME": _DJANGO + "CommonPasswordValidator"},
        {"NAME": _OURS + "CompositionValidator"},
        {"NAME": _OURS + "HistoryValidator"},
    ]


class MaximumLengthValidator:
    def __init__(self, max_length=MAX_LENGTH):
        self.max_length = max_length

    def validate(self, password, user=None):
        if len(password) > self.max_length:
            raise ValidationError(
                _("Kata sandi terlalu panjang: paling banyak %(max)d karakter.")
                % {"max": self.max_length},
                code="password_too_long",
            )

    def get_help_text(self):
        return _("Kata sandi paling banyak %(max)d karakter.") % {"max": self.max_length}


class CompositionValidator:
    """BSSN: upper case, lower case, a digit and a symbol."""

    def validate(self, password, user=None):
        missing = []
        if not any(c.isupper() for c in password):
            missing.append(_("huruf besar"))
        if not any(c.islower() for c in password):
            missing.append(_("huruf kecil"))
        if not any(c.isdigit() for c in password):
            missing.append(_("angka"))
        if all(c.isalnum() for c in password):
            missing.append(_("simbol"))
        if missing:
            raise ValidationError(
                _("Kata sandi harus memuat %(missing)s.") % {"missing": ", ".join(missing)},
                code="password_composition",
            )

    def get_help_text(self):
        return _("Kata sandi harus memuat huruf besar, huruf kecil, angka, dan simbol.")


class HistoryValidator:
    """BSSN: none of the user's earlier passwords (the last User.PASSWORD_HISTORY_KEPT)."""

    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        earlier = [user.password] if user.password else []
        earlier += list(user.password_history.values_list("password", flat=True))
        if any(check_password(password, encoded) for encoded in earlier if encoded):
            raise ValidationError(
                _("Kata sandi ini pernah Anda pakai. Pilih kata sandi yang belum pernah dipakai."),
                code="password_reused",
            )

    def get_help_text(self):
        return _("Kata sandi yang pernah dipakai tidak boleh dipakai lagi.")


def policy():
    return getattr(settings, "PASSWORD_POLICY", "bssn")


def password_expired(user) -> bool:
    """Under the BSSN policy, a password older than PASSWORD_MAX_AGE_DAYS must be changed."""
    days = int(getattr(settings, "PASSWORD_MAX_AGE_DAYS", 180))
    if policy() != "bssn" or days <= 0 or user.password_changed_at is None:
        return False
    return timezone.now() - user.password_changed_at > timedelta(days=days)
