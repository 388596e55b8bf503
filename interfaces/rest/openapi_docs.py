"""What each operation of the OpenAPI document says it answers and how it is authenticated,
derived from the handler itself so the document cannot drift from the server.

Every error is the one Problem body (errors.py); Litestar would document its own
`{status_code, detail, extra}` instead. Security follows the handler's dependencies: an
`actor` or a token means a bearer token, an optional actor means one may be given; the routes
that authenticate otherwise (a thing secret, the broker hooks' secret) say so here.
"""

from dataclasses import dataclass

from litestar import Litestar
from litestar.enums import ParamType
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    Reference,
    RequestBody,
    Schema,
    SecurityRequirement,
    SecurityScheme,
)
from litestar.routes import HTTPRoute

from interfaces.aggregates import as_of_paths
from interfaces.rest.auth import ENTITY_KEY_OPT
from interfaces.rest.body_docs import ANSWER_KEY, BODY_KEY
from interfaces.rest.broker_hooks import VERNE_HOOKS
from interfaces.rest.errors import REASON_OF_STATUS, Problem

SCHEMES: dict[str, SecurityScheme | Reference] = {
    "BearerToken": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT"),
    "ThingSecret": SecurityScheme(
        type="apiKey",
        name="Authorization",
        security_scheme_in="header",
        description="`Thing <secret>`",
    ),
    "BasicAuth": SecurityScheme(
        type="http", scheme="basic", description="the thing secret as the password"
    ),
    "HookSecret": SecurityScheme(
        type="http", scheme="bearer", description="FLEETID_MQTT_HOOK_SECRET (or Basic password)"
    ),
    "AdminApiKey": SecurityScheme(
        type="apiKey",
        name="x-admin-api-key",
        security_scheme_in="header",
        description="FLEETID_ADMIN_API_KEY, or a key `fleetid admin-key rotate` made",
    ),
    "EntityApiKey": SecurityScheme(
        type="apiKey",
        name="apikey",
        security_scheme_in="header",
        description="an identity entity's API key, shown when it was made",
    ),
}
BEARER: list[SecurityRequirement] = [{"BearerToken": []}]
ADMIN: list[SecurityRequirement] = [{"AdminApiKey": []}]
ENTITY: list[SecurityRequirement] = [{"EntityApiKey": []}]
KEYED = (ADMIN[0], ENTITY[0])
"""Schemes whose routes answer 404 when the admin API is off, and 429 to guessing."""
THING: list[SecurityRequirement] = [{"ThingSecret": []}]
SECURITY_OF_PATH: dict[str, list[SecurityRequirement]] = {
    "/http/channels/{channel_id}/messages": [*THING, {"BasicAuth": []}],
    "/http/channels/{channel_id}/messages/{subtopic}": [*THING, {"BasicAuth": []}],
    "/channels/{channel_id}/messages": [*BEARER, *THING],
    "/identify": THING,
    "/mqtt/emqx/authn": [{"HookSecret": []}],
    "/mqtt/emqx/authz": [{"HookSecret": []}],
    "/mqtt/emqx/messages": [{"HookSecret": []}],
    "/mqtt/vernemq": [{"HookSecret": []}],
}
INGEST = frozenset(p for p in SECURITY_OF_PATH if p.startswith("/http/"))
ALSO_ANSWERS: dict[str, set[int]] = {
    "/users/tokens/issue": {401, 429},
    "/users/tokens/refresh": {401},
    "/identify": {429},
    "/channels/{channel_id}/access": {429},
    "/channels/{channel_id}/messages": {429},
    "/health": {503},
    **{path: {404} for path in ("/log/leaves", "/log/proofs/inclusion", "/log/proofs/consistency")},
    "/password/reset-request": {429, 503},
    "/password/reset": {401, 429, 503},
    "/auth/pwd": {401, 429},
    "/auth/refresh": {401},
    "/auth/reset": {429, 503},
    "/auth/update": {401, 429, 503},
    "/api/v1/generators": {404},
    "/api/v1/users/credentials": {429},
    **{path: {422, 429, 503} for path in INGEST},
}
HOOKS = frozenset(p for p in SECURITY_OF_PATH if p.startswith("/mqtt/"))
VERNE_PATH = "/mqtt/vernemq"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
BODIES = frozenset({"POST", "PUT", "PATCH"})


@dataclass
class WriteOperation(Operation):
    """`as_of` is declared on whole controllers but taken by their reads only: the as-of
    middleware refuses it on a write, so a write's operation does not list it."""

    def __post_init__(self) -> None:
        self.parameters = [
            p for p in self.parameters or [] if getattr(p, "name", None) != "as_of"
        ] or None


SENML_RECORD = Schema(
    type=OpenAPIType.OBJECT,
    description="A SenML record (RFC 8428): bn, bt, bu, bv, bs, n, u, v, vs, vb, vd, s, t, ut",
)
SENML_PACK = Schema(type=OpenAPIType.ARRAY, items=SENML_RECORD, min_items=1)
PACK_BODY = RequestBody(
    required=True,
    description="One SenML pack; JSON that is not a pack is refused (400).",
    content={
        "application/senml+json": OpenAPIMediaType(schema=SENML_PACK),
        "application/json": OpenAPIMediaType(schema=SENML_PACK),
        "application/senml+cbor": OpenAPIMediaType(
            schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
        ),
    },
)


@dataclass
class IngestOperation(WriteOperation):
    """Ingest reads its body itself (to authenticate before decoding it): the pack it takes is
    described here."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.request_body = PACK_BODY


def _own(body: RequestBody | None, answers: tuple[str, ...]) -> type[WriteOperation]:
    """The operation of a handler that reads its body itself, or answers binary media."""
    binary = OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY))

    @dataclass
    class OwnOperation(WriteOperation):
        def __post_init__(self) -> None:
            super().__post_init__()
            if body is not None:
                self.request_body = body
            done = (self.responses or {}).get("200")
            if answers and isinstance(done, OpenAPIResponse):
                done.content = dict.fromkeys(answers, binary)

    return OwnOperation


VERNE_HOOK = Parameter(
    name="vernemq-hook",
    param_in=ParamType.HEADER,
    required=True,
    schema=Schema(type=OpenAPIType.STRING, enum=list(VERNE_HOOKS)),
    description="the webhook VerneMQ calls; the body is that hook's payload",
)
VERNE_BODY = RequestBody(
    required=True,
    description="The payload VerneMQ sends for the hook named by `vernemq-hook`.",
    content={"application/json": OpenAPIMediaType(schema=Schema(type=OpenAPIType.OBJECT))},
)


@dataclass
class VerneOperation(WriteOperation):
    """The VerneMQ hook reads its header and body itself (after checking the caller)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.parameters = [*(self.parameters or []), VERNE_HOOK]
        self.request_body = VERNE_BODY


def _security(handler: HTTPRouteHandler, path: str) -> list[SecurityRequirement]:
    if path in SECURITY_OF_PATH:
        return SECURITY_OF_PATH[path]
    names = handler.parsed_fn_signature.parameters
    if "admin" in names:
        return ADMIN
    if "entity" in names:
        return ENTITY
    if "actor" in names and handler.opt.get(ENTITY_KEY_OPT):
        return [*BEARER, *ENTITY]
    if "actor" in names or "request_token" in names:
        return BEARER
    if "optional_actor" in names:
        return [{}, *BEARER]
    return []


def _statuses(
    handler: HTTPRouteHandler, path: str, security: list[SecurityRequirement]
) -> set[int]:
    methods = set(handler.http_methods)
    takes_input = bool(handler.parsed_fn_signature.parameters) or "{" in path
    statuses = {500, *ALSO_ANSWERS.get(path, ())}
    if takes_input or methods & BODIES:
        statuses.add(400)
    if any(requirement for requirement in security):
        statuses |= {401, 403}
    if "{" in path or path in HOOKS or ("GET" in methods and path.startswith(as_of_paths())):
        statuses.add(404)
    if methods & BODIES:
        statuses |= {413, 415}
    if any(requirement in KEYED for requirement in security):
        statuses |= {404, 429}
    if methods & WRITES and (BEARER[0] in security or ADMIN[0] in security):
        statuses |= {404, 409, 503}  # 404: an entity the body names (a parent, a subject)
    return statuses


def document_operations(app: Litestar) -> None:
    """Give every operation its security and its Problem answers, before the document is built."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if not handler.include_in_schema:
                continue
            security = _security(handler, route.path_format)
            handler.security = security
            if BODY_KEY in handler.opt or ANSWER_KEY in handler.opt:
                handler.operation_class = _own(
                    handler.opt.get(BODY_KEY), handler.opt.get(ANSWER_KEY, ())
                )
            elif route.path_format in INGEST:
                handler.operation_class = IngestOperation
            elif route.path_format == VERNE_PATH:
                handler.operation_class = VerneOperation
            elif "GET" not in handler.http_methods:
                handler.operation_class = WriteOperation
            declared = dict(handler.responses or {})
            for status in sorted(_statuses(handler, route.path_format, security)):
                declared.setdefault(
                    status,
                    ResponseSpec(
                        data_container=Problem,
                        description=REASON_OF_STATUS.get(status, "error"),
                        generate_examples=False,
                    ),
                )
            handler.responses = declared
