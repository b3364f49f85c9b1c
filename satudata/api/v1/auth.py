"""Who is calling: a Bearer token (staff), else the session user, else anonymous.

A token acts as its owner narrowed to the token's OPD (accounts.tokens.acting_user); a read
token cannot make a request that changes anything; every request made with a token is
recorded as api_token.use (TokenUseAuditMiddleware).
"""

from django.db import transaction
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from satudata.accounts.tokens import user_for_token
from satudata.audit.actions import record
from satudata.audit.constants import AuditAction

from .errors import ApiError

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _refused():
    return ApiError(401, "unauthenticated", _("Token API tidak sah, kedaluwarsa atau dicabut."))


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`: the token acts as its owner, with its scope."""

    def __call__(self, request):
        header = request.headers.get("Authorization")
        if not header:
            return None
        scheme, _sep, text = header.partition(" ")
        if scheme.lower() != "bearer" or not text.strip():
            raise _refused()
        return self.authenticate(request, text.strip())

    def authenticate(self, request, token):
        found = user_for_token(token)
        if found is None:
            raise _refused()
        user, api_token = found
        request.user = user
        request.api_token = api_token
        if request.method not in SAFE_METHODS:
            require_scope(request, api_token.SCOPE_WRITE)
        return user


def session_or_anonymous(request):
    """No token: the signed-in session user, or the anonymous public (always allowed in)."""
    request.api_token = None
    return request.user


def require_scope(request, scope):
    """Refuse a token without `scope` (a session or anonymous caller has no token scope)."""
    token = getattr(request, "api_token", None)
    if token is not None and not token.allows(scope):
        raise ApiError(
            403, "insufficient_scope", _("Token ini tidak memiliki cakupan '%(s)s'.") % {"s": scope}
        )


def is_public_request(request):
    """An anonymous caller: no Authorization header and no signed-in session."""
    if "HTTP_AUTHORIZATION" in request.META:
        return False
    user = getattr(request, "user", None)
    return user is None or not user.is_authenticated


class TokenUseAuditMiddleware:
    """Record every request authenticated with an API token as api_token.use: the token, the
    method, the path (never the query string, which may carry data) and the status.

    One event per request, in its own transaction, after the response is made. When the
    event cannot be written the request fails (500): a token use is never unrecorded.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        token = getattr(request, "api_token", None)
        if token is not None:
            with transaction.atomic():
                record(
                    AuditAction.API_TOKEN_USE,
                    token,
                    actor=token.user,
                    request=request,
                    after={
                        "token_id": token.pk,
                        "method": request.method,
                        "path": request.path[:500],
                        "status": response.status_code,
                    },
                )
        return response
