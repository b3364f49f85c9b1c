"""The action registry of the CKAN Action API.

An action is a function `(context, data_dict) -> result` registered under its CKAN name:

    from satudata.api.ckan.registry import action, NotFound, ValidationError

    @action("package_show")
    def package_show(context, data_dict):
        ...

`context` is a dict with at least `request` and `user` (the Django user, possibly
anonymous). `data_dict` is a plain dict: the query parameters (GET; a parameter given
several times becomes a list) or the decoded JSON / form body (POST). The dispatcher wraps
the return value in CKAN's envelope `{"help", "success": true, "result"}`; raise one of the
errors below to get `{"success": false, "error": {"__type", "message"}}` with CKAN's status
code. Visibility is the caller's job: use the catalog's `visibility_q` / `can()`, and raise
NotFound (never Authorization) for a thing the caller may not see.
"""

ACTIONS: dict = {}


def action(name, *, side_effect_free=True):
    """Register `func` as the CKAN action `name` (each name once).

    Only side-effect-free actions may be called with GET (as in CKAN); every action here is.
    """

    def register(func):
        if name in ACTIONS and ACTIONS[name] is not func:
            raise ValueError(f"CKAN action {name!r} is registered twice")
        func.side_effect_free = side_effect_free
        ACTIONS[name] = func
        return func

    return register


class ActionError(Exception):
    """An error that the dispatcher turns into CKAN's error envelope."""

    status = 500
    type_name = "Internal Server Error"

    def __init__(self, message="", **fields):
        super().__init__(message)
        self.message = message
        # Extra keys of the `error` dict (CKAN puts field errors there: {"q": ["..."]}).
        self.fields = fields

    def as_dict(self):
        error = {"__type": self.type_name}
        if self.message:
            error["message"] = self.message
        error.update(self.fields)
        return error


class NotFound(ActionError):
    """Unknown, or not visible to the caller (message: "Not found" or "Not found: <detail>")."""

    status = 404
    type_name = "Not Found Error"

    def as_dict(self):
        message = f"Not found: {self.message}" if self.message else "Not found"
        return {"__type": self.type_name, "message": message, **self.fields}


class ValidationError(ActionError):
    """A missing or bad parameter; pass field errors as keywords: ValidationError(id=["Missing value"])."""

    status = 409
    type_name = "Validation Error"


class AuthorizationError(ActionError):
    status = 403
    type_name = "Authorization Error"

    def as_dict(self):
        message = f"Access denied: {self.message}" if self.message else "Access denied"
        return {"__type": self.type_name, "message": message, **self.fields}


class SearchQueryError(ActionError):
    """A search parameter, sort or query the search cannot parse (CKAN: 400)."""

    status = 400
    type_name = "Search Query Error"


class SearchError(ActionError):
    status = 409
    type_name = "Search Error"
