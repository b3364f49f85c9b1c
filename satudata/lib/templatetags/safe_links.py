"""{% load safe_links %}: links to addresses that come from data (docs/security.md, XSS).

Autoescaping keeps a value inside its attribute, but an href of `javascript:…` or
`data:…` still runs or renders when clicked; only http(s) addresses become links.
"""

from urllib.parse import urlsplit

from django import template

register = template.Library()

SCHEMES = ("http", "https")


def http_url(value):
    """`value` when it is an absolute http(s) address, else ""."""
    text = str(value or "").strip()
    # Browsers drop tabs and newlines inside a URL ("java\tscript:"); so does the check.
    if any(c in text for c in "\t\r\n") or any(ord(c) < 32 for c in text):
        return ""
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    if parts.scheme.lower() not in SCHEMES or not parts.netloc:
        return ""
    return text


register.filter("http_url", http_url)
