"""Sign-in throttling and lockout, kept in the database so every worker process sees it.

Each failed attempt (wrong password, wrong second-factor code) is a FailedLogin row with the
name typed and the peer address. When a name reaches LOGIN_MAX_FAILURES failures within
LOGIN_FAILURE_WINDOW seconds, or an address reaches LOGIN_IP_MAX_FAILURES, sign-in for that
name (or from that address) is locked for LOGIN_LOCKOUT_SECONDS. Names are counted whether
or not an account exists, so the lock message reveals nothing about which names exist.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from satudata.audit.actions import client_ip, record
from satudata.audit.constants import AuditAction

from .models import FailedLogin, LoginLock, User

log = logging.getLogger("satudata.accounts.signin")


def _setting(name, default):
    return int(getattr(settings, name, default))


def max_failures():
    return _setting("LOGIN_MAX_FAILURES", 5)


def ip_max_failures():
    return _setting("LOGIN_IP_MAX_FAILURES", 50)


def window():
    return timedelta(seconds=_setting("LOGIN_FAILURE_WINDOW", 900))


def lockout():
    return timedelta(seconds=_setting("LOGIN_LOCKOUT_SECONDS", 900))


def normalise(username):
    return str(username or "").strip().lower()[:150]


def _keys(username, ip):
    keys = [f"user:{normalise(username)}"]
    if ip:
        keys.append(f"ip:{ip}")
    return keys


def is_locked(username, request) -> bool:
    return LoginLock.objects.filter(
        key__in=_keys(username, client_ip(request)), locked_until__gt=timezone.now()
    ).exists()


def register_failure(username, request, *, step="password") -> bool:
    """Count one failure; lock the name and/or address when a limit is reached.

    Returns True when sign-in is now locked for this name or address."""
    name = normalise(username)
    ip = client_ip(request)
    now = timezone.now()
    since = now - window()
    log.warning("sign-in failed (%s step) for %r from %s", step, name, ip)
    locked = False
    with transaction.atomic():
        FailedLogin.objects.filter(created_at__lt=now - max(window(), lockout())).delete()
        FailedLogin.objects.create(username=name, ip_address=ip, created_at=now)
        limits = [(f"user:{name}", {"username": name}, max_failures())]
        if ip:
            limits.append((f"ip:{ip}", {"ip_address": ip}, ip_max_failures()))
        for key, match, limit in limits:
            count = FailedLogin.objects.filter(created_at__gte=since, **match).count()
            if count < limit:
                continue
            lock, _created = LoginLock.objects.update_or_create(
                key=key, defaults={"locked_until": now + lockout(), "created_at": now}
            )
            locked = True
            user = User.objects.filter(username__iexact=name).first() if "user:" in key else None
            record(
                AuditAction.ACCOUNT_LOCKED,
                user or lock,
                request=request,
                after={
                    "key": key,
                    "failures": count,
                    "step": step,
                    "locked_until": lock.locked_until.isoformat(),
                },
            )
            log.warning("sign-in locked for %s until %s", key, lock.locked_until.isoformat())
    return locked


def clear_failures(username):
    """A successful sign-in forgets the failures of that name (not those of the address)."""
    name = normalise(username)
    FailedLogin.objects.filter(username=name).delete()
    LoginLock.objects.filter(key=f"user:{name}").delete()
