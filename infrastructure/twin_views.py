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
SERVICES = (
    sa.select(
        twin_services.c.twin,
        twin_services.c.service_key,
        twin_services.c.uri,
        twin_services.c.description,
    )
    .where(twin_services.c.twin == sa.bindparam("twin"), twin_services.c.valid_to.is_(None))
    .order_by(twin_services.c.place)
)
KEYS = (
    sa.select(
        twin_keys.c.twin,
        twin_keys.c.kid,
        twin_keys.c.kms,
        twin_keys.c.type,
        twin_keys.c.public_key_hex,
        twin_keys.c.algorithms,
    )
    .where(twin_keys.c.twin == sa.bindparam("twin"), twin_keys.c.valid_to.is_(None))
    .order_by(twin_keys.c.place)
)


class SqlTwinViews:
    def __init__(self, reads: ReadConnections) -> None:
        self._engine = reads.engine
        self._by_object_id = PreparedSelect(reads, BY_OBJECT_ID)
        self._services = PreparedSelect(reads, SERVICES)
        self._keys = PreparedSelect(reads, KEYS)
        self._listing = Listing(reads, twins, _conditions)

    def get(self, object_id: str) -> TwinView | None:
        row = self._by_object_id.one({"object_id": object_id})
        return None if row is None else self._view(row)

    def page(self, query: TwinFilter) -> TwinPage:
        given = {
            "owner": str(query.owner) if query.owner else None,
            "object_type": query.object_type,
        }
        params = {name: value for name, value in given.items() if value is not None}
        shape = tuple(sorted(params))
        total, rows = self._listing.page(shape, params, query.offset, query.limit)
        return Page(total, query.offset, query.limit, [self._view(row) for row in rows])

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

    def _view(self, row: Mapping[str, Any]) -> TwinView:
        services = self._services.all({"twin": row["id"]})
        keys = self._keys.all({"twin": row["id"]})
        return twin_view(row, services, keys)


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
