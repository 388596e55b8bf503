"""SQL over the `twins`, `twin_services` and `twin_keys` read models (current versions)."""

from collections.abc import Collection, Mapping, Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from application.ports.pages import Page
from application.ports.twins import TwinFilter, TwinPage, TwinView
from infrastructure.listing import Listing
from infrastructure.prepared import PreparedSelect
from infrastructure.read_connections import ReadConnections
from infrastructure.schema import twin_keys, twin_services, twins

CHUNK = 500
"""objectIds per `existing` query."""
BY_OBJECT_ID = sa.select(twins).where(
    twins.c.object_id == sa.bindparam("object_id"), twins.c.valid_to.is_(None)
)
PAGE_SLOTS = 100
"""Twins whose parts one statement reads: a page's (the API's largest page), each bound to a
slot of its own so that the statement compiles once; slots left over are bound to NULL."""


def _parts_of(table: sa.Table, *columns: str) -> sa.Select[Any]:
    slots: list[sa.BindParameter[str]] = [sa.bindparam(f"t{n}") for n in range(PAGE_SLOTS)]
    return (
        sa.select(table.c.twin, *(table.c[name] for name in columns))
        .where(table.c.twin.in_(slots), table.c.valid_to.is_(None))
        .order_by(table.c.twin, table.c.place)
    )


SERVICES = _parts_of(twin_services, "service_key", "uri", "description")
KEYS = _parts_of(twin_keys, "kid", "kms", "type", "public_key_hex", "algorithms")


class SqlTwinViews:
    def __init__(self, reads: ReadConnections) -> None:
        self._engine = reads.engine
        self._by_object_id = PreparedSelect(reads, BY_OBJECT_ID)
        self._services = PreparedSelect(reads, SERVICES)
        self._keys = PreparedSelect(reads, KEYS)
        self._listing = Listing(reads, twins, _conditions)

    def get(self, object_id: str) -> TwinView | None:
        row = self._by_object_id.one({"object_id": object_id})
        return None if row is None else self._views([row])[0]

    def page(self, query: TwinFilter) -> TwinPage:
        given = {
            "owner": str(query.owner) if query.owner else None,
            "object_type": query.object_type,
        }
        params = {name: value for name, value in given.items() if value is not None}
        shape = tuple(sorted(params))
        total, rows = self._listing.page(shape, params, query.offset, query.limit)
        return Page(total, query.offset, query.limit, self._views(rows))

    def existing(self, object_ids: Collection[str]) -> set[str]:
        wanted = list(object_ids)
        found: set[str] = set()
        with self._engine.connect() as conn:
            for start in range(0, len(wanted), CHUNK):
                query = sa.select(twins.c.object_id).where(
                    twins.c.object_id.in_(wanted[start : start + CHUNK]),
                    twins.c.valid_to.is_(None),
                )
                found.update(conn.execute(query).scalars())
        return found

    def _views(self, rows: Sequence[Mapping[str, Any]]) -> list[TwinView]:
        """The twins of `rows` with their services and keys, read in one statement each per
        PAGE_SLOTS twins."""
        services: dict[str, list[dict[str, Any]]] = {}
        keys: dict[str, list[dict[str, Any]]] = {}
        for start in range(0, len(rows), PAGE_SLOTS):
            ids = [row["id"] for row in rows[start : start + PAGE_SLOTS]]
            slots = {f"t{n}": ids[n] if n < len(ids) else None for n in range(PAGE_SLOTS)}
            for found, into in ((self._services, services), (self._keys, keys)):
                for part in found.all(slots):
                    into.setdefault(part["twin"], []).append(part)
        return [twin_view(r, services.get(r["id"], []), keys.get(r["id"], [])) for r in rows]


def _conditions(shape: tuple[str, ...]) -> list[sa.ColumnElement[bool]]:
    every = {
        "owner": twins.c.owner == sa.bindparam("owner"),
        "object_type": twins.c.object_type == sa.bindparam("object_type"),
    }
    return [every[name] for name in shape]


def twin_view(
    row: Mapping[str, Any],
    services: Sequence[Mapping[str, Any]],
    keys: Sequence[Mapping[str, Any]],
) -> TwinView:
    """Also the in-memory fake's: rows of the same shape."""
    return TwinView(
        object_id=row["object_id"],
        object_type=row["object_type"],
        owner=UUID(row["owner"]),
        thing=UUID(row["thing"]) if row["thing"] else None,
        services=[
            {"key": s["service_key"], "uri": s["uri"], "description": s["description"]}
            for s in services
        ],
        keys=[
            {
                "kid": k["kid"],
                "kms": k["kms"],
                "type": k["type"],
                "publicKeyHex": k["public_key_hex"],
                "algorithms": list(k["algorithms"]),
            }
            for k in keys
        ],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
