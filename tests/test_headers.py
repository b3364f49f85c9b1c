"""Safe output headers: CSP on every page, framing only on embed routes, nosniff, and
downloads served as sandboxed attachments that never render as HTML or SVG."""

import re
from pathlib import Path

import pytest
from django.http import FileResponse, HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from conftest import PASSWORD
from satudata.catalog.actions import add_version
from satudata.catalog.constants import ResourceKind
from satudata.catalog.models import Resource
from satudata.lib import filestore
from satudata.lib.security import DownloadSafetyMiddleware, harden_download
from satudata.stats import indicators, query
from satudata.stats.suggest import plan
from satudata.stats.tests.conftest import published_version
from satudata.stats.tests.test_indicators_cube import GOOD, make_indicator, table

ROOT = Path(__file__).resolve().parent.parent
# Every view other sites may put in an <iframe> (satudata.lib.security.embeddable).
EMBEDDABLE_ROUTES = {"stats:frame"}
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(autouse=True)
def _fresh(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    indicators.clear_cache()
    query.reset()
    yield
    indicators.clear_cache()
    query.reset()


def directives(response):
    policy = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in policy.split(";")) if part
    }


@pytest.fixture
def indicator(catalog, cast):
    version = published_version(catalog["open"], cast["walidata"], table(GOOD))
    return make_indicator(catalog["open"], version, slug="indikator-terbuka")


PAGES = ["/", "/dataset/", "/indikator/", "/api/v1/docs/", "/masuk/", "/organisasi/"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_carry_a_strict_content_security_policy(clients, catalog, path):
    response = clients["publik"].get(path)
    assert response.status_code == 200, path
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_staff_pages_carry_it_too(clients, catalog):
    for path in ("/kelola/", "/kelola/alur/", "/kelola/audit/", "/admin/"):
        response = clients["admin"].get(path, follow=True)
        assert response.status_code == 200, path
        assert directives(response)["frame-ancestors"] == ["'none'"], path
        assert directives(response)["script-src"] == ["'self'"], path


@pytest.mark.parametrize("who", ["publik", "walidata"])
def test_rendered_pages_need_no_inline_script_or_style(clients, catalog, indicator, who):
    """What the policy would block: inline <script>, event handler and style attributes."""
    paths = [
        "/",
        f"/dataset/{catalog['open'].slug}/",
        "/indikator/",
        indicator.get_absolute_url(),
        f"{indicator.get_absolute_url()}sematkan/",
        f"{indicator.get_absolute_url()}bingkai/tren/",
        "/api/v1/docs/",
    ]
    if who != "publik":
        paths += ["/kelola/", "/kelola/alur/", "/kelola/audit/"]
    for path in paths:
        response = clients[who].get(path, follow=True)
        assert response.status_code == 200, path
        html = response.content.decode()
        scripts = re.findall(r"<script\b[^>]*>", html)
        # JSON-LD is data, not script; every script runs from our own static files
        assert all("src=" in s or "application/ld+json" in s for s in scripts), (path, scripts)
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), path
        assert not re.search(r"<[^>]+\sstyle\s*=", html), path
        # nothing loads from another site (links out are plain <a>, which load nothing)
        loads = re.findall(r"<(?:script|link|img|iframe|source|embed|object)\b[^>]*>", html)
        assert not [t for t in loads if re.search(r"(src|href|data)=[\"']?(https?:)?//", t)]


def test_only_embed_routes_may_be_framed(clients, indicator):
    frame = clients["publik"].get(f"{indicator.get_absolute_url()}bingkai/tren/")
    assert frame.status_code == 200
    assert directives(frame)["frame-ancestors"] == ["*"]
    assert "X-Frame-Options" not in frame
    assert directives(frame)["script-src"] == ["'self'"]  # the rest of the policy stays
    page = clients["publik"].get(indicator.get_absolute_url())
    assert directives(page)["frame-ancestors"] == ["'none'"]
    assert page["X-Frame-Options"] == "DENY"


def _views(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from _views(entry, namespace)
        elif isinstance(entry, URLPattern):
            yield f"{prefix}{entry.name}", entry.callback


def test_the_embeddable_routes_are_exactly_the_known_ones():
    marked = {name for name, view in _views() if getattr(view, "embeddable", False)}
    assert marked == EMBEDDABLE_ROUTES
    # framing is only ever allowed through satudata.lib.security.embeddable
    for path in (ROOT / "satudata").rglob("*.py"):
        if path.name in ("security.py", "settings.py") or "tests" in path.parts:
            continue
        text = path.read_text()
        assert "xframe_options_exempt" not in text, path
        assert "frame-ancestors" not in text, path


def test_the_session_and_csrf_cookies_are_http_only(client, cast):
    response = client.get("/masuk/")
    assert response.cookies["csrftoken"]["httponly"]
    response = client.post("/masuk/", {"username": "produsen_a", "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies["sessionid"]["httponly"]
    assert response.cookies["sessionid"]["samesite"] == "Lax"
    assert not response.cookies["sessionid"]["secure"]  # development: plain HTTP works


def download_url(version, fmt=None):
    args = [version.resource.dataset.slug, version.resource_id, version.number]
    if fmt is None:
        return reverse("portal:download", args=args)
    return reverse("portal:download_format", args=[*args, fmt])


def _upload(dataset, name, data):
    resource = Resource.objects.create(dataset=dataset, name="Lampiran", kind=ResourceKind.DOCUMENT)
    return add_version(resource, data, name, published=True)


def test_a_user_file_name_is_only_ever_a_display_name(clients, catalog):
    page = b"<html><body><script>alert(document.cookie)</script></body></html>"
    version = _upload(catalog["open"], "../../x.html", page)
    assert version.file_key == filestore.put(page).key  # the key is the SHA-256, nothing else
    assert filestore.path_for(version.file_key).read_bytes() == page
    assert version.original_name == "x.html"
    assert not list(Path(filestore.root()).parent.rglob("x.html"))
    response = clients["publik"].get(download_url(version))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="x.html"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in directives(response)
    assert directives(response)["default-src"] == ["'none'"]
    assert b"".join(response.streaming_content) == page


@pytest.mark.parametrize("name", ["<script>.csv", "gambar.svg", "data.xml", 'a";b.csv'])
def test_odd_names_download_as_inert_attachments(clients, catalog, name):
    version = _upload(catalog["open"], name, b"kode_wilayah,nilai\n53.10,1\n")
    assert filestore.is_key(version.file_key)
    response = clients["publik"].get(download_url(version))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert not response["Content-Type"].startswith(("text/html", "image/svg", "text/xml"))
    assert "sandbox" in directives(response)


def test_every_download_format_is_a_sandboxed_attachment(clients, catalog, cast, indicator):
    version = published_version(catalog["open"], cast["walidata"], table(GOOD))
    paths = [download_url(version)] + [download_url(version, f) for f in sorted(version.downloads)]
    paths += [
        f"{indicator.get_absolute_url()}unduh/{fmt}"
        for fmt in ("csv", "xlsx", "json-stat", "sdmx-csv")
    ]
    assert len(paths) >= 5
    for path in paths:
        response = clients["publik"].get(path)
        assert response.status_code == 200, path
        assert response["Content-Disposition"].startswith("attachment"), path
        assert response["X-Content-Type-Options"] == "nosniff", path
        assert "sandbox" in directives(response), path


def test_our_svg_charts_are_sandboxed_and_escape_user_text(clients, catalog, cast):
    header = f"kode_wilayah,tahun,{SCRIPT},nilai"
    labels = {"L": "</text><script>alert(2)</script>", "P": "<img src=x onerror=alert(4)>"}
    rows = [(c, y, labels[sex], v) for c, y, sex, v in GOOD]
    version = published_version(catalog["open"], cast["walidata"], table(rows, header))
    ind = make_indicator(catalog["open"], version, slug="skrip", breakdowns=(SCRIPT,))
    ind.name = f"Nama {SCRIPT}"
    ind.unit = "<b onmouseover=alert(3)>"
    ind.save()
    for kind in ("tren", "peringkat", "peta"):
        response = clients["publik"].get(f"{ind.get_absolute_url()}grafik/{kind}.svg")
        assert response.status_code == 200, kind
        assert response["Content-Type"].startswith("image/svg+xml")
        assert directives(response) == {"sandbox": []}
        svg = response.content.decode()
        assert "<script" not in svg.lower(), kind
        assert "<img" not in svg and "<b " not in svg, kind
        assert "&lt;script&gt;" in svg or "&lt;b onmouseover" in svg, kind  # shown, as text
    # the dataset charts a table page suggests are sandboxed as well
    kinds = plan(version)["kinds"]
    assert kinds
    for kind in kinds:
        response = clients["publik"].get(reverse("stats:dataset_chart", args=[version.pk, kind]))
        assert response.status_code == 200, kind
        assert directives(response) == {"sandbox": []}
        assert "<script" not in response.content.decode().lower()


def test_harden_download_turns_renderable_types_inert(rf):
    for content_type in (
        "text/html; charset=utf-8",
        "image/svg+xml",
        "application/xhtml+xml",
        "text/xml",
        "application/rss+xml",
        "text/javascript",
    ):
        response = HttpResponse(b"<svg onload=alert(1)>", content_type=content_type)
        response["Content-Disposition"] = 'inline; filename="x"'
        harden_download(response)
        assert response["Content-Type"] == "application/octet-stream", content_type
        assert response["Content-Disposition"] == 'attachment; filename="x"'
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    kept = harden_download(HttpResponse(b"a,b", content_type="text/csv; charset=utf-8"))
    assert kept["Content-Type"] == "text/csv; charset=utf-8"


def test_the_middleware_hardens_file_responses_without_a_disposition(rf, tmp_path):
    path = tmp_path / "x.html"
    path.write_bytes(b"<script>alert(1)</script>")
    middleware = DownloadSafetyMiddleware(
        lambda request: FileResponse(open(path, "rb"), content_type="text/html")
    )
    response = middleware(rf.get("/"))
    response.file_to_stream.close()
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response["Content-Security-Policy"]
