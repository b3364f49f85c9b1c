"""Start-up checks that guard rails in settings have safe values."""

from django.conf import settings
from django.core.checks import Error, register

POSITIVE_INT_SETTINGS = [
    "PREVIEW_ROWS",
    "SEARCH_PAGE_SIZE",
    "SEARCH_MAX_QUERY_LENGTH",
    "UPLOAD_MAX_BYTES",
]


@register()
def guard_rails(app_configs, **kwargs):
    errors = []
    for name in POSITIVE_INT_SETTINGS:
        value = getattr(settings, name, None)
        if not isinstance(value, int) or value <= 0:
            errors.append(
                Error(f"{name} must be a positive whole number, not {value!r}", id="satudata.E001")
            )
    if getattr(settings, "PREVIEW_ROWS", 0) > 1000:
        errors.append(Error("PREVIEW_ROWS must be at most 1000", id="satudata.E002"))
    if getattr(settings, "SEARCH_PAGE_SIZE", 0) > 200:
        errors.append(Error("SEARCH_PAGE_SIZE must be at most 200", id="satudata.E003"))
    return errors
