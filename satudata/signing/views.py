"""Public keys, a version's signed manifest, and the "Verifikasi Data" page."""

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from satudata.accounts.permissions import authorize, route
from satudata.catalog.models import ResourceVersion

from .actions import find_releases, published_keys
from .forms import VerifyForm
from .manifest import jwk, normalise_hash, public_pem
from .models import Release
from .uploads import HashingUploadHandler


@route("signing.keys")
def keys_json(request):
    current, rows = published_keys()
    entries = []
    for kid, public, created_at, retired_at in rows:
        entries.append(
            {
                **jwk(public),
                "status": "current" if kid == current else "retired",
                "created_at": created_at.isoformat() if created_at else None,
                "retired_at": retired_at.isoformat() if retired_at else None,
                "public_key_pem": public_pem(public),
            }
        )
    response = JsonResponse(
        {
            "portal": settings.SITE_URL.rstrip("/"),
            "algorithm": "Ed25519",
            "current": current,
            "keys": entries,
        },
        json_dumps_params={"ensure_ascii": False, "indent": 1},
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


@route("signing.keys")
def key_pem(request, kid=None):
    """The current public key as PEM, or a given (retired) one by its key id."""
    current, rows = published_keys()
    wanted = kid or current
    for row_kid, public, _created, _retired in rows:
        if row_kid == wanted:
            response = HttpResponse(public_pem(public), content_type="application/x-pem-file")
            response["Content-Disposition"] = f'inline; filename="satudata-{row_kid}.pem"'
            response["Access-Control-Allow-Origin"] = "*"
            return response
    raise Http404


def _release(request, slug, resource_id, number):
    version = get_object_or_404(
        ResourceVersion.objects.select_related("resource__dataset__organization"),
        resource_id=resource_id,
        resource__dataset__slug=slug,
        number=number,
    )
    authorize(request.user, "release.view", version)
    return get_object_or_404(Release, version=version)


@route("release.view")
def manifest(request, slug, resource_id, number):
    """The exact signed bytes (canonical JSON); verify them with manifest.sig."""
    release = _release(request, slug, resource_id, number)
    response = HttpResponse(release.manifest.encode("utf-8"), content_type="application/json")
    response["Content-Disposition"] = (
        f'inline; filename="{slug}-{resource_id}-v{number}.manifest.json"'
    )
    return response


@route("release.view")
def signature(request, slug, resource_id, number):
    """The Ed25519 signature of manifest.json, base64."""
    release = _release(request, slug, resource_id, number)
    response = HttpResponse(release.signature, content_type="text/plain; charset=us-ascii")
    response["Content-Disposition"] = (
        f'inline; filename="{slug}-{resource_id}-v{number}.manifest.sig"'
    )
    response["X-Signing-Key-Id"] = release.key_id
    return response


@route("release.verify")
@csrf_exempt  # only so the upload handler can be swapped first; _verify checks the token itself
def verify(request):
    if request.method == "POST":
        # Hash the upload while it streams in instead of keeping it in memory or a temp file.
        handler = HashingUploadHandler(settings.UPLOAD_MAX_BYTES, request)
        request.upload_handlers = [handler]
        return _verify(request, handler)
    return _verify(request, None)


@csrf_protect
def _verify(request, handler):
    context = {"max_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024)}
    status = 200
    if request.method == "POST":
        form = VerifyForm(request.POST, request.FILES)
        if handler is not None and handler.too_large:
            form.is_valid()
            form.add_error("berkas", _too_large(context["max_mb"]))
            status = 400
        elif form.is_valid():
            context.update(
                _answer(request, form.cleaned_data["hash"], form.cleaned_data.get("berkas"))
            )
        else:
            status = 400
    elif "sha256" in request.GET:
        # A shareable link: /verifikasi/?sha256=<hash> answers like the form (read-only, no CSRF).
        form = VerifyForm(initial={"sha256": request.GET["sha256"][:200]})
        value = normalise_hash(request.GET["sha256"])
        if value is None:
            form = VerifyForm({"sha256": request.GET["sha256"][:200]})
            form.is_valid()
            status = 400
        else:
            context.update(_answer(request, value, None))
    else:
        form = VerifyForm()
    context["form"] = form
    return render(request, "signing/verify.html", context, status=status)


def _too_large(max_mb):
    return _(
        "Berkas terlalu besar untuk diperiksa di sini (batas %(mb)s MB). Hitung SHA-256-nya di komputer Anda lalu tempelkan."
    ) % {"mb": max_mb}


def _answer(request, sha256, upload):
    official, withdrawn = find_releases(request.user, sha256)
    return {
        "checked": True,
        "sha256": sha256,
        "upload": upload,
        "official": official,
        "withdrawn": withdrawn,
    }
