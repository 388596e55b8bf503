"""The Digital Twin API's mass operations (`/api/gemini/v1/mass-operations`): submit a list
of createDigitalTwin and addService operations, answered at once with its id and done in the
background; then follow it, item by item."""

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, RequestBody, Schema
from litestar.params import PathParameter, QueryParameter
from msgspec import Meta, Struct

from application.authorization import Actor
from application.mass_operations import MassOperationCommands, MassOperationQueries
from application.ports.mass_operations import ItemView, OperationView
from application.twin_operator import MassOperator
from domain.errors import InvalidValue
from domain.mass_operations import MAX_ITEMS, Item
from interfaces.rest.as_of import AS_OF
from interfaces.rest.auth import ENTITY_KEY_OPT
from interfaces.rest.body_docs import BODY_KEY
from interfaces.rest.mass_operation_schemas import stored_item
from interfaces.rest.paging import Limit, Offset

ActorDep = NamedDependency[Actor]
MAX_ITEMS_PAGE = 1000
Items = Annotated[list[dict[str, Any]], Meta(min_length=1, max_length=MAX_ITEMS)]
BODY = RequestBody(
    required=True,
    description=f"1 to {MAX_ITEMS} operations, each an object (docs/digital-twins.md)",
    content={
        "application/json": OpenAPIMediaType(
            schema=Schema(
                type=OpenAPIType.ARRAY,
                items=Schema(type=OpenAPIType.OBJECT),
                min_items=1,
                max_items=MAX_ITEMS,
            )
        )
    },
)


class MalformedJson(InvalidValue):
    reason = "malformed_json"


def read_items(body: bytes) -> list[Item]:
    """The request's items as stored. The array is checked before its items are read: a body
    of millions of `{}` costs one decode (a transient list of them), never their reading."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise MalformedJson(f"the body is not UTF-8: {error}") from None
    try:
        given = msgspec.json.decode(body, type=Items)
    except msgspec.ValidationError as error:
        raise InvalidValue(f"the body must be an array of operations: {error}") from None
    except msgspec.DecodeError as error:
        raise MalformedJson(f"the body is not JSON: {error}") from None
    return [stored_item(item) for item in given]


ItemsLimit = Annotated[int, QueryParameter(ge=1, le=MAX_ITEMS_PAGE)]
OperationId = Annotated[UUID, PathParameter(description="the massOperationId")]
Outcome = Annotated[
    Literal["ok", "error"] | None,
    QueryParameter(description="only the items applied (ok) or only those that failed (error)"),
]


class Submitted(Struct, rename="camel"):
    mass_operation_id: str


class ItemError(Struct):
    code: str
    field: str
    reason: str


class ItemResult(Struct, rename="camel", omit_defaults=True):
    index: int
    object_id: str | None
    operation_type: str | None
    ok: bool
    outcome: str | None = None
    """created, unchanged, added or replaced."""
    error: ItemError | None = None
    notes: list[str] = []


class OperationSummary(Struct, rename="camel"):
    mass_operation_id: str
    status: str
    """pending, running, completed or completed_with_errors."""
    total: int
    processed: int
    succeeded: int
    failed: int
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None


class OperationResponse(OperationSummary):
    items: list[ItemResult]
    """This page of the items' results (`offset`, `limit`, `outcome`), in item order."""
    items_total: int
    """Results on every page (of the `outcome` asked for)."""


class OperationsPage(Struct):
    total: int
    offset: int
    limit: int
    items: list[OperationSummary]


@dataclass(frozen=True)
class MassOperationServices:
    commands: MassOperationCommands
    queries: MassOperationQueries
    operator: MassOperator


class MassOperationsController(Controller):
    path = "/api/gemini/v1/mass-operations"
    tags = ["digital twins: mass operations"]
    parameters = AS_OF
    services: ClassVar[MassOperationServices]
    reading: ClassVar[asyncio.Semaphore]

    @classmethod
    def bound_to(
        cls, services: MassOperationServices, max_bytes: int, callers: dict[str, Provide]
    ) -> type["MassOperationsController"]:
        """One request's body is read at a time per process: the bound on what reading costs.
        `callers` says who calls it (users, and identity entities by their API keys)."""
        attributes = {
            "services": services,
            "request_max_body_size": max_bytes,
            "reading": asyncio.Semaphore(1),
            "dependencies": callers,
            "opt": {ENTITY_KEY_OPT: True},
        }
        return type(cls.__name__, (cls,), attributes)

    @post(
        "/",
        status_code=201,
        summary="Start a mass operation to create or update digital twins",
        description="Each item is `createDigitalTwin` (objectId, objectType, services, keys) "
        f"or `addService` (objectId, objectType, services). From 1 to {MAX_ITEMS} items, "
        "services and keys as docs/digital-twins.md says. The operation is stored before the "
        "answer and done in the background: an item whose content is wrong is that item's "
        "error in the results, and the others are applied. A body that is not an array of "
        "objects is refused whole. `privateKeyHex` is dropped at once, never stored.",
        opt={BODY_KEY: BODY},
    )
    async def submit(self, request: Request[Any, Any, Any], actor: ActorDep) -> Response[Submitted]:
        async with self.reading:
            body = await request.body()
            items = await asyncio.to_thread(read_items, body)
        operation = await self.services.commands.submit(actor, items)
        return Response(
            Submitted(str(operation)),
            status_code=201,
            headers={
                "Location": f"{self.path}/{operation}",
                "Access-Control-Expose-Headers": "Location",
            },
        )

    @get(
        "/",
        sync_to_thread=False,
        summary="The caller's mass operations, oldest first",
    )
    def list_operations(
        self, actor: ActorDep, offset: Offset = 0, limit: Limit = 10
    ) -> OperationsPage:
        found = self.services.queries.page(actor, offset, limit)
        return OperationsPage(
            found.total, found.offset, found.limit, [_summary(o) for o in found.items]
        )

    @get(
        "/{mass_operation_id:uuid}",
        sync_to_thread=False,
        summary="A mass operation's status, counts and a page of its items' results",
    )
    def get_operation(
        self,
        mass_operation_id: OperationId,
        actor: ActorDep,
        offset: Offset = 0,
        limit: ItemsLimit = 100,
        outcome: Outcome = None,
    ) -> OperationResponse:
        ok = None if outcome is None else outcome == "ok"
        found = self.services.queries.get(actor, mass_operation_id, offset, limit, ok)
        summary = _summary(found.operation)
        return OperationResponse(
            **{name: getattr(summary, name) for name in summary.__struct_fields__},
            items=[_item(i) for i in found.items.items],
            items_total=found.items.total,
        )


def _summary(operation: OperationView) -> OperationSummary:
    return OperationSummary(
        mass_operation_id=str(operation.id),
        status=operation.status,
        total=operation.total,
        processed=operation.succeeded + operation.failed,
        succeeded=operation.succeeded,
        failed=operation.failed,
        created_at=operation.created_at,
        started_at=operation.started_at,
        completed_at=operation.completed_at,
    )


def _item(item: ItemView) -> ItemResult:
    error = (
        ItemError(item.error_code, item.error_field or "", item.reason or "")
        if item.error_code
        else None
    )
    return ItemResult(
        index=item.index,
        object_id=item.object_id,
        operation_type=item.operation_type,
        ok=item.ok,
        outcome=item.outcome,
        error=error,
        notes=item.notes,
    )
