"""What every /api/v1 response gets: the error shape for 404/405/500, CORS on public GET,
strong ETags with 304 answers, Last-Modified and caching headers."""

import hashlib
import logging

from django.http import Http404, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from .auth import is_public_request
from .errors import error_response, not_found

logger = logging.getLogger(__name__)
READ_METHODS = ("GET", "HEAD")
PUBLIC_MAX_AGE = 60


def strong_etag(*parts) -> str:
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()
    return f'"{digest[:40]}"'


def etag_matches(request, etag) -> bool:
    header = request.headers.get("If-None-Match", "")
    if not header:
        return False
    if header.strip() == "*":
        return True
    return etag in [t.strip() for t in header.split(",")]


def not_modified(request, response):
    """A 304 for a 200 whose validators the client already holds (else None)."""
    etag = response.get("ETag")
    if request.headers.get("If-None-Match"):
        return etag is not None and etag_matches(request, etag)
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    modified = parse_http_date_safe(response.get("Last-Modified", ""))
    return since is not None and modified is not None and modified <= since


def finish(request, response):
    public = is_public_request(request)
    if request.method in READ_METHODS:
        if public:
            response["Access-Control-Allow-Origin"] = "*"
            response["Access-Control-Expose-Headers"] = "ETag, Last-Modified, Link"
        patch_vary_headers(response, ("Authorization", "Cookie"))
        if response.status_code == 200:
            if not response.has_header("ETag") and not response.streaming:
                response["ETag"] = strong_etag(hashlib.sha256(response.content).hexdigest())
            response["Cache-Control"] = (
                f"public, max-age={PUBLIC_MAX_AGE}" if public else "private, no-cache"
            )
            if not_modified(request, response):
                short = HttpResponseNotModified()
                for name in (
                    "ETag",
                    "Last-Modified",
                    "Cache-Control",
                    "Vary",
                    "Access-Control-Allow-Origin",
                    "Access-Control-Expose-Headers",
                ):
                    if response.has_header(name):
                        short[name] = response[name]
                return short
    return response


def wrap(view):
    """The API's own middleware, around each URL pattern of /api/v1 only."""

    @csrf_exempt
    def wrapped(request, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            response = not_found()
        except Exception:
            logger.exception("API error on %s", request.path)
            response = error_response(500, "server_error", _("Terjadi kesalahan di server."))
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            response = error_response(
                405,
                "method_not_allowed",
                _("Metode %(m)s tidak diizinkan di alamat ini.") % {"m": request.method[:10]},
                headers={"Allow": response.get("Allow", "GET")},
            )
        if response.status_code == 304:
            if is_public_request(request):
                response["Access-Control-Allow-Origin"] = "*"
            patch_vary_headers(response, ("Authorization", "Cookie"))
            return response
        return finish(request, response)

    wrapped.permission = "api.read"
    return wrapped


def last_modified(response, when):
    if when is not None:
        response["Last-Modified"] = http_date(when.timestamp())
    return response
