"""Every URL declares the permission it checks, and docs/permissions.md lists every permission."""

from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

from satudata.accounts.permissions import registered

DOCS = Path(__file__).resolve().parent.parent / "docs"


def walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def test_it_declares_a_permission_on_every_route():
    missing, unknown = [], []
    rules = registered()
    for route, pattern in walk(get_resolver().url_patterns):
        if route.startswith("admin/"):
            continue  # the admin site asks can(user, "admin.access") in has_permission
        action = getattr(pattern.callback, "permission", None)
        if action is None:
            missing.append(route)
        elif action not in rules:
            unknown.append((route, action))
    assert not missing, f"routes without a permission: {missing}"
    assert not unknown, f"routes with an unknown permission: {unknown}"


def test_it_documents_every_permission():
    text = (DOCS / "permissions.md").read_text()
    undocumented = [action for action in registered() if f"`{action}`" not in text]
    assert not undocumented
