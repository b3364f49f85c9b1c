"""The read actions of the CKAN Action API (CKAN 2.10/2.11 contract, peers.md §3.4).

Each action takes (context, data_dict) and returns the `result`; see registry.py.
"""

import json
from importlib import metadata

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q

from satudata.accounts.models import Organization
from satudata.catalog.models import Dataset, ResourceVersion, Tag, Topic
from satudata.catalog.search import query_stems

from . import cache as search_cache
from . import ids
from .package import (
    LICENSES,
    datasets_for,
    group_dict,
    iso,
    organization_dict,
    package_dict,
    package_dicts,
    tag_name,
)
from .query import Fields, parse
from .registry import ACTIONS, NotFound, SearchQueryError, ValidationError, action

ROWS_MAX = 1000
DEFAULT_SORT = "score desc, metadata_modified desc"
SEARCH_PARAMS = {
    "q", "fq", "fq_list", "sort", "rows", "start", "facet", "facet.field", "facet.limit",
    "facet.mincount", "include_private", "include_drafts", "include_deleted",
    "use_default_schema", "fl", "qf", "wt", "bf", "boost", "tie", "defType", "mm", "df",
}  # fmt: skip
SORT_FIELDS = {
    "id": "pk",
    "name": "slug",
    "title": "title",
    "title_string": "title",
    "metadata_modified": "modified_at",
    "metadata_created": "created_at",
    "score": None,
}
FACET_FIELDS = ("organization", "groups", "tags", "res_format", "license_id")
# What status_show claims: the CKAN release whose read API this one follows.
CKAN_VERSION = "2.11.0"


# --- parameters


def as_bool(value, default=False):
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "1", "yes", "on")


def as_int(data, key, default, *, maximum=None):
    value = data.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: 1e999 in a JSON body
        raise ValidationError(**{key: ["Invalid integer"]}) from None
    if number < 0:
        raise ValidationError(**{key: ["Must be a natural number"]})
    return min(number, maximum) if maximum is not None else number


def as_text(data, key, default=""):
    value = data.get(key, default)
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else " ".join(str(v) for v in value)
    return default if value is None else str(value)


def as_list(value):
    """A list given as a list, a JSON list string or a comma-separated string."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        if len(value) == 1 and isinstance(value[0], str) and value[0].startswith("["):
            return as_list(value[0])
        return [str(v) for v in value]
    text = str(value).strip()
    if text.startswith("["):
        try:
            decoded = json.loads(text)
        except (ValueError, RecursionError):  # RecursionError: deeply nested JSON
            raise ValidationError(**{"facet.field": ["Invalid JSON list"]}) from None
        if not isinstance(decoded, list):
            raise ValidationError(**{"facet.field": ["Not a list"]})
        return [str(v) for v in decoded]
    return [part.strip() for part in text.split(",") if part.strip()]


def id_of(data):
    value = data.get("id", data.get("name_or_id"))
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None or str(value).strip() == "":
        raise ValidationError(id="Missing value")
    return str(value).strip()


def search_scope(context, data=None):
    """What decides which datasets a search sees: the public, or one member with private ones."""
    user = context["user"]
    if user.is_authenticated and as_bool((data or {}).get("include_private")):
        return f"user:{user.pk}"
    return "public"


def member_scope(context, data=None):
    """include_private counts only for a signed-in caller (anonymous: always public only)."""
    user = context["user"]
    wants = as_bool((data or {}).get("include_private"))
    return datasets_for(user, include_private=wants and user.is_authenticated)


# --- package_search


def parse_sort(text):
    """[(order_by expressions)], ranked?; raises on anything outside SORT_FIELDS."""
    order, ranked = [], False
    for clause in text.split(","):
        parts = clause.split()
        if not parts:
            continue
        if len(parts) != 2 or parts[0] not in SORT_FIELDS or parts[1] not in ("asc", "desc"):
            raise SearchQueryError('Invalid "sort" parameter')
        column = SORT_FIELDS[parts[0]]
        if column is None:
            ranked = ranked or parts[1] == "desc"
            if not order:
                order.append(None)  # the place of the rank
            continue
        order.append(("-" if parts[1] == "desc" else "") + column)
    if not any(order):
        order.append("-modified_at")
    if "pk" not in order and "-pk" not in order:
        order.append("pk")  # a total order, so paging never repeats or skips a dataset
    return order, ranked


def search(context, data, *, default_rows=10):
    """The package_search engine, shared by package_search and current_package_list_with_resources."""
    rows = as_int(data, "rows", default_rows, maximum=ROWS_MAX)
    start = as_int(data, "start", 0)
    sort = as_text(data, "sort") or DEFAULT_SORT
    order, ranked = parse_sort(sort)
    fields = Fields()
    q_filter, words = parse(as_text(data, "q"), fields, free_text=True)
    filters = [q_filter]
    for key in ("fq", "fq_list"):
        value = data.get(key)
        for text in value if isinstance(value, list) else [value]:
            if text:
                filters.append(parse(str(text), fields)[0])
    matched = member_scope(context, data).filter(*filters)
    scope = search_scope(context, data)
    count = search_cache.cached(search_cache.key(context, "count", scope, data), matched.count)
    results = []
    if rows and start < count:
        if ranked and words:
            ranks = text_ranks(words)
            pks = sorted(
                matched.values_list("pk", flat=True), key=lambda pk: (-ranks.get(pk, 0), -pk)
            )
            page = pks[start : start + rows]
        else:
            order = [o for o in order if o]
            page = list(matched.order_by(*order).values_list("pk", flat=True)[start : start + rows])
        results = package_dicts(page)
    return matched, count, sort, results


def text_ranks(words):
    """{dataset pk: relevance} for the datasets matching every stem of `words`, in one query.

    The same stems and index as the catalog's filter_datasets, but scored in a single pass
    (its per-row rank subquery costs one FTS lookup per matching row).
    """
    stems = query_stems(words, 200)
    if not stems:
        return {}
    if connection.vendor == "postgresql":
        tsquery = " & ".join(stems)
        sql = (
            "SELECT id, ts_rank(to_tsvector('simple', search_document), to_tsquery('simple', %s))"
            " FROM catalog_dataset"
            " WHERE to_tsvector('simple', search_document) @@ to_tsquery('simple', %s)"
        )
        params = [tsquery, tsquery]
    else:
        sql = (
            "SELECT rowid, -bm25(catalog_dataset_fts) FROM catalog_dataset_fts"
            " WHERE catalog_dataset_fts MATCH %s"
        )
        params = [" ".join(f'"{w}"' for w in stems)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def facet_counts(field, matched):
    """{value: (label, count)} of one facet field over the matched datasets.

    Counts are grouped by key in SQL over the matched ids, and labelled afterwards.
    """
    ids_ = matched.values("pk")
    counts = {}
    if field == "organization":
        rows = dict(
            Dataset.objects.filter(pk__in=ids_)
            .order_by()
            .values_list("organization_id")
            .annotate(n=Count("pk"))
        )
        for pk, slug, name in Organization.objects.filter(pk__in=rows).values_list(
            "pk", "slug", "name"
        ):
            counts[slug] = (name, rows[pk])
    elif field == "groups":
        through = Dataset.topics.through.objects.filter(dataset_id__in=ids_).order_by()
        rows = dict(through.values_list("topic_id").annotate(n=Count("dataset_id", distinct=True)))
        for pk, slug, name in Topic.objects.filter(pk__in=rows).values_list("pk", "slug", "name"):
            counts[slug] = (name, rows[pk])
    elif field == "tags":
        through = Dataset.tags.through.objects.filter(dataset_id__in=ids_).order_by()
        rows = dict(through.values_list("tag_id").annotate(n=Count("dataset_id", distinct=True)))
        for pk, name in Tag.objects.filter(pk__in=rows).values_list("pk", "name"):
            cleaned = tag_name(name)
            if cleaned:
                # Two raw tags may clean to one name; a dataset rarely has both.
                label, n = counts.get(cleaned, (cleaned, 0))
                counts[cleaned] = (label, n + rows[pk])
    elif field == "res_format":
        for fmt, n in (
            ResourceVersion.objects.filter(published_at__isnull=False, resource__dataset__in=ids_)
            .order_by()
            .values_list("format")
            .annotate(n=Count("resource__dataset", distinct=True))
        ):
            counts[fmt] = (fmt, n)
    elif field == "license_id":
        for value, n in (
            Dataset.objects.filter(pk__in=ids_)
            .order_by()
            .values_list("license")
            .annotate(n=Count("pk"))
        ):
            ckan_id, title, _url, _open = LICENSES.get(value, (value, value, None, False))
            counts[ckan_id] = (title, n)
    return counts


@action("package_search")
def package_search(context, data_dict):
    """Search datasets: q, fq, fq_list, rows (≤ 1000), start, sort, facet.field, facet.limit,
    facet.mincount, fl, include_private (members of the owning OPD only)."""
    unknown = sorted(k for k in data_dict if k not in SEARCH_PARAMS and not k.startswith("ext_"))
    if unknown:
        raise SearchQueryError(f"Invalid search parameters: {unknown}")
    matched, count, sort, results = search(context, data_dict)
    fl = as_list(data_dict.get("fl"))
    if fl and fl != ["*"]:
        results = [{k: r.get(k) for k in fl} for r in results]
    facets, search_facets = {}, {}
    if as_bool(data_dict.get("facet"), True):
        limit = as_int_signed(data_dict, "facet.limit", 50)
        mincount = as_int(data_dict, "facet.mincount", 1)
        scope = search_scope(context, data_dict)
        for field in as_list(data_dict.get("facet.field")):
            counts = (
                search_cache.cached(
                    search_cache.key(context, "facet", scope, data_dict, [field]),
                    lambda field=field: facet_counts(field, matched),
                )
                if field in FACET_FIELDS
                else {}
            )
            items = sorted(
                ((name, label, n) for name, (label, n) in counts.items() if n >= mincount),
                key=lambda item: (-item[2], item[0]),
            )
            if limit >= 0:
                items = items[:limit]
            facets[field] = {name: n for name, _label, n in items}
            search_facets[field] = {
                "title": field,
                "items": sorted(
                    ({"name": name, "display_name": label, "count": n} for name, label, n in items),
                    key=lambda item: item["display_name"],
                    reverse=True,
                ),
            }
    return {
        "count": count,
        "sort": sort,
        "facets": facets,
        "results": results,
        "search_facets": search_facets,
    }


def as_int_signed(data, key, default):
    value = data.get(key)
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError(**{key: ["Invalid integer"]}) from None


# --- packages and resources


def find_dataset(context, value):
    """The pk of the dataset `value` (CKAN id or name) within what the caller may see."""
    scope = datasets_for(context["user"], include_private=context["user"].is_authenticated)
    pk = ids.from_ckan("dataset", value)
    found = (scope.filter(pk=pk) if pk else scope.filter(slug=value)).values_list("pk", flat=True)
    found = found.first()
    if found is None:
        raise NotFound()
    return found


@action("package_show")
def package_show(context, data_dict):
    """One dataset by id or name (`id`; `name_or_id` also accepted)."""
    return package_dict(find_dataset(context, id_of(data_dict)))


@action("resource_show")
def resource_show(context, data_dict):
    """One resource by id, as it appears in its dataset's package dict."""
    value = id_of(data_dict)
    pk = ids.from_ckan("resource", value)
    if pk is None:
        raise NotFound("Resource was not found.")
    scope = datasets_for(context["user"], include_private=context["user"].is_authenticated)
    dataset = scope.filter(resources__pk=pk).values_list("pk", flat=True).first()
    if dataset is not None:
        for resource in package_dict(dataset)["resources"]:
            if resource["id"] == ids.to_ckan("resource", pk):
                return resource
    raise NotFound("Resource was not found.")


@action("package_list")
def package_list(context, data_dict):
    """Names of the public datasets, by name (limit, offset)."""
    names = member_scope(context, data_dict).order_by("slug").values_list("slug", flat=True)
    offset = as_int(data_dict, "offset", 0)
    limit = as_int(data_dict, "limit", None)
    return list(names[offset : offset + limit] if limit is not None else names[offset:])


@action("current_package_list_with_resources")
def current_package_list_with_resources(context, data_dict):
    """Package dicts, most recently modified first (limit, default 10; offset; page)."""
    limit = as_int(data_dict, "limit", 10, maximum=ROWS_MAX)
    offset = as_int(data_dict, "offset", 0)
    page = as_int(data_dict, "page", 0)
    if page:
        offset = (page - 1) * limit
    params = {"rows": limit, "start": offset, "sort": "metadata_modified desc"}
    return search(context, params)[3]


# --- organisations (OPD) and groups (topics)


def _list(context, data_dict, model, kind, to_dict, count_lookup, filter_key):
    sort = as_text(data_dict, "sort") or "title asc"
    all_fields = as_bool(data_dict.get("all_fields"))
    limit = as_int(data_dict, "limit", 25 if all_fields else 1000, maximum=1000)
    offset = as_int(data_dict, "offset", 0)
    items = model.objects.all()
    text = as_text(data_dict, "q")
    if text:
        items = items.filter(
            Q(slug__icontains=text) | Q(name__icontains=text) | Q(description__icontains=text)
        )
    names = as_list(data_dict.get(filter_key))
    if names:
        items = items.filter(slug__in=names)
    counts = dict(
        member_scope(context).values_list(count_lookup).annotate(n=Count("pk", distinct=True))
    )
    parts = sort.split()
    column = {"name": "slug", "title": "name", "package_count": "package_count"}.get(
        parts[0] if parts else ""
    )
    if column is None or (len(parts) > 1 and parts[1] not in ("asc", "desc")) or len(parts) > 2:
        raise ValidationError(sort=["Invalid sort"])
    reverse = len(parts) > 1 and parts[1] == "desc"
    rows = list(items)
    for row in rows:
        row.package_count = counts.get(row.pk, 0)
    key = {
        "slug": lambda r: r.slug,
        "name": lambda r: r.name.lower(),
        "package_count": lambda r: r.package_count,
    }[column]
    rows.sort(key=lambda r: (key(r), r.slug), reverse=reverse)
    rows = rows[offset : offset + limit]
    if not all_fields:
        return [row.slug for row in rows]
    return [dict(to_dict(row), package_count=row.package_count) for row in rows]


def _full_group(row, kind):
    base = organization_dict(row) if kind == "organization" else group_dict(row)
    base.update(
        {
            "type": kind,
            "is_organization": kind == "organization",
            "image_url": "",
            "image_display_url": "",
            "approval_status": "approved",
            "state": "active",
            "display_name": row.name,
            "title": row.name,
            "description": row.description,
            "created": iso(getattr(row, "created_at", None)),
            "num_followers": 0,
        }
    )
    return base


@action("organization_list")
def organization_list(context, data_dict):
    """OPD names, or dicts with `all_fields` (sort, limit, offset, q, organizations)."""
    return _list(
        context, data_dict, Organization, "organization",
        lambda row: _full_group(row, "organization"), "organization", "organizations",
    )  # fmt: skip


@action("group_list")
def group_list(context, data_dict):
    """Topic names (our groups), or dicts with `all_fields` (sort, limit, offset, q, groups)."""
    return _list(
        context, data_dict, Topic, "group",
        lambda row: _full_group(row, "group"), "topics", "groups",
    )  # fmt: skip


def _show(context, data_dict, model, kind, lookup, max_datasets):
    value = id_of(data_dict)
    pk = ids.from_ckan(kind, value)
    row = model.objects.filter(pk=pk).first() if pk else model.objects.filter(slug=value).first()
    if row is None:
        raise NotFound()
    datasets = member_scope(context).filter(**{lookup: row})
    result = _full_group(row, kind)
    result.update(
        {
            "package_count": datasets.count(),
            "extras": [],
            "groups": [],
            "tags": [],
            "users": [],
        }
    )
    if as_bool(data_dict.get("include_datasets")):
        rows = as_int(data_dict, "rows", max_datasets, maximum=max_datasets)
        page = datasets.order_by("-modified_at", "pk").values_list("pk", flat=True)[:rows]
        result["packages"] = package_dicts(page)
    return result


@action("organization_show")
def organization_show(context, data_dict):
    """One OPD by id or name; `include_datasets=true` adds its first 10 public datasets."""
    return _show(context, data_dict, Organization, "organization", "organization", 10)


@action("group_show")
def group_show(context, data_dict):
    """One topic by id or name; `include_datasets=true` adds up to 1000 public datasets."""
    return _show(context, data_dict, Topic, "group", "topics", ROWS_MAX)


@action("tag_list")
def tag_list(context, data_dict):
    """Names of the tags of public datasets (query or q: a substring; all_fields)."""
    text = as_text(data_dict, "query") or as_text(data_dict, "q")
    tags = Tag.objects.filter(pk__in=member_scope(context).values("tags")).order_by("name")
    if text:
        tags = tags.filter(name__icontains=text)
    seen = {}
    for tag in tags:
        name = tag_name(tag.name)
        if name and name not in seen:
            seen[name] = tag
    if as_bool(data_dict.get("all_fields")):
        return [
            {"id": ids.to_ckan("tag", tag.pk), "name": name, "vocabulary_id": None}
            for name, tag in seen.items()
        ]
    return list(seen)


# --- the site


def _version():
    try:
        return metadata.version("satudata")
    except metadata.PackageNotFoundError:
        return None


@action("status_show")
def status_show(context, data_dict):
    """What this portal is: name, address, language, extensions, the CKAN API it follows."""
    return {
        "site_title": settings.SITE_NAME,
        "site_description": "",
        "site_url": settings.SITE_URL,
        "error_emails_to": None,
        "locale_default": "id",
        "extensions": ["satudata"] + (["datastore"] if "datastore_search" in ACTIONS else []),
        "ckan_version": CKAN_VERSION,
        "satudata_version": _version(),
    }


@action("site_read")
def site_read(context, data_dict):
    """Whether the caller may read the site: always true."""
    return True


@action("help_show")
def help_show(context, data_dict):
    """The documentation of an action (`name`)."""
    name = as_text(data_dict, "name")
    if name not in ACTIONS:
        raise NotFound("Action function not found")
    return (ACTIONS[name].__doc__ or "").strip() or None
