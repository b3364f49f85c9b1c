"""CKAN DataStore actions (`datastore_search`, `datastore_info`) on our query engine.

Rows come from the newest published version of a resource that the caller may query
(`version.query`); anything else is "not found", never "forbidden". Filters, fields and
sort name columns of the stored schema only; values are bound parameters (stats.query).
"""

import json
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404

from satudata.audit.actions import record_access
from satudata.stats import query as engine
from satudata.stats.versions import latest_queryable_version

from . import ids
from .registry import NotFound, ValidationError, action

# Table Schema type -> the DataStore (PostgreSQL) type CKAN clients expect.
CKAN_TYPES = {
    "integer": "int",
    "year": "int",
    "number": "numeric",
    "boolean": "bool",
    "date": "date",
    "datetime": "timestamp",
    "time": "time",
}
NATIVE_TYPES = {
    "int": "integer",
    "numeric": "numeric",
    "bool": "boolean",
    "date": "date",
    "text": "text",
}


def _one(data, key):
    value = data.get(key)
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value


def _bool(value, default):
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "1", "yes", "on")


def _int(data, key, default):
    value = _one(data, key)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: 1e999 in a JSON body
        raise ValidationError(**{key: ["Invalid integer"]}) from None
    if number < 0:
        raise ValidationError(**{key: ["Must be a natural number"]})
    return number


def _json_param(data, key):
    value = _one(data, key)
    if isinstance(value, str) and value.strip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except (ValueError, RecursionError):  # RecursionError: deeply nested JSON
            raise ValidationError(**{key: ["Cannot parse JSON"]}) from None
    return value


def _resource_version(context, data):
    value = _one(data, "resource_id")
    if value in (None, ""):
        value = _one(data, "id")
    if value in (None, ""):
        raise ValidationError(resource_id=["Missing value"])
    value = str(value).strip()
    pk = ids.from_ckan("resource", value)
    if pk is None and value.isdigit():
        pk = int(value)
    missing = NotFound(f'Resource "{value[:100]}" was not found.')
    if pk is None:
        raise missing
    try:
        return value, latest_queryable_version(context["user"], pk)
    except Http404:
        raise missing from None


def _field_type(field):
    return CKAN_TYPES.get(field.type, "text")


def _fields(table, chosen=None):
    fields = chosen if chosen is not None else [engine.ROW_ID_FIELD, *table.fields]
    return [{"id": f.name, "type": _field_type(f)} for f in fields]


def _invalid(error: engine.QueryError, key):
    if isinstance(error, engine.QueryTimeout):
        return ValidationError(query=[error.message])
    return ValidationError(**{key: [error.message]})


@action("datastore_search")
def datastore_search(context, data_dict):
    """Rows of a resource's newest published table (resource_id, filters, q, fields, sort,
    limit, offset, distinct, include_total, records_format)."""
    resource_id, version = _resource_version(context, data_dict)
    record_access(context["request"], version, channel="ckan")  # audited when not public
    table = engine.Table(version)
    try:
        filters = _json_param(data_dict, "filters") or {}
        try:
            found = engine.filters_from_mapping(table, filters)
        except engine.QueryError as error:
            raise _invalid(error, "filters") from None
        q = _json_param(data_dict, "q") or ""
        text = ""
        if isinstance(q, dict):
            try:
                found += tuple(engine.make_filter(table, c, "contains", v) for c, v in q.items())
            except engine.QueryError as error:
                raise _invalid(error, "q") from None
        else:
            text = str(q)
        fields = _json_param(data_dict, "fields") or []
        if isinstance(fields, str):
            fields = [f.strip() for f in fields.split(",") if f.strip()]
        sort = _one(data_dict, "sort") or ""
        try:
            order = engine.parse_sort(table, sort)
            columns = tuple(table.field(f).name for f in fields)
        except engine.QueryError as error:
            raise _invalid(error, "sort" if sort else "fields") from None
        limit = _int(data_dict, "limit", settings.QUERY_DEFAULT_PAGE_SIZE)
        limit, cut = engine.page_size(limit)
        offset = _int(data_dict, "offset", 0)
        include_total = _bool(_one(data_dict, "include_total"), True)
        distinct = _bool(_one(data_dict, "distinct"), False)
        records_format = _one(data_dict, "records_format") or "objects"
        if records_format not in ("objects", "lists"):
            raise ValidationError(records_format=['Must be "objects" or "lists"'])
        answer = engine.rows(
            table,
            engine.RowQuery(
                columns=columns,
                filters=found,
                q=text,
                sort=order,
                limit=limit,
                offset=offset,
                include_total=include_total,
                distinct=distinct,
                truncated=cut,
            ),
        )
    except engine.QueryError as error:
        raise _invalid(error, "query") from None
    chosen = [table.field(f["name"]) for f in answer["fields"]]
    records = answer["records"]
    if records_format == "lists":
        records = [[r.get(f.name) for f in chosen] for r in records]
    base = {"resource_id": resource_id, "limit": limit}
    if filters:
        base["filters"] = json.dumps(filters, ensure_ascii=False)
    path = "/api/3/action/datastore_search?"
    result = {
        "resource_id": resource_id,
        "include_total": include_total,
        "records_format": records_format,
        "limit": limit,
        "offset": offset,
        "fields": _fields(table, chosen),
        "records": records,
        "_links": {
            "start": path + urlencode(base),
            "next": path + urlencode({**base, "offset": offset + limit}),
        },
        "total_was_estimated": False,
    }
    if filters:
        result["filters"] = filters
    if q:
        result["q"] = q
    if sort:
        result["sort"] = sort
    if include_total:
        result["total"] = answer["total"]
    if cut:
        result["records_truncated"] = True
    return result


@action("datastore_info")
def datastore_info(context, data_dict):
    """Row count and columns (with their Table Schema types) of a resource's newest table."""
    resource_id, version = _resource_version(context, data_dict)
    table = engine.Table(version)
    try:
        total = engine.count(table)
    except engine.QueryError as error:
        raise _invalid(error, "query") from None
    schema_fields = version.schema.get("fields", [])
    fields = []
    for field, spec in zip(table.fields, schema_fields, strict=False):
        ckan_type = _field_type(field)
        fields.append(
            {
                "id": field.name,
                "type": ckan_type,
                "info": {
                    "label": str(spec.get("title") or ""),
                    "notes": str(spec.get("description") or spec.get("definition") or ""),
                },
                "schema": {
                    "native_type": NATIVE_TYPES.get(ckan_type, "text"),
                    "index_name": None,
                    "is_index": False,
                    "notnull": bool((spec.get("constraints") or {}).get("required")),
                    "uniquekey": bool((spec.get("constraints") or {}).get("unique")),
                },
            }
        )
    return {
        "meta": {
            "id": resource_id,
            "count": total,
            "table_type": "BASE TABLE",
            "aliases": [],
            "size": version.size,
            "version": version.number,
            "sha256": version.sha256,
        },
        "fields": fields,
    }
