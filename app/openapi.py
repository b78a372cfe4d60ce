"""The OpenAPI document as other tools read it: what FastAPI derives, made to say what the
server enforces.

FastAPI writes the document from the routes and the schemas; this module finishes it for the
settings the server runs with:

- **Operation ids** are the route functions' names (``step``, ``rewind``, ``create_network``),
  which generated clients turn into method names.
- **Optional bodies.** A route whose body may be left out (``POST …/step`` with no body is the
  next batch) takes ``Model | None``, which FastAPI documents as ``anyOf [Model, null]``;
  generated clients stumble on that. The body is documented as the model, not required.
- **Limits.** The configured limits that bound a single field (``epochs`` ≤ ``max_epochs``,
  layer sizes ≤ ``max_neurons``, rows ≤ ``max_samples``, …) become its ``maximum`` or
  ``maxItems``, so a client learns them from the document. Rules that tie a value to another
  field or to the network a request is for (a weight matrix's shape, a dataset's width) are
  said in words: JSON Schema cannot state them.
- **Authentication.** A ``bearer`` security scheme; when the server runs with a token, every
  ``/api/…`` operation but ``/api/health`` requires it and documents its 401.
- **The request's own refusals.** Every operation that reads a body (every method but GET)
  documents the 408 of a body that did not arrive within ``max_body_seconds``; every operation
  documents a 500 (``ERROR_RESPONSES``). A 405 answers a method a path does not take, so no
  operation of the document gets one: it is the reusable response ``MethodNotAllowed``, with
  its ``Allow`` header.
- **The training stream.** ``POST …/train`` with ``stream: true`` answers ``text/event-stream``;
  each event is documented as ``{"event", "data"}`` with ``data`` the JSON of its kind.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from .config import Settings
from .schemas.errors import described

Schema = dict[str, Any]

# (component, path of property names inside it, JSON Schema keyword, the limit's name, offset)
LIMITS: tuple[tuple[str, tuple[str, ...], str, str, int], ...] = (
    ("NetworkSpec", ("layers",), "maxItems", "max_layers", 1),
    ("NetworkSpec", ("layers", "[]"), "maximum", "max_neurons", 0),
    ("NetworkSpec", ("weights",), "maxItems", "max_layers", 0),
    ("NetworkSpec", ("biases",), "maxItems", "max_layers", 0),
    ("NetworkSpec", ("activations",), "maxItems", "max_layers", 0),
    ("GeneratorData", ("n",), "maximum", "max_samples", 0),
    ("PreviewIn", ("n",), "maximum", "max_samples", 0),
    ("ArrayData", ("inputs",), "maxItems", "max_samples", 0),
    ("ArrayData", ("targets",), "maxItems", "max_samples", 0),
    ("ForwardIn", ("inputs",), "maxItems", "max_samples", 0),
    ("ForwardIn", ("indices",), "maxItems", "max_samples", 0),
    ("LossIn", ("targets",), "maxItems", "max_samples", 0),
    ("StepIn", ("inputs",), "maxItems", "max_samples", 0),
    ("StepIn", ("targets",), "maxItems", "max_samples", 0),
    ("StepIn", ("indices",), "maxItems", "max_samples", 0),
    ("GradcheckIn", ("inputs",), "maxItems", "max_samples", 0),
    ("GradcheckIn", ("targets",), "maxItems", "max_samples", 0),
    ("PredictIn", ("inputs",), "maxItems", "max_samples", 0),
    ("Grid", ("resolution",), "maximum", "max_grid_resolution", 0),
    ("TrainIn", ("epochs",), "maximum", "max_epochs", 0),
    ("NameIn", ("name",), "maxLength", "max_name_length", 0),
)
NO_TOKEN_NEEDED = frozenset({"/api/health"})
UNAUTHORIZED = {
    "description": described(
        401,
        "the server runs with a token and this request sent none, or a wrong one "
        "(`Authorization: Bearer <token>`); the answer carries `WWW-Authenticate: Bearer`",
    ),
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
}


ERROR_OUT = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
BODY_TIMEOUT = {
    "description": "the body did not arrive within `max_body_seconds` (`body_timeout`)",
    "content": ERROR_OUT,
}
METHOD_NOT_ALLOWED = {
    "description": "a method the path does not take (`method_not_allowed`): the answer to every "
    "method of a path that the document does not list under it, never to one it lists",
    "headers": {
        "Allow": {"description": "the methods the path takes, comma-separated", "schema": {"type": "string"}}
    },
    "content": ERROR_OUT,
}
# The methods whose body the server never reads (app/limits.py): no 408.
BODILESS_METHODS = frozenset({"get", "head", "options"})


def operation_id(route: APIRoute) -> str:
    """The route function's name: ``step``, ``rewind``, ``create_network``."""
    return route.name


def install(app: FastAPI, settings: Settings) -> None:
    """Serve the finished document at ``/openapi.json`` (built once, on first request)."""

    def openapi() -> Schema:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = finish(document, settings)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def finish(document: Schema, settings: Settings) -> Schema:
    components = document.setdefault("components", {})
    schemas: Schema = components.setdefault("schemas", {})
    for operations in document["paths"].values():
        for operation in operations.values():
            _optional_body(operation)
            _form_fields(operation, schemas)
    _limits(schemas, settings)
    _request_refusals(document)
    _event_stream(document)
    _links(document)
    _security(document, settings)
    return document


def _optional_body(operation: Schema) -> None:
    body = operation.get("requestBody")
    if body is None:
        return
    for media in body.get("content", {}).values():
        schema = media.get("schema", {})
        choices = [c for c in schema.get("anyOf", []) if c != {"type": "null"}]
        if "anyOf" in schema and len(choices) == 1 and len(schema["anyOf"]) == 2:
            media["schema"] = choices[0]
            body["required"] = False


def _form_fields(operation: Schema, schemas: Schema) -> None:
    """A form field left out is absent: multipart has no null, so none is documented."""
    content = operation.get("requestBody", {}).get("content", {})
    form = content.get("multipart/form-data", {}).get("schema", {}).get("$ref")
    if form is None:
        return
    properties = schemas[form.split("/")[-1]]["properties"]
    for name, prop in properties.items():
        if "anyOf" in prop:
            rest = {key: value for key, value in prop.items() if key != "anyOf"}
            properties[name] = {**_value_schema(prop), **rest}


def _request_refusals(document: Schema) -> None:
    """The 408 of a body too slow, where a body is read; the 405 as a reusable response."""
    for operations in document["paths"].values():
        for method, operation in operations.items():
            if method not in BODILESS_METHODS:
                operation.setdefault("responses", {})["408"] = BODY_TIMEOUT
    document["components"].setdefault("responses", {})["MethodNotAllowed"] = METHOD_NOT_ALLOWED


def _limits(schemas: Schema, settings: Settings) -> None:
    limits = settings.limits
    for component, path, keyword, name, offset in LIMITS:
        node = schemas.get(component)
        if node is None:
            raise KeyError(f"the OpenAPI document has no component {component!r} (app/openapi.py LIMITS)")
        for part in path:
            node = _value_schema(node["items"] if part == "[]" else node["properties"][part])
        node[keyword] = getattr(limits, name) + offset


def _value_schema(schema: Schema) -> Schema:
    """The non-null choice of a nullable property (``anyOf [X, null]``), else the schema."""
    choices = [c for c in schema.get("anyOf", []) if c != {"type": "null"}]
    return choices[0] if len(choices) == 1 else schema


def _event_stream(document: Schema) -> None:
    """Each event of ``POST …/train``'s stream: its kind, and its data as JSON of that kind."""

    def event(kind: str, data: str) -> Schema:
        return {
            "type": "object",
            "required": ["event", "data"],
            "properties": {
                "event": {"const": kind},
                "data": {
                    "type": "string",
                    "contentMediaType": "application/json",
                    "contentSchema": {"$ref": f"#/components/schemas/{data}"},
                },
            },
        }

    for operations in document["paths"].values():
        for operation in operations.values():
            stream = operation.get("responses", {}).get("200", {}).get("content", {}).get("text/event-stream")
            if stream is not None:
                stream["schema"] = {
                    "oneOf": [
                        event("epoch", "HistoryEntry"),
                        event("done", "TrainOut"),
                        event("error", "ErrorOut"),
                    ]
                }


def _links(document: Schema) -> None:
    """The id a new network's answer carries is the ``network_id`` of every operation on one:
    OpenAPI links, which clients and fuzzers follow from a create to what uses it."""
    users = [
        operation["operationId"]
        for path, operations in document["paths"].items()
        if "{network_id}" in path
        for operation in operations.values()
    ]
    for path in ("/api/networks", "/api/networks/import"):
        created = document["paths"][path]["post"]["responses"]["201"]
        created["links"] = {
            user: {"operationId": user, "parameters": {"network_id": "$response.body#/id"}} for user in users
        }


def _security(document: Schema, settings: Settings) -> None:
    components = document["components"]
    components["securitySchemes"] = {
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "the token the server was started with (`--token` or BACKPROP_EXPLORER_TOKEN); "
            "needed only when it runs with one",
        }
    }
    if not settings.access.token:
        return
    for path, operations in document["paths"].items():
        if not path.startswith("/api/") or path in NO_TOKEN_NEEDED:
            continue
        for operation in operations.values():
            operation["security"] = [{"bearer": []}]
            operation.setdefault("responses", {})["401"] = UNAUTHORIZED
