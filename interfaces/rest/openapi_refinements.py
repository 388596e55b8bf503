"""What the OpenAPI document must say and Litestar cannot derive from the handlers' types.

- JSON in a query parameter (`metadata`, a JSON object to match) is a parameter with `content`,
  which Litestar does not generate: it is written here, with the metadata schema.
- The routes that read an empty value as an absent one (json_bodies.py) drop `""` and `null`
  members before the body is typed, so the document derived from the types is too strict for
  them: an optional member may also be `""` or `null`, and a required string member is
  required non-empty (an empty one is dropped, then missing). The bodies are widened from the
  same flag the request class reads, so the two cannot disagree.

The JSON document is served through `RefinedJsonPlugin`, which does both once per app.
"""

from typing import Any

from litestar import Litestar, Request
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.routes import HTTPRoute

from interfaces.rest.json_bodies import EMPTY_IS_ABSENT_KEY, NESTED_FIELDS
from interfaces.rest.value_schemas import METADATA_OBJECT, METADATA_VALUE, METADATA_VALUE_SCHEMA

EMPTY_VALUE: dict[str, Any] = {"enum": ["", None], "description": "read as absent"}
JSON = dict[str, Any]
JSON_QUERY_PARAMETERS = frozenset({"metadata"})


def operations_reading_empty_as_absent(app: Litestar) -> set[tuple[str, str]]:
    """(path, method) of every documented route whose handler drops empty members."""
    return {
        (route.path_format, method.lower())
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for handler in route.route_handlers
        if handler.include_in_schema and handler.opt.get(EMPTY_IS_ABSENT_KEY)
        for method in handler.http_methods
    }


def widen_empty_values(document: JSON, operations: set[tuple[str, str]]) -> None:
    """Widen, in place, the request bodies of `operations` as the request class reads them."""
    components: JSON = document.get("components", {}).get("schemas", {})
    widened: set[str] = set()
    for path, method in operations:
        operation = document["paths"].get(path, {}).get(method, {})
        for media in operation.get("requestBody", {}).get("content", {}).values():
            _widen_body(media.get("schema", {}), components, widened)


def _resolved(schema: JSON, components: JSON, widened: set[str]) -> JSON | None:
    """The object schema `schema` is or refers to; None once a component was widened."""
    reference = schema.get("$ref", "")
    if not reference:
        return schema
    name = reference.rsplit("/", 1)[-1]
    if name in widened:
        return None
    widened.add(name)
    component: JSON = components[name]
    return component


def _widen_body(schema: JSON, components: JSON, widened: set[str]) -> None:
    if schema.get("type") == "array":
        _widen_body(schema.get("items", {}), components, widened)
        return
    target = _resolved(schema, components, widened)
    if target is None or "properties" not in target:
        return
    required = set(target.get("required", []))
    properties: JSON = target["properties"]
    for name, member in list(properties.items()):
        if name in NESTED_FIELDS:
            _widen_body(member, components, widened)
        if name in required:
            if member.get("type") == "string":
                member["minLength"] = max(1, member.get("minLength", 0))
        else:
            properties[name] = {"anyOf": [member, EMPTY_VALUE]}


def json_query_parameters(document: JSON) -> None:
    """Each JSON-valued query parameter as `content` (a client sends it as JSON text)."""
    for item in document["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if parameter["in"] == "query" and parameter["name"] in JSON_QUERY_PARAMETERS:
                    for serialization in ("schema", "style", "explode", "allowReserved"):
                        parameter.pop(serialization, None)
                    parameter["content"] = {"application/json": {"schema": METADATA_OBJECT}}


class RefinedJsonPlugin(JsonRenderPlugin):
    """`/schema/openapi.json`, refined as this module says."""

    def __init__(self) -> None:
        super().__init__()
        self._done: set[int] = set()

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        if id(openapi_schema) not in self._done:
            widen_empty_values(openapi_schema, operations_reading_empty_as_absent(request.app))
            json_query_parameters(openapi_schema)
            openapi_schema["components"]["schemas"][METADATA_VALUE] = METADATA_VALUE_SCHEMA
            self._done.add(id(openapi_schema))
        return self.render_json(request, openapi_schema)
