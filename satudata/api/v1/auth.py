"""Who is calling: a Bearer token (staff), else the session user, else anonymous."""

from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from satudata.accounts.tokens import user_for_token

from .errors import ApiError


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
