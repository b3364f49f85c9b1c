"""The canary crawl: Terbatas and Tertutup data never reach the Publik or another OPD, on any path.

A fixture builds real data through the real paths (upload → ingestion with Parquet →
submission → review → publication): a Terbatas and a Tertutup dataset of OPD A whose title,
description, tags, column names and cell values carry two tokens, an indicator fed from each,
a Terbuka composite indicator built on the Terbatas one, a Terbatas Daftar Data item, a second
version in review (with a comment and notifications), plus Terbuka data so no page is empty.

The crawler then enumerates every URL pattern (`walk()` of tests/test_routes.py, so a new route
is crawled without anyone touching this file), fills in its path parameters from the fixture
(every object's slug, id, version number; every download format, chart kind, CKAN action and
workflow step), adds query variants (search for the token, facets, sort, page 2), calls every
CKAN action with plausible parameters (GET and POST JSON) and every /api/v1 operation of the
OpenAPI document, and GETs everything as the Publik, as the Produsen of OPD B (session) and as
that Produsen with an API token.

Two tokens, because a search page rightly echoes what was searched for:
- SECRET never appears in a request, so it must never appear in any response body (gzip,
  ZIP/XLSX and Parquet bodies are opened) or header;
- PROBE (and the hidden slugs and ids) may only appear in a response to a request that
  contained it.
No response may be a 500. The numbers of URLs crawled are asserted so the crawl cannot shrink.
"""

import gzip
import io
import itertools
import json
import re
import secrets
import zipfile
import zlib
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import get_resolver
from django.utils import timezone
from test_routes import walk

from conftest import CANARY_CLOSED, CANARY_DRAFT, CANARY_RESTRICTED
from satudata.accounts.tokens import create_token
from satudata.api.ckan import ids
from satudata.api.ckan.registry import ACTIONS
from satudata.catalog.actions import refresh_search_document
from satudata.catalog.constants import Access, State
from satudata.catalog.models import Dataset, Resource, Tag
from satudata.ingest.actions import ingest_now
from satudata.notifications.models import Notification
from satudata.planning.models import DataPlan, PlannedData
from satudata.stats import indicators
from satudata.stats.models import Aggregation, Indicator
from satudata.workflow import transitions
from satudata.workflow.models import Submission

FORMATS = [
    "csv", "xlsx", "json", "parquet", "png", "svg", "ttl", "jsonld", "rdf", "json-stat",
    "sdmx-csv", "ics", "xml", "txt", "ods",
]  # fmt: skip
KINDS = ["tren", "peringkat", "peta", "batang", "garis"]
WORKFLOW_STEPS = ["submit", "precheck", "approve", "return", "supervisor_approve", "publish"]
LIST_QUERIES = [
    "q={probe}",
    "q={probe}&page=2",
    "page=2",
    "sort=-modified",
    "sort=title",
    "sort=terbaru",
    "klasifikasi=restricted&klasifikasi=closed",
    "organisasi=dinas-kesehatan&topik=kesehatan",
    "tahun=2021&tahun=2022&tahun=2023",
    "format=PARQUET&format=CSV",
    "wilayah=53",
    "include_private=true",
    "format=json",
]


@dataclass
class World:
    """What the fixture made, and which strings must not leak."""

    secret: str
    probe: str
    # Never sent in a request, so never in a response.
    never: list = field(default_factory=list)
    # Sent in some requests; may appear only in the response to such a request.
    only_echoed: list = field(default_factory=list)
    contexts: list = field(default_factory=list)
    hidden_urls: list = field(default_factory=list)
    extra_urls: list = field(default_factory=list)
    ckan_params: list = field(default_factory=list)
    objects: dict = field(default_factory=dict)


@pytest.fixture(autouse=True)
def _tmp_var(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    indicators.clear_cache()
    yield
    indicators.clear_cache()


def table_csv(column, cell):
    """kode_wilayah, tahun, a canary column, nilai: three kab/kota over three years."""
    lines = [f"kode_wilayah,tahun,{column},nilai"]
    for code, base in (("53.01", 10), ("53.10", 20), ("53.71", 30)):
        for year in (2021, 2022, 2023):
            lines.append(f"{code},{year},{cell},{base + year - 2021}")
    return ("\n".join(lines) + "\n").encode()


def published_dataset(organization, slug, title, *, access, column, cell, tags, description, cast):
    """A dataset published the way a real one is: ingest, submit, review, publish."""
    dataset = Dataset.objects.create(
        organization=organization,
        slug=slug,
        title=title,
        description=description,
        access=access,
        state=State.DRAFT,
        temporal_start=2021,
        temporal_end=2023,
        spatial_coverage_id="53",
    )
    for name in tags:
        dataset.tags.add(Tag.objects.get_or_create(name=name)[0])
    resource = Resource.objects.create(dataset=dataset, name=f"Tabel {title}")
    run = ingest_now(resource, table_csv(column, cell), f"{slug}.csv", actor=cast["produsen_a"])
    assert run.version is not None, list(run.problems.values_list("code", "message"))
    assert run.version.parquet_key, "ingestion made no Parquet"
    submission = transitions.create(run.version, actor=cast["produsen_a"])
    transitions.submit(submission, actor=cast["produsen_a"])
    transitions.approve(submission, actor=cast["walidata"])
    transitions.publish(submission, actor=cast["walidata"])
    dataset.refresh_from_db()
    assert dataset.state == State.PUBLISHED
    refresh_search_document(dataset)
    return dataset, resource, run


def indicator_on(dataset, resource, slug, name, *, access, breakdown):
    return Indicator.objects.create(
        slug=slug,
        name=name,
        organization=dataset.organization,
        access=access,
        is_published=True,
        is_key=True,
        resource=resource,
        region_column="kode_wilayah",
        period_column="tahun",
        value_column="nilai",
        breakdown_columns=[breakdown],
        aggregation=Aggregation.SUM,
        definition=dataset.description,
    )


@pytest.fixture
def world(cast, catalog, opd_a, opd_b, topic):
    secret = "kanari" + secrets.token_hex(4)
    probe = "cuplik" + secrets.token_hex(4)
    column = f"kolom_{probe}_{secret}"
    cell = f"{probe} {secret}"
    w = World(secret=secret, probe=probe)
    made = {}
    for kind, access in (("restricted", Access.RESTRICTED), ("closed", Access.CLOSED)):
        made[kind] = published_dataset(
            opd_a,
            f"rahasia-{kind}-{secrets.token_hex(3)}",
            f"Rekap {probe} {secret}",
            access=access,
            column=column,
            cell=cell,
            tags=[probe, secret],
            description=f"Uraian {probe} {secret}",
            cast=cast,
        )
    made["open"] = published_dataset(
        opd_a,
        "angka-kesakitan-terbuka",
        "Angka Kesakitan",
        access=Access.OPEN,
        column="jenis_kelamin",
        cell="L",
        tags=["kesehatan"],
        description="Angka kesakitan per kabupaten/kota.",
        cast=cast,
    )
    restricted, restricted_resource, _run = made["restricted"]
    closed, closed_resource, _run = made["closed"]
    open_dataset, open_resource, _run = made["open"]

    # A second version of the Terbatas table, waiting for review, with a comment.
    run = ingest_now(
        restricted_resource,
        table_csv(column, cell + " v2"),
        f"{restricted.slug}-2.csv",
        actor=cast["produsen_a"],
    )
    in_review = transitions.create(run.version, actor=cast["produsen_a"])
    transitions.submit(in_review, actor=cast["produsen_a"])
    transitions.add_comment(in_review, actor=cast["walidata"], text=f"Periksa {probe} {secret}")

    # Indicators: one on each hidden table, a Terbuka one, and a Terbuka composite built
    # on the Terbatas one (it must stay hidden: an indicator never shows more than its sources).
    ind_restricted = indicator_on(
        restricted, restricted_resource, f"ind-rahasia-{secrets.token_hex(3)}",
        f"Indikator {probe} {secret}", access=Access.RESTRICTED, breakdown=column,
    )  # fmt: skip
    ind_closed = indicator_on(
        closed, closed_resource, f"ind-tertutup-{secrets.token_hex(3)}",
        f"Indikator {probe} {secret}", access=Access.CLOSED, breakdown=column,
    )  # fmt: skip
    ind_open = indicator_on(
        open_dataset, open_resource, "angka-kesakitan", "Angka Kesakitan",
        access=Access.OPEN, breakdown="jenis_kelamin",
    )  # fmt: skip
    composite = Indicator.objects.create(
        slug=f"komposit-{secrets.token_hex(3)}",
        name=f"Komposit {probe} {secret}",
        organization=opd_a,
        access=Access.OPEN,
        is_published=True,
        is_key=True,
        formula=f"{ind_open.formula_name} + {ind_restricted.formula_name}",
    )
    composite.components.set([ind_open, ind_restricted])

    # A Terbatas item of OPD A's Daftar Data, linked to the Terbatas dataset.
    plan = DataPlan.objects.create(organization=opd_a, year=timezone.localdate().year)
    item = PlannedData.objects.create(
        plan=plan,
        title=f"Rencana {probe} {secret}",
        dataset=restricted,
        access=Access.RESTRICTED,
        schedule="tahunan",
        notes=f"Catatan {probe} {secret}",
    )
    item.sync_periods()

    # An API token of OPD A's Produsen (its page must not open for anyone else).
    token_a, _text = create_token(cast["produsen_a"], f"token {secret}", "read", 30)

    hidden = [restricted, closed, *(catalog[k] for k in ("restricted", "closed", "draft"))]
    datasets = [*hidden, open_dataset, catalog["open"], catalog["other_opd"]]
    w.never = [secret, CANARY_RESTRICTED, CANARY_CLOSED, CANARY_DRAFT]
    w.only_echoed = (
        [probe] + [d.slug for d in hidden] + [ids.to_ckan("dataset", d.pk) for d in hidden]
    )
    w.only_echoed += [ind_restricted.slug, ind_closed.slug, composite.slug]

    # Path parameters: coherent sets (a dataset with its resources and versions), wrong pairs
    # (a visible dataset with a hidden resource), and single objects of every kind.
    ctx = [{}]
    for dataset in datasets:
        ctx.append({"slug": dataset.slug, "object_id": dataset.pk})
        for resource in dataset.resources.all():
            for version in resource.versions.all():
                ctx.append(
                    {
                        "slug": dataset.slug,
                        "resource_id": resource.pk,
                        "number": version.number,
                        "version_id": version.pk,
                        "pk": version.pk,
                    }
                )
    for resource, version in (
        (restricted_resource, restricted_resource.versions.first()),
        (closed_resource, closed_resource.versions.first()),
    ):
        ctx.append(
            {
                "slug": open_dataset.slug,
                "resource_id": resource.pk,
                "number": version.number,
                "version_id": version.pk,
            }
        )
    for organization in (opd_a, opd_b):
        ctx.append({"slug": organization.slug, "year": plan.year, "object_id": organization.pk})
    ctx.append({"slug": topic.slug})
    for indicator in (ind_restricted, ind_closed, ind_open, composite):
        ctx.append({"slug": indicator.slug, "object_id": indicator.pk})
    pks = [in_review.pk, item.pk, token_a.pk, plan.pk]
    pks += list(Submission.objects.values_list("pk", flat=True))
    pks += list(Notification.objects.values_list("pk", flat=True))
    pks += [r.pk for r in (made["restricted"][2], made["closed"][2], run)]
    ctx += [{"pk": pk, "object_id": pk} for pk in sorted(set(pks))]
    ctx += [{"code": "53"}, {"code": "53.71"}]
    w.contexts = ctx

    # The hidden objects' own addresses: each must answer 404 (or 403) to the crawlers.
    for dataset in hidden:
        w.hidden_urls.append(dataset.get_absolute_url())
    for indicator in (ind_restricted, ind_closed, composite):
        w.hidden_urls.append(indicator.get_absolute_url())

    # Error pages, odd addresses, and the verification page asked about hidden files' hashes.
    hidden_versions = [v for r in (restricted_resource, closed_resource) for v in r.versions.all()]
    w.extra_urls = [f"/verifikasi/?sha256={v.sha256}" for v in hidden_versions]
    w.extra_urls += [
        f"/verifikasi/?sha256={d['key']}" for v in hidden_versions for d in v.downloads.values()
    ]
    w.extra_urls += [
        f"/dataset/{probe}/",
        f"/tidak-ada-{probe}/",
        f"/api/v1/datasets/{restricted.slug}",
        f"/api/v1/tidak-ada/{probe}",
        f"/api/3/action/tidak_ada?q={probe}",
        f"/organisasi/{opd_a.slug}/?q={probe}",
        f"/topik/{topic.slug}/?q={probe}",
        f"/organisasi/{opd_a.slug}/?page=2",
        f"/kelola/daftar-data/{opd_a.slug}/{plan.year}/",
    ]

    # CKAN parameters: ids and names of the hidden datasets and resources, searches for the token.
    hidden_ids = [restricted.slug, closed.slug] + [ids.to_ckan("dataset", d.pk) for d in hidden]
    hidden_resources = [
        ids.to_ckan("resource", r.pk) for r in (restricted_resource, closed_resource)
    ]
    hidden_resources += [str(restricted_resource.pk)]
    params = [{}]
    params += [{"id": value} for value in hidden_ids + hidden_resources + [opd_a.slug]]
    params += [{"name_or_id": restricted.slug}, {"id": opd_a.slug, "include_datasets": "true"}]
    params += [{"resource_id": value} for value in hidden_resources]
    params += [{"resource_id": hidden_resources[0], "q": probe, "include_total": "true"}]
    params += [
        {"q": probe},
        {"q": f"title:{probe}"},
        {"q": f"tags:{probe}"},
        {"q": probe, "include_private": "true"},
        {"fq": f"tags:{probe}"},
        {"fq": "organization:dinas-kesehatan", "rows": "1000"},
        {
            "q": "*:*",
            "facet": "true",
            "facet.field": '["tags","organization","groups","res_format"]',
        },
        {"all_fields": "true", "include_dataset_count": "true", "include_extras": "true"},
        {"query": probe},
        {"limit": "1000"},
        {"sql": f'SELECT * FROM "{hidden_resources[0]}"'},
    ]
    w.ckan_params = params
    w.objects = {
        "restricted": restricted,
        "closed": closed,
        "open": open_dataset,
        "restricted_version": restricted_resource.versions.first(),
        "ind_restricted": ind_restricted,
        "plan": plan,
        "in_review": in_review,
        "column": column,
    }
    return w


# --- filling in the URL patterns --------------------------------------------------------------

PARAM = re.compile(r"<(?:(\w+):)?(\w+)>|\(\?P<(\w+)>[^)]*\)|\{(\w+)\}")


def params_of(route):
    return [m.group(2) or m.group(3) or m.group(4) for m in PARAM.finditer(route)]


def variants(name, world):
    if name == "fmt":
        return FORMATS
    if name == "kind":
        return KINDS
    if name == "name":  # a CKAN action or a workflow step
        return sorted(ACTIONS) + WORKFLOW_STEPS + ["tidak_ada"]
    if name == "app_label":
        return ["catalog", "stats", "planning"]
    if name == "url":
        return [f"catalog/dataset/{world.objects['restricted'].pk}/change/"]
    return None


def fallback(name, world):
    """Values for a parameter no context knows (a route added after this file was written)."""
    values = sorted({str(c[k]) for c in world.contexts for k in c if k in ("slug", "pk")})
    version = world.objects["restricted_version"]
    return values + [version.sha256, str(version.pk), world.probe]


def fill(route, world, cap=80):
    """Concrete paths for one URL pattern (at most `cap`)."""
    names = params_of(route)
    if not names:
        return ["/" + route.replace("^", "").replace("$", "")]
    fixed = [n for n in names if variants(n, world) is None]
    pools = []
    for ctx in world.contexts:
        if all(n in ctx for n in fixed):
            pools.append(ctx)
    if not pools:  # an unknown parameter: try every identifier we have
        pools = [
            dict(zip(fixed, combo, strict=True))
            for combo in itertools.islice(
                itertools.product(*(fallback(n, world) for n in fixed)), cap
            )
        ]
    urls = []
    for ctx in pools:
        choices = [variants(n, world) or [ctx[n]] for n in names]
        for combo in itertools.product(*choices):
            values = iter(combo)
            path = PARAM.sub(lambda m, v=values: str(next(v)), route)
            urls.append("/" + path.replace("^", "").replace("$", ""))
    return list(dict.fromkeys(urls))[:cap]


def crawl_urls(world):
    urls = []
    for route, _pattern in walk(get_resolver().url_patterns):
        paths = fill(route, world)
        urls += paths
        if not params_of(route):
            urls += [f"{paths[0]}?{q.format(probe=world.probe)}" for q in LIST_QUERIES]
    for slug in ("dinas-kesehatan", "kesehatan"):
        for prefix in ("/organisasi/", "/topik/"):
            urls += [f"{prefix}{slug}/?{q.format(probe=world.probe)}" for q in LIST_QUERIES[:6]]
    return list(dict.fromkeys(urls + world.hidden_urls + world.extra_urls))


def api_urls(client, world):
    """Every GET operation of the OpenAPI document, with its query parameters filled in."""
    values = {
        "q": world.probe,
        "organisasi": "dinas-kesehatan",
        "topik": "kesehatan",
        "tahun": "2022",
        "format": "PARQUET",
        "wilayah": "53",
        "klasifikasi": "restricted",
        "sort": "-modified",
        "page": "2",
        "page_size": "100",
        "parent": "53",
        "level": "2",
        "filter": "kode_wilayah:53.71",
        "limit": "1000",
        "total": "true",
        "distinct": "kode_wilayah",
        "facet": "kode_wilayah",
        "group_by": "kode_wilayah",
        "measure": "nilai",
        "region": "kode_wilayah",
    }
    document = json.loads(client.get("/api/v1/openapi.json").content)
    urls = []
    for path, operations in document["paths"].items():
        operation = operations.get("get")
        if operation is None:
            continue
        query = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
        for base in fill(path.lstrip("/"), world):
            urls.append(base)
            for name in query:
                urls.append(f"{base}?{urlencode({name: values.get(name, world.probe)})}")
            if query:
                urls.append(
                    f"{base}?{urlencode({n: values.get(n, world.probe) for n in query if n != 'page'})}"
                )
    assert len(document["paths"]) >= 15
    return list(dict.fromkeys(urls))


# --- fetching and looking ---------------------------------------------------------------------


def body_of(response):
    data = b"".join(response.streaming_content) if response.streaming else bytes(response.content)
    # No response.close(): it would send request_finished, whose handler closes the database
    # connection of the test (on PostgreSQL); the test client closes streamed bodies itself.
    encoding = response.get("Content-Encoding", "")
    if "gzip" in encoding:
        data = gzip.decompress(data)
    elif "deflate" in encoding:
        data = zlib.decompress(data)
    parts = [data]
    if data[:2] == b"PK":  # XLSX, ODS, ZIP: the text is in compressed members
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts += [archive.read(name) for name in archive.namelist()]
    if data[:4] == b"PAR1":
        import pyarrow.parquet as pq

        table = pq.read_table(io.BytesIO(data))
        parts.append(f"{table.schema} {table.to_pylist()}".encode())
    return b"\n".join(parts).decode("utf-8", "replace").lower()


@dataclass
class Crawl:
    fetched: int = 0
    ok: int = 0
    statuses: dict = field(default_factory=dict)
    leaks: list = field(default_factory=list)
    errors: list = field(default_factory=list)


def look(crawl, world, method, url, response, sent=""):
    crawl.fetched += 1
    crawl.statuses[response.status_code] = crawl.statuses.get(response.status_code, 0) + 1
    if response.status_code >= 500:
        crawl.errors.append((method, url, response.status_code, repr(response.exc_info)))
        return
    if response.status_code == 200:
        crawl.ok += 1
    body = body_of(response)
    headers = " ".join(f"{k}: {v}" for k, v in response.items()).lower()
    request = (url + sent).lower()
    for token in world.never:
        for where, text in (("body", body), ("header", headers)):
            if token.lower() in text:
                crawl.leaks.append((method, url, response.status_code, where, token))
    for token in world.only_echoed:
        token = token.lower()
        if token not in request and (token in body or token in headers):
            crawl.leaks.append((method, url, response.status_code, "unasked", token))


def crawler(user=None, token=None):
    headers = {"Accept-Encoding": "gzip, deflate"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    client = Client(raise_request_exception=False, headers=headers)
    if user is not None:
        client.force_login(user)
    return client


def run_crawl(client, world, *, api_only=False):
    crawl = Crawl()
    urls = api_urls(client, world) + [f"/api/v1/{p}" for p in ("", "datasets?q=" + world.probe)]
    if not api_only:
        urls += crawl_urls(world)
    for url in dict.fromkeys(urls):
        look(crawl, world, "GET", url, client.get(url))
    if not api_only:
        # Forms answered with errors must not tell what they refused either.
        for url in [u for u in urls if u.startswith(("/kelola/", "/verifikasi/"))]:
            look(crawl, world, "POST", url, client.post(url, {"q": world.probe}))
    for url in world.hidden_urls:
        status = client.get(url).status_code
        if status not in (403, 404):
            crawl.leaks.append(("GET", url, status, "status", "hidden object answered"))
    for name in sorted(ACTIONS):
        for params in world.ckan_params:
            if not api_only:
                url = f"/api/3/action/{name}?{urlencode(params)}"
                look(crawl, world, "GET", url, client.get(url))
            body = json.dumps(params)
            url = f"/api/action/{name}"
            response = client.post(url, body, content_type="application/json")
            look(crawl, world, "POST", url, response, sent=body)
    return crawl


def assert_clean(crawl, at_least):
    print(f"canary crawl: {crawl.fetched} requests, by status {sorted(crawl.statuses.items())}")
    assert not crawl.errors, f"server errors: {crawl.errors[:10]}"
    assert not crawl.leaks, f"{len(crawl.leaks)} leaks, e.g. {crawl.leaks[:15]}"
    # The crawl cannot silently shrink (and most of it is not just 404s).
    assert crawl.fetched >= at_least, crawl.fetched
    assert crawl.ok >= at_least // 5, crawl.ok


# --- the tests ------------------------------------------------------------------------------------


def test_the_canary_never_reaches_the_public(world):
    crawl = run_crawl(crawler(), world)
    assert_clean(crawl, 1500)


def test_the_canary_never_reaches_another_opd(world, cast):
    crawl = run_crawl(crawler(cast["produsen_b"]), world)
    assert_clean(crawl, 1500)


def test_the_canary_never_reaches_another_opd_through_an_api_token(world, cast):
    _token, text = create_token(cast["produsen_b"], "crawler", "write", 1)
    crawl = run_crawl(crawler(token=text), world, api_only=True)
    assert_clean(crawl, 300)


def test_the_canary_is_there_for_those_who_may_see_it(world, cast):
    """The control: the same crawl finds the token where it belongs, so a leak would be seen."""
    restricted, version = world.objects["restricted"], world.objects["restricted_version"]
    resource_id = version.resource_id
    urls = [
        restricted.get_absolute_url(),
        f"/dataset/?q={world.probe}",
        f"/dataset/{restricted.slug}/berkas/{resource_id}/v{version.number}/unduh.parquet",
        f"/dataset/{restricted.slug}/berkas/{resource_id}/v{version.number}/unduh.xlsx",
        f"/api/v1/versions/{version.pk}/rows",
        f"/api/3/action/package_show?id={restricted.slug}",
        world.objects["ind_restricted"].get_absolute_url(),
        f"/kelola/daftar-data/dinas-kesehatan/{world.objects['plan'].year}/",
        world.objects["in_review"].get_absolute_url(),
    ]
    client = crawler(cast["produsen_a"])
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert world.secret in body_of(response), url
    assert world.secret in body_of(crawler(cast["pimpinan"]).get(urls[0]))
