"""URLs of /api/v1/: the ninja API (each pattern wrapped, see http.py), the docs page and a
JSON 404 for every other path below /api/v1/."""

from django.urls import URLPattern, URLResolver, path, re_path

from . import docs
from . import indicators as _indicators  # noqa: F401  (registers /indicators on the api)
from .endpoints import api
from .errors import not_found
from .http import wrap


def _wrapped(patterns):
    out = []
    for p in patterns:
        if isinstance(p, URLResolver):
            out.append(
                URLResolver(
                    p.pattern, _wrapped(p.url_patterns), p.default_kwargs, p.app_name, p.namespace
                )
            )
        elif isinstance(p, URLPattern):
            out.append(URLPattern(p.pattern, wrap(p.callback), p.default_args, p.name))
    return out


ninja_patterns, app_name, namespace = api.urls


def _missing(request, *args, **kwargs):
    return not_found()


urlpatterns = [
    path("docs/", wrap(docs.docs_page), name="docs"),
    *_wrapped(ninja_patterns),
    re_path(r"^.*$", wrap(_missing), name="missing"),
]
