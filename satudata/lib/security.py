"""Safe output and deploy guards (docs/security.md "Safe output", docs/operations.md).

- `production_problems()`: what makes a production start-up unsafe (a missing, short or
  sample SECRET_KEY, DEBUG on, no or a wildcard ALLOWED_HOSTS). settings.py refuses to
  start with any of them when SATUDATA_PRODUCTION is on.
- `DownloadSafetyMiddleware`: every download (a response with Content-Disposition, or a
  FileResponse) is sandboxed by its own Content-Security-Policy, and a type a browser
  could render as a page or run (HTML, SVG, XML, JavaScript) becomes
  application/octet-stream served as an attachment. Our own SVG charts get the sandbox too.
- `embeddable`: the one way to let other sites frame a view (the indicator <iframe>).

Imported by settings.py: nothing here may read django.conf.settings at import time.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.http import FileResponse

MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_UNIQUE_CHARACTERS = 5
# Words that mark a key copied from an example rather than generated.
SAMPLE_KEY_MARKERS = (
    "django-insecure",
    "ganti",  # "ganti-dengan-…" (replace with …)
    "isi-dengan",
    "contoh",  # example
    "rahasia",  # secret
    "changeme",
    "change-me",
    "change_me",
    "replace-me",
    "your-secret",
    "secret-key",
    "secret_key",
    "example",
    "sample",
    "placeholder",
    "xxxxxxxx",
)
_DOCUMENTED_KEY = re.compile(r"SATUDATA_SECRET_KEY\s*[=:]\s*[\"'`]?([^\s\"'`]+)")

# Download headers: a sandboxed document runs no script, submits no form and has an
# opaque origin, so even a file a browser decides to render cannot act as the portal.
DOWNLOAD_CSP = "default-src 'none'; sandbox"
# Our own SVG charts: scripts off however the file is opened (styles stay, for the chart).
SVG_CSP = "sandbox"
INERT_TYPE = "application/octet-stream"
_RENDERABLE = re.compile(
    r"^\s*(text/html|application/xhtml\+xml|image/svg\+xml|text/xml|application/xml"
    r"|[a-z0-9.+-]+/[a-z0-9.+-]+\+xml|text/xsl|application/xslt\+xml|text/javascript"
    r"|application/(x-)?javascript|application/ecmascript|text/ecmascript|multipart/)",
    re.IGNORECASE,
)


def documented_sample_keys(base_dir: Path) -> set[str]:
    """Every value given to SATUDATA_SECRET_KEY in the README, docs/ and example env files."""
    base_dir = Path(base_dir)
    sources = [base_dir / "README.md", *sorted((base_dir / "docs").glob("*.md"))]
    sources += sorted(base_dir.glob("*.env*")) + sorted((base_dir / "docs").glob("*.env*"))
    found = set()
    for source in sources:
        try:
            found.update(_DOCUMENTED_KEY.findall(source.read_text(errors="replace")))
        except OSError:
            continue
    return {key for key in found if not key.startswith("$")}


def secret_key_problem(key: str | None, base_dir: Path | None = None) -> str | None:
    """Why `key` must not sign sessions in production, or None when it may."""
    if not key:
        return "SATUDATA_SECRET_KEY is not set"
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return f"SATUDATA_SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters"
    if len(set(key)) < MIN_SECRET_KEY_UNIQUE_CHARACTERS:
        return "SATUDATA_SECRET_KEY has too few different characters"
    lowered = key.lower()
    if any(marker in lowered for marker in SAMPLE_KEY_MARKERS):
        return "SATUDATA_SECRET_KEY is a sample value, not a generated key"
    if base_dir is not None and key in documented_sample_keys(base_dir):
        return "SATUDATA_SECRET_KEY is the example value from the documentation"
    return None


def production_problems(
    *, secret_key, debug, allowed_hosts, allowed_hosts_set, base_dir=None
) -> list[str]:
    """Everything that makes a production start-up unsafe (empty: safe to start)."""
    problems = []
    key_problem = secret_key_problem(secret_key, base_dir)
    if key_problem:
        problems.append(key_problem)
    if debug:
        problems.append("SATUDATA_DEBUG is on")
    if not allowed_hosts_set or not allowed_hosts:
        problems.append("SATUDATA_ALLOWED_HOSTS is not set")
    if any(host.strip() in ("*", ".") for host in allowed_hosts):
        problems.append("SATUDATA_ALLOWED_HOSTS contains a wildcard ('*')")
    return problems


def proxy_ssl_header(value: str | None):
    """SECURE_PROXY_SSL_HEADER from "X-Forwarded-Proto" or "X-Forwarded-Proto=https"."""
    value = (value or "").strip()
    if not value:
        return None
    name, _sep, expected = value.partition("=")
    meta = "HTTP_" + name.strip().upper().replace("-", "_")
    return (meta, expected.strip() or "https")


def is_renderable(content_type: str | None) -> bool:
    """Whether a browser could show `content_type` as a page or run it as a script."""
    return bool(_RENDERABLE.match(content_type or ""))


def harden_download(response):
    """Make `response` a download that can never act as a page of the portal."""
    if is_renderable(response.get("Content-Type")):
        response["Content-Type"] = INERT_TYPE
        disposition = response.get("Content-Disposition", "")
        if not disposition.lower().startswith("attachment"):
            rest = disposition.partition(";")[2].strip()
            response["Content-Disposition"] = "attachment" + (f"; {rest}" if rest else "")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_CSP
    return response


class DownloadSafetyMiddleware:
    """Sandbox every download and our SVG charts (see the module docstring).

    Listed after csp.middleware.CSPMiddleware, so its header is set first and the page
    policy is not added on top.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.has_header("Content-Disposition") or isinstance(response, FileResponse):
            return harden_download(response)
        if response.get("Content-Type", "").startswith("image/svg+xml"):
            response["X-Content-Type-Options"] = "nosniff"
            response["Content-Security-Policy"] = SVG_CSP
        return response


def embeddable(view):
    """Let any site frame this view: X-Frame-Options off, CSP frame-ancestors *.

    Every other response is DENY / frame-ancestors 'none' (settings). tests/test_headers.py
    lists the embeddable routes; add a view there when you mark one.
    """
    from csp.decorators import csp_replace
    from django.views.decorators.clickjacking import xframe_options_exempt

    framed = xframe_options_exempt(csp_replace({"frame-ancestors": ["*"]})(view))
    framed.embeddable = True
    return framed
