"""The one error shape of /api/v1: {"error": {"code", "message", "detail"}}."""

import json
import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(self, status, code, message, detail=None):
        super().__init__(message)
        self.status, self.code, self.message, self.detail = status, code, message, detail


def error_response(status, code, message, detail=None, headers=None):
    body = {"error": {"code": code, "message": str(message), "detail": detail}}
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, default=str),
        status=status,
        content_type="application/json; charset=utf-8",
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def not_found(message=None):
    return error_response(404, "not_found", message or _("Tidak ditemukan."))


def install(api):
    """Register the handlers that turn every failure into the error shape."""
    from ninja.errors import AuthenticationError, HttpError, ValidationError

    from satudata.stats.query import QueryError

    @api.exception_handler(ApiError)
    def _api_error(request, exc):
        headers = {}
        if exc.status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="satudata"'
        return error_response(exc.status, exc.code, exc.message, exc.detail, headers)

    @api.exception_handler(QueryError)
    def _query_error(request, exc):
        return error_response(exc.status, exc.code, exc.message, exc.detail)

    @api.exception_handler(ValidationError)
    def _validation(request, exc):
        detail = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))}
            for e in exc.errors
        ]
        return error_response(400, "invalid_parameter", _("Parameter tidak sah."), detail)

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request, exc):
        return error_response(
            401,
            "unauthenticated",
            _("Token API tidak sah, kedaluwarsa atau dicabut."),
            headers={"WWW-Authenticate": 'Bearer realm="satudata"'},
        )

    @api.exception_handler(Http404)
    def _not_found(request, exc):
        return not_found()

    @api.exception_handler(PermissionDenied)
    def _forbidden(request, exc):
        return error_response(403, "forbidden", _("Anda tidak berwenang melakukan ini."))

    @api.exception_handler(HttpError)
    def _http_error(request, exc):
        return error_response(exc.status_code, "http_error", str(exc))

    @api.exception_handler(Exception)
    def _crash(request, exc):
        logger.exception("API error on %s", request.path)
        return error_response(500, "server_error", _("Terjadi kesalahan di server."))
