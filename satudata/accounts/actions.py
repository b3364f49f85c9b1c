"""Writes on a user's own sign-in state, each audited inside its transaction."""

from django.contrib.auth import login, update_session_auth_hash
from django.db import transaction
from django.utils import timezone

from satudata.audit.actions import record
from satudata.audit.constants import AuditAction

from . import throttle, twofactor
from .models import TwoFactorDevice


def sign_in(request, user, *, backend, second_factor=None):
    """Start the session (Django's login() gives it a new key) and record the sign-in."""
    with transaction.atomic():
        login(request, user, backend=backend)
        if second_factor:
            twofactor.mark_verified(request)
        throttle.clear_failures(user.get_username())
        record(
            AuditAction.ACCOUNT_SIGN_IN,
            user,
            actor=user,
            request=request,
            after={"second_factor": second_factor or "none"},
        )


def enable_two_factor(request, device):
    """Confirm the device, make recovery codes, end the user's other sessions and keep this
    one (now verified). Returns the recovery codes to show once."""
    user = request.user
    with transaction.atomic():
        TwoFactorDevice.objects.filter(pk=device.pk).update(confirmed_at=timezone.now())
        codes = twofactor.new_recovery_codes(user)
        user.end_all_sessions()
        update_session_auth_hash(request, user)
        twofactor.mark_verified(request)
        record(AuditAction.TWO_FACTOR_ENABLE, user, actor=user, request=request)
        record(
            AuditAction.SESSIONS_END,
            user,
            actor=user,
            request=request,
            after={"cause": "account.two_factor_enabled", "current_session_kept": True},
        )
    return codes


def disable_two_factor(request, *, actor=None, user=None, reason=""):
    """Remove the device and the recovery codes; end every other session of the user.

    From the user's own page (request.user) the current session stays, unverified: a role
    that requires the second factor is sent back to set-up at once."""
    user = user or request.user
    if actor is None and request is not None:
        actor = request.user
    own = request is not None and request.user.pk == user.pk
    with transaction.atomic():
        TwoFactorDevice.objects.filter(user=user).delete()
        user.recovery_codes.all().delete()
        user.end_all_sessions()
        if own:
            update_session_auth_hash(request, user)
            request.session.pop(twofactor.VERIFIED_SESSION_KEY, None)
        record(AuditAction.TWO_FACTOR_DISABLE, user, actor=actor, request=request, reason=reason)
        record(
            AuditAction.SESSIONS_END,
            user,
            actor=actor,
            request=request,
            after={"cause": "account.two_factor_disabled", "current_session_kept": own},
        )


def new_recovery_codes(request):
    user = request.user
    with transaction.atomic():
        codes = twofactor.new_recovery_codes(user)
        record(AuditAction.RECOVERY_CODES_CREATE, user, actor=user, request=request)
    return codes


def password_changed(request, user):
    """After PasswordChangeView saved the new password: the password hash changed, so every
    other session's auth hash no longer matches (Django); the view kept this one."""
    with transaction.atomic():
        record(
            AuditAction.PASSWORD_CHANGE,
            user,
            actor=user,
            request=request,
            after={"other_sessions_ended": True},
        )


def account_deactivated(request, user):
    """Called by the admin after is_active became False (User.save raised the epoch)."""
    record(
        AuditAction.SESSIONS_END,
        user,
        actor=request.user,
        request=request,
        after={"cause": "deactivated", "current_session_kept": False},
    )
