"""The one permission check of the portal.

Every named action is declared once with `@rule("noun.verb")`; every page, API and file
path asks `can(user, action, obj)` (or `authorize`, which turns a "no" into 404 or 403).
Apps register their rules in AppConfig.ready(). docs/permissions.md lists each action and a
test keeps that list complete.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .constants import Role


@dataclass(frozen=True)
class Rule:
    action: str
    check: callable
    # For a write action: the read action whose "yes" turns a 404 into a 403.
    read_action: str | None
    description: str


_RULES: dict[str, Rule] = {}


def rule(action, *, read_action=None):
    def register(func):
        if action in _RULES:
            raise ValueError(f"permission {action!r} is declared twice")
        _RULES[action] = Rule(action, func, read_action, (func.__doc__ or "").strip())
        return func

    return register


def registered():
    return dict(_RULES)


def roles_of(user) -> frozenset:
    if user is None or not user.is_authenticated:
        return frozenset()
    return user.roles()


def is_staff_member(user) -> bool:
    """Any signed-in user with at least one role: a government user."""
    return bool(roles_of(user))


def can(user, action, obj=None) -> bool:
    try:
        found = _RULES[action]
    except KeyError:
        raise LookupError(f"unknown permission {action!r}") from None
    return bool(found.check(user, obj))


def authorize(user, action, obj=None):
    """Raise Http404 when the user may not even see `obj`, PermissionDenied when read-only."""
    if can(user, action, obj):
        return
    found = _RULES[action]
    if found.read_action and can(user, found.read_action, obj):
        raise PermissionDenied
    raise Http404


def route(action):
    """Declare the permission a view checks; the route inventory test requires one per URL."""

    def mark(view):
        view.permission = action
        return view

    return mark


@rule("portal.browse")
def _browse(user, obj):
    """Anyone, signed in or not, may open the public pages (their contents are filtered)."""
    return True


@rule("account.sign_in")
def _sign_in(user, obj):
    """Anyone may open the sign-in and sign-out pages."""
    return True


@rule("admin.access")
def _admin(user, obj):
    """Only an Admin opens the Django admin."""
    return Role.ADMIN in roles_of(user)
