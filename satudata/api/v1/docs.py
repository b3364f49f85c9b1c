"""A readable page of the API, rendered on the server from the OpenAPI document (no JS, no CDN)."""

import json

from django.shortcuts import render

from .endpoints import api

METHODS = ("get", "post", "put", "patch", "delete")


def _type(schema, components):
    if not isinstance(schema, dict):
        return ""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(_type(s, components) for s in schema["anyOf"])
    if schema.get("type") == "array":
        return f"array of {_type(schema.get('items', {}), components)}"
    return schema.get("type", "object")


def operations(document):
    components = document.get("components", {}).get("schemas", {})
    out = []
    for route, item in document.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if not op:
                continue
            params = [
                {
                    "name": p.get("name"),
                    "where": p.get("in"),
                    "required": p.get("required", False),
                    "type": _type(p.get("schema", {}), components),
                    "description": p.get("description")
                    or p.get("schema", {}).get("description", ""),
                }
                for p in op.get("parameters", [])
            ]
            responses = [
                {
                    "status": status,
                    "schema": _type(
                        (r.get("content", {}).get("application/json", {}) or {}).get("schema", {}),
                        components,
                    ),
                }
                for status, r in op.get("responses", {}).items()
            ]
            out.append(
                {
                    "method": method.upper(),
                    "path": route,
                    "summary": op.get("summary", ""),
                    "tags": op.get("tags", []),
                    "parameters": params,
                    "responses": responses,
                    "anchor": op.get("operationId", f"{method}-{route}"),
                }
            )
    return out


def docs_page(request):
    document = api.get_openapi_schema(path_prefix="/api/v1")
    components = document.get("components", {}).get("schemas", {})
    schemas = [
        {
            "name": name,
            "fields": [
                {
                    "name": f,
                    "type": _type(s, components),
                    "required": f in schema.get("required", []),
                }
                for f, s in schema.get("properties", {}).items()
            ],
        }
        for name, schema in sorted(components.items())
    ]
    return render(
        request,
        "api/docs.html",
        {
            "info": document.get("info", {}),
            "operations": operations(document),
            "schemas": schemas,
            "raw_size": len(json.dumps(document)),
        },
    )
