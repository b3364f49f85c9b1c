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


@register()
def file_store(app_configs, **kwargs):
    """SATUDATA_FILE_STORE names a backend, and S3 has a bucket (docs/operations.md)."""
    backend = getattr(settings, "FILE_STORE", "local")
    if backend not in ("local", "s3"):
        return [Error(f"FILE_STORE must be 'local' or 's3', not {backend!r}", id="satudata.E010")]
    errors = []
    if backend == "s3" and not settings.S3_BUCKET:
        errors.append(Error("FILE_STORE=s3 needs S3_BUCKET", id="satudata.E011"))
    if settings.S3_ADDRESSING_STYLE not in ("", "auto", "path", "virtual"):
        errors.append(
            Error("S3_ADDRESSING_STYLE must be auto, path or virtual", id="satudata.E012")
        )
    if not isinstance(settings.S3_CACHE_MAX_BYTES, int) or settings.S3_CACHE_MAX_BYTES < 0:
        errors.append(Error("S3_CACHE_MAX_BYTES must be 0 or more", id="satudata.E013"))
    return errors
