"""SQL over the `entities`, `wallets`, `entity_keys` and `admin_keys` read models (current
versions)."""

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from application.ports.entities import AdminKeyRecord, EntityPage, EntityView, WalletView
from application.ports.pages import Page
from domain.admin_keys import Rotation
from infrastructure.listing import Listing
from infrastructure.prepared import PreparedSelect
from infrastructure.read_connections import ReadConnections
from infrastructure.schema import (
    admin_keys,
    entities,
    entity_keys,
    subject_keys,
    wallets,
)

ENTITY = sa.select(entities).where(
    entities.c.id == sa.bindparam("id"),
    entities.c.status == "active",
    entities.c.valid_to.is_(None),
)
HOLDER = sa.select(entity_keys.c.entity).where(
    entity_keys.c.lookup == sa.bindparam("lookup"),
    entity_keys.c.status == "active",
    entity_keys.c.valid_to.is_(None),
)
WALLET = sa.select(wallets).where(
    wallets.c.id == sa.bindparam("id"),
    wallets.c.status == "active",
    wallets.c.valid_to.is_(None),
)
UNSHREDDED = (
    sa.select(wallets.c.id)
    .join(subject_keys, subject_keys.c.subject == wallets.c.id)
    .where(wallets.c.status == "destroyed", wallets.c.valid_to.is_(None))
)
ADMIN_KEYS = (
    sa.select(admin_keys).where(admin_keys.c.valid_to.is_(None)).order_by(admin_keys.c.valid_from)
)
PRESENT = ("present",)


class SqlEntityViews:
    def __init__(self, reads: ReadConnections) -> None:
        self._entity = PreparedSelect(reads, ENTITY)
        self._holder = PreparedSelect(reads, HOLDER)
        self._listing = Listing(reads, entities, lambda _: [entities.c.status == "active"])

    def get(self, entity_id: UUID) -> EntityView | None:
        row = self._entity.one({"id": str(entity_id)})
        return None if row is None else entity_view(row)

    def page(self, offset: int, limit: int) -> EntityPage:
        total, rows = self._listing.page(PRESENT, {}, offset, limit)
        return Page(total, offset, limit, [entity_view(row) for row in rows])

    def holder(self, key_lookup: str) -> UUID | None:
        found = self._holder.scalar({"lookup": key_lookup})
        return None if found is None else UUID(found)


class SqlWalletViews:
    def __init__(self, reads: ReadConnections) -> None:
        self._wallet = PreparedSelect(reads, WALLET)
        self._unshredded = PreparedSelect(reads, UNSHREDDED)

    def get(self, wallet_id: UUID) -> WalletView | None:
        row = self._wallet.one({"id": str(wallet_id)})
        return None if row is None else wallet_view(row)

    def unshredded(self) -> list[UUID]:
        return [UUID(row["id"]) for row in self._unshredded.all({})]


class SqlAdminKeyViews:
    def __init__(self, reads: ReadConnections) -> None:
        self._rows = PreparedSelect(reads, ADMIN_KEYS)

    def record(self) -> AdminKeyRecord:
        return admin_key_record(self._rows.all({}))


def entity_view(row: Mapping[str, Any]) -> EntityView:
    """Also the in-memory fake's: rows of the same shape."""
    return EntityView(
        id=UUID(row["id"]),
        name=row["name"],
        role=row["role"],
        wallet=UUID(row["wallet"]),
        did_index=row["did_index"],
        long_did=row["long_did"],
        created_at=row["created_at"],
        updated_at=row["updated_at"] or row["created_at"],
    )


def wallet_view(row: Mapping[str, Any]) -> WalletView:
    return WalletView(UUID(row["id"]), row["address"], row["network"], row["created_at"])


def admin_key_record(rows: Sequence[Mapping[str, Any]]) -> AdminKeyRecord:
    """Also the in-memory fake's: rows of the same shape, in log order."""
    configured: str | None = None
    rotations: list[Rotation] = []
    for row in rows:
        if row["kind"] == "configured":
            configured, rotations = row["lookup"], []
        else:
            rotations.append(Rotation(row["lookup"], tuple(row["replaced"]), row["grace_until"]))
    return AdminKeyRecord(configured, rotations)
