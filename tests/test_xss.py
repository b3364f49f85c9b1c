"""XSS corpus (issue 7, point 9): the payloads of tests/xss_payloads.py go into every metadata
field, into file headers and cells (through the real ingestion), into comments, plans,
notifications, problem reports, tokens and query strings; every page that shows them is then
rendered and no payload may become active markup or run.

* test_no_page_carries_active_markup: the Django test client fetches each page (anonymous,
  Walidata, Produsen of the owning OPD, Admin) and parses the HTML: no event-handler
  attribute, no javascript: URL, no injected script/iframe/object/embed/base/math element,
  no meta refresh to a URL, JSON-LD that parses as JSON and holds no "<". Precise messages.
* test_no_payload_runs_in_chromium: one headless Chromium with JavaScript on and the
  Content-Security-Policy bypassed (escaping must hold on its own) visits the same pages,
  focusing and hovering every element; no alert() may open and the DOM must hold no
  element or attribute a payload made.
* test_json_endpoints_are_not_html: API answers carrying payloads are never text/html.

Add a page: append its path to PUBLIC_PAGES or STAFF_PAGES (built in `world`).
"""

import csv
import io
import json
import re
import urllib.parse
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from conftest import client_for
from satudata.accounts.tokens import create_token
from satudata.catalog.actions import refresh_search_document
from satudata.catalog.constants import MS_IND_FIELDS, MS_KEG_FIELDS, MS_VAR_FIELDS, Access, State
from satudata.catalog.models import Dataset, Resource, ResourceVersion, Tag, Topic
from satudata.ingest.actions import ingest_now
from satudata.ingest.constants import RunStatus, Stage
from satudata.ingest.models import IngestRun, RunProblem
from satudata.lib.browser import Session, chromium_path
from satudata.notifications.models import Notification
from satudata.planning.models import DataPlan, PlannedData
from satudata.regions.models import Region
from satudata.stats import indicators, query, suggest
from satudata.stats.models import Aggregation, Indicator
from satudata.workflow import transitions
from tests.xss_payloads import EVALUATED, PAYLOADS, all_payloads, fitting

ALL = all_payloads()
# Column headers of the uploaded file: a breakdown column and a plain text column.
H_CATEGORY = PAYLOADS[9102]
H_TEXT = PAYLOADS[9104]
YEARS = (2021, 2022, 2023)
CODES = ("53.01", "53.10", "53.71")


def table_csv(changed=False):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["kode_wilayah", "tahun", H_CATEGORY, H_TEXT, "nilai"])
    values = list(PAYLOADS.values())
    n = 0
    for code in CODES:
        for year in YEARS:
            for category in (PAYLOADS[9101], PAYLOADS[9106]):
                writer.writerow([code, year, category, values[n % len(values)], 10 + n])
                n += 1
        if changed:  # a second version: one value and one text cell differ
            values, changed = [PAYLOADS[9108], *values], False
    return out.getvalue().encode()


def with_ms_var(schema):
    """A Table Schema whose fields carry a payload title, description and MS-Var keys."""
    schema = json.loads(json.dumps(schema))
    for i, field in enumerate(schema.get("fields", [])):
        field["title"] = fitting(120, i)
        field["description"] = fitting(400, i + 3)
        for j, key in enumerate(MS_VAR_FIELDS):
            field[key] = fitting(200, i + j)
    return schema


def ingest(resource, data, actor, published=True):
    run = ingest_now(
        resource,
        data,
        "tabel <svg onload=alert(9103)>.csv",
        actor=actor,
        published_at=timezone.now() if published else None,
    )
    assert run.version is not None, (run.status, list(run.problems.values_list("message")))
    schema = with_ms_var(run.version.schema)
    ResourceVersion.objects.filter(pk=run.version.pk).update(schema=schema)
    Resource.objects.filter(pk=resource.pk).update(schema=schema)
    run.version.refresh_from_db()
    return run.version


@pytest.fixture
def world(settings, tmp_path, catalog, cast):
    """Payloads everywhere; returns the pages to render: [(role, path), …]."""
    settings.VAR_DIR = tmp_path / "var"
    indicators.clear_cache()
    query.reset()
    walidata, produsen = cast["walidata"], cast["produsen_a"]

    Region.objects.filter(code="53.10").update(name=fitting(200, 1))
    opd = catalog["open"].organization
    opd.name = fitting(255, 2)
    opd.short_name = fitting(50, 3)
    opd.description = ALL
    opd.website = PAYLOADS[9114]
    opd.email = '"><svg/onload=alert(9103)>@contoh.id'
    opd.save()
    topic = Topic.objects.create(slug="topik-xss", name=fitting(200, 4), description=ALL)

    dataset = Dataset.objects.create(
        organization=opd,
        slug="dataset-xss",
        title=fitting(255, 5),
        description=ALL + " v1",
        access=Access.OPEN,
        state=State.PUBLISHED,
        temporal_start=2021,
        temporal_end=2023,
        spatial_coverage_id="53",
        contact_name=fitting(200, 6),
        contact_email='x"><img src=x onerror=alert(9102)>@contoh.id',
        source=fitting(255, 7),
        unit=fitting(100, 8),
        measure=fitting(100, 9),
        activity_metadata={k: fitting(300, i) for i, k in enumerate(MS_KEG_FIELDS)},
        indicator_metadata={k: fitting(300, i + 5) for i, k in enumerate(MS_IND_FIELDS)},
        published_at=timezone.now(),
    )
    dataset.topics.add(topic)
    for i in range(6):
        dataset.tags.add(Tag.objects.create(name=fitting(100, 10 + i)))
    resource = Resource.objects.create(dataset=dataset, name=fitting(255, 11), description=ALL)
    first = ingest(resource, table_csv(), produsen)
    Dataset.objects.filter(pk=dataset.pk).update(description=ALL)
    second = ingest(resource, table_csv(changed=True), produsen)
    refresh_search_document(dataset)

    indicator = Indicator.objects.create(
        slug="indikator-xss",
        name=fitting(255, 12),
        organization=opd,
        access=Access.OPEN,
        is_published=True,
        is_key=True,
        resource=resource,
        region_column="kode_wilayah",
        period_column="tahun",
        value_column="nilai",
        breakdown_columns=[H_CATEGORY],
        aggregation=Aggregation.SUM,
        concept=ALL,
        definition=ALL,
        interpretation=ALL,
        method=ALL,
        measure=fitting(100, 13),
        unit=fitting(100, 14),
        presentation=fitting(255, 15),
        estimation_level=fitting(100, 16),
    )

    # A draft version in review: returned with a comment on a payload column, plus remarks.
    draft = ingest(resource, table_csv(), produsen, published=False)
    submission = transitions.create(draft, actor=produsen)
    transitions.submit(submission, actor=produsen)
    transitions.add_comment(submission, actor=walidata, text=ALL)
    transitions.return_submission(
        submission,
        actor=walidata,
        comment={"text": fitting(2000, 17), "target": "column", "column": H_CATEGORY},
    )
    transitions.add_comment(submission, actor=produsen, text=ALL, target="row", row=2)

    # A withdrawn dataset: its reason is shown to the public.
    withdrawn = catalog["other_opd"]
    transitions.withdraw(withdrawn, "Ditarik karena " + ALL, actor=walidata)

    # Daftar Data item, shown in the plans and the public Jadwal Rilis.
    plan = DataPlan.objects.create(organization=opd, year=timezone.localdate().year)
    item = PlannedData.objects.create(
        plan=plan, title=fitting(255, 18), schedule="tahunan", dataset=dataset, notes=ALL
    )
    item.sync_periods()

    # A problem report whose every text is a payload.
    run = IngestRun.objects.create(
        resource=resource,
        file_key="0" * 64,
        size=10,
        original_name=fitting(200, 19) + ".csv",
        status=RunStatus.NEEDS_FIX,
        stage=Stage.DONE,
        percent=100,
        error_count=1,
    )
    RunProblem.objects.create(
        run=run,
        code="type.number",
        severity="error",
        sheet=fitting(200, 20),
        row=3,
        column=H_TEXT,
        message=ALL,
        hint=ALL,
        value=fitting(100, 21),
    )

    for user in (walidata, produsen):
        Notification.objects.create(
            recipient=user,
            kind="returned",
            subject=fitting(255, 22),
            body=ALL,
            url=PAYLOADS[9114],
            target_label=fitting(255, 23),
        )
        create_token(user, fitting(100, 24), "read", 30)

    # The charts the dataset page suggests, opened directly (an SVG document can run script).
    chart_kinds = (suggest.plan(second) or {}).get("kinds", [])
    assert chart_kinds, "the payload table should suggest charts"
    q = urllib.parse.quote
    payload_q = q(PAYLOADS[9104] + " " + PAYLOADS[9106])
    ds_url = dataset.get_absolute_url()
    res_base = f"{ds_url}berkas/{resource.pk}/"
    ind = f"/indikator/{indicator.slug}/"
    public = [
        "/",
        "/dataset/",
        f"/dataset/?q={payload_q}",
        f"/dataset/?q={q(PAYLOADS[9107])}&urut={payload_q}&topik={payload_q}&halaman={payload_q}",
        ds_url,
        f"{res_base}v{first.number}/",
        f"{res_base}v{second.number}/",
        f"{res_base}banding/",
        f"{res_base}banding/?dari={first.number}&ke={second.number}",
        f"{res_base}banding/?dari={payload_q}",
        withdrawn.get_absolute_url(),
        "/organisasi/",
        opd.get_absolute_url(),
        "/topik/",
        topic.get_absolute_url(),
        "/indikator/",
        ind,
        f"{ind}?periode={payload_q}&wilayah={payload_q}&baris={payload_q}",
        f"{ind}?wilayah=53.01&wilayah=53.10",
        f"{ind}sematkan/",
        *(f"{ind}bingkai/{k}/" for k in ("tren", "peringkat", "peta")),
        *(f"{ind}grafik/{k}.svg" for k in ("tren", "peringkat", "peta")),
        *(f"/grafik/versi/{second.pk}/{k}.svg" for k in chart_kinds),
        f"/jadwal-rilis/?q={payload_q}",
        "/jadwal-rilis/",
        f"/tidak-ada/{payload_q}/",
        f"/masuk/?next={payload_q}",
    ]
    staff_paths = [
        "/kelola/",
        f"/kelola/dataset/{dataset.slug}/unggah/",
        f"/kelola/dataset/{dataset.slug}/berkas/{resource.pk}/skema/",
        f"/kelola/unggahan/{run.pk}/",
        f"/kelola/dataset/{dataset.slug}/ubah/",
        "/kelola/alur/",
        submission.get_absolute_url(),
        "/kelola/kotak-masuk/",
        "/kelola/daftar-data/",
        f"/kelola/daftar-data/{opd.slug}/{plan.year}/",
        f"/kelola/kepatuhan/{opd.slug}/",
        "/kelola/token/",
        "/api/v1/docs/",
    ]
    walidata_only = [
        "/kelola/audit/",
        f"/kelola/audit/?q={payload_q}",
        "/kelola/indikator/",
        f"/kelola/alur/dataset/{dataset.slug}/tarik/",
        f"/kelola/daftar-data/data/{item.pk}/",
        "/kelola/kepatuhan/",
    ]
    pages = [("publik", p) for p in public]
    pages += [(role, p) for role in ("walidata", "produsen_a") for p in staff_paths]
    pages += [("walidata", p) for p in walidata_only]
    pages += [("produsen_a", ds_url), ("walidata", ind), ("admin", "/admin/catalog/dataset/")]
    # Pages that answer with an error page (which must not echo input unescaped either).
    errors = {
        f"{res_base}banding/?dari={payload_q}": 404,
        withdrawn.get_absolute_url(): 410,
        f"/tidak-ada/{payload_q}/": 404,
    }
    yield {
        "pages": pages,
        "errors": errors,
        "dataset": dataset,
        "indicator": indicator,
        "version": second,
    }
    indicators.clear_cache()
    query.reset()


# --- the HTML check -----------------------------------------------------------------------------

DANGEROUS_ELEMENTS = {"iframe", "frame", "frameset", "object", "embed", "base", "math", "applet"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "poster", "srcdoc"}
_CONTROL = re.compile(r"[\x00-\x20]+")


def _scheme_is_script(value):
    text = _CONTROL.sub("", value or "").lower()
    return text.startswith(("javascript:", "vbscript:", "data:text/html"))


class ActiveMarkup(HTMLParser):
    """Collects markup that could run script: what a payload would have to create."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.findings = []
        self._in = None  # (tag, attrs) of the script/style/textarea being read
        self._text = []
        self.snippets = []  # <textarea> contents: code the page offers to copy elsewhere

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)
        # A read-only <textarea> holds code the page offers to copy elsewhere (embed snippets).
        if tag in ("script", "style") or (tag == "textarea" and "readonly" in dict(attrs)):
            self._in, self._text = (tag, dict(attrs)), []

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def _check(self, tag, attrs):
        where = f"<{tag} {' '.join(f'{k}={v!r}' for k, v in attrs)[:200]}>"
        for name, value in attrs:
            if name.startswith("on"):
                self.findings.append(f"event handler {name}= in {where}")
            if name in URL_ATTRIBUTES and _scheme_is_script(value):
                self.findings.append(f"script URL in {where}")
            if name == "style" and value and ("url(" in value.lower() or "expression(" in value):
                self.findings.append(f"url()/expression() in a style attribute: {where}")
        attrs = dict(attrs)
        if tag in DANGEROUS_ELEMENTS:
            self.findings.append(f"injected element {where}")
        if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "refresh":
            if "url" in (attrs.get("content") or "").lower():
                self.findings.append(f"meta refresh to a URL: {where}")
        if tag == "script":
            kind = attrs.get("type")
            src = attrs.get("src")
            same_site = src and src.startswith("/") and not src.startswith("//")
            if kind != "application/ld+json" and not same_site:
                self.findings.append(f"script element {where}")

    def handle_data(self, data):
        if self._in:
            self._text.append(data)

    def handle_endtag(self, tag):
        if not self._in or tag != self._in[0]:
            return
        tag, attrs = self._in
        text = "".join(self._text)
        self._in = None
        if tag == "script" and attrs.get("type") == "application/ld+json":
            if "<" in text:
                self.findings.append(f"'<' inside JSON-LD: {text[:200]!r}")
            try:
                json.loads(text)
            except ValueError as error:
                self.findings.append(f"JSON-LD does not parse ({error}): {text[:200]!r}")
        elif tag == "script" and text.strip():
            self.findings.append(f"inline script: {text[:200]!r}")
        elif tag == "style":
            self.findings.append(f"style element: {text[:200]!r}")
        elif tag == "textarea":
            self.snippets.append(text)


def active_markup(html):
    """Findings in a page, including in the code snippets it offers to copy (<textarea>)."""
    parser = ActiveMarkup()
    parser.feed(html)
    parser.close()
    findings = list(parser.findings)
    for snippet in parser.snippets:
        if "<" in snippet:
            inner = ActiveMarkup()
            inner.feed(snippet)
            inner.close()
            allowed = [f for f in inner.findings if not f.startswith("injected element <iframe")]
            findings += [f"in a copyable snippet: {f}" for f in allowed]
    for text in EVALUATED:
        if text in html:
            findings.append(f"evaluated input {text!r} in the page")
    return findings


def test_the_checker_finds_active_markup():
    """The checker itself can fail: each kind of injection is reported."""
    assert active_markup("<p>" + PAYLOADS[9102] + "</p>")
    assert active_markup('<a href="' + PAYLOADS[9114] + '">x</a>')
    assert active_markup("<p>" + PAYLOADS[9101] + "</p>")
    assert active_markup(
        '<script type="application/ld+json">{"a":"' + PAYLOADS[9108] + '"}</script>'
    )
    assert active_markup('<input value="' + PAYLOADS[9106] + '">')
    assert active_markup("<textarea readonly>&lt;img src=x onerror=alert(1)&gt;</textarea>")
    assert not active_markup("<textarea>&lt;img src=x onerror=alert(1)&gt;</textarea>")
    assert not active_markup("<p>" + PAYLOADS[9102].replace("<", "&lt;") + "</p>")


def fetch(clients, role, path):
    response = clients[role].get(path)
    return response.status_code, response.get("Content-Type", ""), response.content.decode()


@pytest.mark.django_db
def test_no_page_carries_active_markup(world, cast):
    clients = {
        role: client_for(cast[role]) for role in ("publik", "walidata", "produsen_a", "admin")
    }
    problems, shown = [], 0
    for role, path in world["pages"]:
        status, content_type, html = fetch(clients, role, path)
        if status != world["errors"].get(path, 200):
            problems.append(f"{role} {path}: HTTP {status}")
        problems += [f"{role} {path}: {f}" for f in active_markup(html)]
        shown += any(p in html for p in ("alert(9101)", "alert(9102)", "alert(9104)"))
    assert not problems, "\n".join(problems)
    # The pages did show the payloads (as text): otherwise this test proves nothing.
    assert shown > len(world["pages"]) // 2, shown


# --- the browser check --------------------------------------------------------------------------

# Run in the page after load: focus and hover every element (autofocus/onfocus, onmouseover),
# then report what a payload could have made. alert() calls are seen by the DevTools session.
PROBE = r"""
(() => {
  const found = [];
  for (const el of document.querySelectorAll('*')) {
    for (const type of ['mouseover', 'mouseenter', 'focus', 'toggle', 'animationstart']) {
      try { el.dispatchEvent(new Event(type)); } catch (e) {}
    }
    if (el.focus) { try { el.focus(); } catch (e) {} }
    for (const attr of el.attributes || []) {
      const name = attr.name.toLowerCase();
      const value = (attr.value || '').replace(/[\x00-\x20]+/g, '').toLowerCase();
      if (name.startsWith('on')) found.push('handler ' + name + ' on <' + el.localName + '>');
      if (/^(href|src|action|formaction|data|xlink:href|srcdoc)$/.test(name)
          && (value.startsWith('javascript:') || value.startsWith('data:text/html')))
        found.push('script URL in ' + name + ' of <' + el.localName + '>');
    }
    const tag = el.localName;
    if (['iframe', 'object', 'embed', 'frame', 'base', 'math'].includes(tag))
      found.push('element <' + tag + '>');
    if (tag === 'script' && el.type !== 'application/ld+json'
        && !(el.getAttribute('src') || '').match(/^\/[^\/]/))
      found.push('script element: ' + el.outerHTML.slice(0, 120));
  }
  const text = document.documentElement.textContent || '';
  return {found, title: document.title, shows: /alert\(91(01|02|04)\)/.test(text)};
})()
"""


@pytest.fixture
def signed_in(settings, live_server, cast):
    settings.ROOT_URLCONF = "tests.login_urls"

    def url(role, path):
        if role == "publik":
            return live_server.url + path
        return f"{live_server.url}/uji-masuk/{cast[role].pk}/?next={urllib.parse.quote(path)}"

    return url


@pytest.mark.skipif(chromium_path() is None, reason="Chromium is not installed")
@pytest.mark.django_db(transaction=True)
def test_no_payload_runs_in_chromium(world, signed_in, live_server):
    problems = []
    visited = shown = 0
    # Signing in as someone else changes the session: group pages by role, public first.
    order = {"publik": 0, "walidata": 1, "produsen_a": 2, "admin": 3}
    with Session(bypass_csp=True, timeout=90) as browser:
        for role, path in sorted(world["pages"], key=lambda p: order[p[0]]):
            page = browser.visit(signed_in(role, path), expression=PROBE, settle=0.2)
            visited += 1
            shown += bool((page["value"] or {}).get("shows"))
            for message in page["dialogs"]:
                problems.append(f"{role} {path}: a script ran: alert({message})")
            for finding in (page["value"] or {}).get("found", []):
                problems.append(f"{role} {path}: {finding}")
    assert not problems, "\n".join(problems)
    assert visited == len(world["pages"])
    # The pages did show the payloads (as text), signed-in pages included.
    assert shown > len(world["pages"]) // 2, shown


def test_the_browser_session_sees_a_script_run():
    """The browser check can fail: a page that runs a payload is caught, CSP or not."""
    if chromium_path() is None:
        pytest.skip("Chromium is not installed")
    html = "<p>" + PAYLOADS[9102] + PAYLOADS[9103] + "</p><a href='javascript:x'>y</a>"
    with Session(bypass_csp=True) as browser:
        page = browser.visit("data:text/html," + urllib.parse.quote(html), expression=PROBE)
    assert sorted(page["dialogs"]) == ["9102", "9103"]
    assert any("script URL" in f for f in page["value"]["found"])


# --- JSON answers -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_json_endpoints_are_not_html(world, clients):
    dataset = world["dataset"]
    q = urllib.parse.quote(PAYLOADS[9101])
    name = urllib.parse.quote(PAYLOADS[9102])  # no "/", so the API's own route answers
    paths = [
        f"/api/3/action/package_show?id={dataset.slug}",
        f"/api/3/action/package_search?q={q}",
        f"/api/3/action/package_show?id={q}",
        f"/api/3/action/{name}",
        f"/api/v1/{q}",
        f"/dataset/{dataset.slug}/datapackage.json",
        f"/dataset/{dataset.slug}.jsonld",
        "/catalog.jsonl",
    ]
    for path in paths:
        response = clients["publik"].get(path)
        content_type = response.get("Content-Type", "")
        assert "html" not in content_type, (path, content_type)
        assert response.get("X-Content-Type-Options") == "nosniff", path


def test_only_http_addresses_become_links():
    from satudata.lib.templatetags.safe_links import http_url

    assert http_url("https://dinkes.nttprov.go.id/") == "https://dinkes.nttprov.go.id/"
    assert http_url("HTTP://contoh.id") == "HTTP://contoh.id"
    for bad in (
        PAYLOADS[9114],
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//contoh.id/jalur",
        "/kelola/",
        "https:alert(1)",
        "",
        None,
    ):
        assert http_url(bad) == "", bad
