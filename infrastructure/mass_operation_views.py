"""SQL over the `mass_operations` and `mass_operation_items` read models (current versions)."""

from collections.abc import Mapping
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from application.ports.mass_operations import ItemView, OperationView
from application.ports.pages import Page
from infrastructure.listing import Listing, bindable
from infrastructure.prepared import PreparedSelect
from infrastructure.read_connections import ReadConnections
from infrastructure.schema import mass_operation_items, mass_operations

CURRENT = mass_operations.c.valid_to.is_(None)
UNFINISHED = sa.or_(mass_operations.c.status == "pending", mass_operations.c.status == "running")
BY_ID = sa.select(mass_operations).where(mass_operations.c.id == sa.bindparam("id"), CURRENT)
WAITING = (
    sa.select(mass_operations).where(CURRENT, UNFINISHED).order_by(mass_operations.c.created_at)
)
WAITING_OF = (
    sa.select(sa.func.count())
    .select_from(mass_operations)
    .where(CURRENT, UNFINISHED, mass_operations.c.owner == sa.bindparam("owner"))
)


def _items(ok: bool | None) -> sa.Select[Any]:
    i = mass_operation_items.c
    where = [i.valid_to.is_(None), i.operation == sa.bindparam("operation")]
    if ok is not None:
        where.append(i.ok == sa.true() if ok else i.ok == sa.false())
    return (
        sa.select(mass_operation_items)
        .where(*where)
        .order_by(i.position)
        .offset(sa.bindparam("offset", type_=sa.BigInteger))
        .limit(sa.bindparam("limit", type_=sa.Integer))
    )


class SqlMassOperationViews:
    def __init__(self, reads: ReadConnections) -> None:
        self._by_id = PreparedSelect(reads, BY_ID)
        self._waiting = PreparedSelect(reads, WAITING)
        self._waiting_of = PreparedSelect(reads, WAITING_OF)
        self._listing = Listing(reads, mass_operations, _conditions)
        self._items = {ok: PreparedSelect(reads, _items(ok)) for ok in (None, True, False)}

    def get(self, operation_id: UUID) -> OperationView | None:
        row = self._by_id.one({"id": str(operation_id)})
        return None if row is None else operation_view(row)

    def page(self, owner: UUID | None, offset: int, limit: int) -> Page[OperationView]:
        params = {"owner": str(owner)} if owner else {}
        total, rows = self._listing.page(tuple(params), params, offset, limit)
        return Page(total, offset, limit, [operation_view(row) for row in rows])

    def items(self, operation_id: UUID, offset: int, limit: int, ok: bool | None) -> list[ItemView]:
        params = {"operation": str(operation_id), "offset": bindable(offset), "limit": limit}
        return [item_view(row) for row in self._items[ok].all(params)]

    def unfinished(self) -> list[OperationView]:
        return [operation_view(row) for row in self._waiting.all({})]

    def unfinished_of(self, owner: UUID) -> int:
        return int(self._waiting_of.scalar({"owner": str(owner)}))


def _conditions(shape: tuple[str, ...]) -> list[sa.ColumnElement[bool]]:
    return [mass_operations.c.owner == sa.bindparam("owner")] if "owner" in shape else []


def operation_view(row: Mapping[str, Any]) -> OperationView:
    """Also the in-memory fake's: rows of the same shape."""
    return OperationView(
        id=UUID(row["id"]),
        owner=UUID(row["owner"]),
        status=row["status"],
        total=row["total"],
        succeeded=row["succeeded"],
        failed=row["failed"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        completed_at=row["completed_at"],
    )


def item_view(row: Mapping[str, Any]) -> ItemView:
    return ItemView(
        index=row["position"],
        operation_type=row["operation_type"],
        object_id=row["object_id"],
        ok=bool(row["ok"]),
        outcome=row["outcome"],
        error_code=row["error_code"],
        error_field=row["error_field"],
        reason=row["reason"],
        notes=list(row["notes"]),
    )
