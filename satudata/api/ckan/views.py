"""The CKAN Action API endpoint: request parsing, dispatch and CKAN's envelope.

GET takes the query parameters, POST a JSON object body (or form fields). No CSRF check
(clients post JSON from scripts; the session cookie is SameSite=Lax, so a cross-site POST
carries no session) and never a redirect (ckanapi posts with redirects disabled).
"""

import importlib
import importlib.util
import json
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from satudata.accounts.permissions import route

from . import actions  # noqa: F401  (registers the actions)
from .registry import ACTIONS, ActionError, AuthorizationError, NotFound

log = logging.getLogger(__name__)
CONTENT_TYPE = "application/json;charset=utf-8"
# Added by browsers and jQuery to GET requests; never an action parameter.
IGNORED_GET_PARAMS = ("callback", "_")


def _load_datastore():
    """The DataStore actions live in datastore.py (the query engine's adapter), if present."""
    name = f"{__package__}.datastore"
    if importlib.util.find_spec(name) is not None:
        importlib.import_module(name)


_load_datastore()


def _json(payload, status=200):
    response = HttpResponse(
        json.dumps(payload, ensure_ascii=False, default=str),
        status=status,
        content_type=CONTENT_TYPE,
    )
    # Public read API: any page may read it; a wildcard origin never carries credentials.
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "no-cache"
    return response


def help_url(name):
    return f"{settings.SITE_URL.rstrip('/')}/api/3/action/help_show?name={name}"


def bad_request(message, status=400):
    """CKAN answers a request it cannot read with a bare JSON string, not an envelope."""
    return _json(f"Bad request - {message}", status=status)


def request_data(request):
    """The data_dict of a request, or raises ValueError with CKAN's wording."""
    if request.method == "GET":
        data = {}
        for key in request.GET:
            if key in IGNORED_GET_PARAMS:
                continue
            values = request.GET.getlist(key)
            data[key] = values[0] if len(values) == 1 else values
        return data
    content_type = request.content_type or ""
    body = request.body
    if content_type == "application/json" or (
        content_type not in ("application/x-www-form-urlencoded", "multipart/form-data")
        and body.strip()[:1] in (b"{", b"[", b'"')
    ):
        if not body.strip():
            return {}
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            raise ValueError(f"JSON Error: {error}") from None
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = request.POST
        keys = list(form)
        if len(keys) == 1 and form[keys[0]] in ("", "1") and keys[0].lstrip().startswith("{"):
            # Old clients post one form key that holds the whole JSON document.
            try:
                data = json.loads(keys[0])
            except (ValueError, RecursionError) as error:
                raise ValueError(f"JSON Error: {error}") from None
        else:
            data = {}
            for key in keys:
                values = form.getlist(key)
                data[key] = values[0] if len(values) == 1 else values
    elif not body.strip():
        data = {k: v for k, v in request.GET.items() if k not in IGNORED_GET_PARAMS}
    else:
        raise ValueError("JSON Error: unsupported content type")
    if not isinstance(data, dict):
        raise ValueError(
            f"Bad request data: Request data JSON decoded to {data!r} but it needs to be a dictionary."
        )
    return data


@csrf_exempt
@route("ckan.call")
def action_view(request, name):
    if request.method == "OPTIONS":
        response = _json(None)
        response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Content-Type, Authorization, X-CKAN-API-Key"
        return response
    func = ACTIONS.get(name)
    if func is None:
        return bad_request(f"Action name not known: {name}")
    if request.method not in ("GET", "POST"):
        return bad_request("Please use GET or POST", status=405)
    if request.method == "GET" and not getattr(func, "side_effect_free", False):
        return bad_request("JSON Error: Invalid request. Please use POST method for your request")
    try:
        data = request_data(request)
    except ValueError as error:
        return bad_request(str(error))
    # Who calls: the Django session, else anonymous. API tokens (Authorization /
    # X-CKAN-API-Key) are not read yet; a request that sends one is served as anonymous.
    context = {"request": request, "user": request.user, "action": name}
    envelope = {"help": help_url(name)}
    try:
        result = func(context, data)
    except ActionError as error:
        return _json(dict(envelope, success=False, error=error.as_dict()), status=error.status)
    except Http404:
        error = NotFound()
        return _json(dict(envelope, success=False, error=error.as_dict()), status=404)
    except PermissionDenied:
        error = AuthorizationError()
        return _json(dict(envelope, success=False, error=error.as_dict()), status=403)
    except Exception:
        log.exception("CKAN action %s failed", name)
        error = {"__type": "Internal Server Error", "message": "Internal Server Error"}
        return _json(dict(envelope, success=False, error=error), status=500)
    return _json(dict(envelope, success=True, result=result))


@csrf_exempt
@route("ckan.call")
def api_version(request, version=3):
    """/api/3 answers {"version": 3}, as CKAN does."""
    return _json({"version": version})
