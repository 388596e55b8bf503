"""SQL over the `ecosystems` read model, and the ecosystem's figures from `allocations` and
`balance_movements` (current versions only)."""

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from application.ports.ecosystems import EcosystemView, Movement, Totals
from infrastructure.prepared import PreparedSelect
from infrastructure.read_connections import ReadConnections
from infrastructure.schema import allocations, balance_movements, ecosystems

BY_NUMBER = sa.select(ecosystems).where(
    ecosystems.c.number == sa.bindparam("number"), ecosystems.c.valid_to.is_(None)
)
TOTALS = sa.select(
    sa.func.coalesce(sa.func.sum(allocations.c.balance), 0).label("balance"),
    sa.func.coalesce(sa.func.sum(allocations.c.used), 0).label("used"),
    sa.func.coalesce(sa.func.sum(allocations.c.reserved), 0).label("reserved"),
).where(allocations.c.valid_to.is_(None), allocations.c.status != "removed")
MOVEMENTS = (
    sa.select(balance_movements.c.kind, balance_movements.c.count, balance_movements.c.at)
    .where(balance_movements.c.valid_to.is_(None))
    .order_by(balance_movements.c.valid_from)
)


class SqlEcosystemViews:
    def __init__(self, reads: ReadConnections) -> None:
        self._by_number = PreparedSelect(reads, BY_NUMBER)
        self._totals = PreparedSelect(reads, TOTALS)
        self._movements = PreparedSelect(reads, MOVEMENTS)

    def get(self, number: int) -> EcosystemView | None:
        row = self._by_number.one({"number": number})
        return None if row is None else ecosystem_view(row)

    def totals(self) -> Totals:
        row = self._totals.one({}) or {}
        return Totals(int(row["balance"]), int(row["used"]), int(row["reserved"]))

    def movements(self) -> list[Movement]:
        return [Movement(row["kind"], row["count"], row["at"]) for row in self._movements.all({})]


def ecosystem_view(row: Mapping[str, Any]) -> EcosystemView:
    """Also the in-memory fake's: rows of the same shape."""
    return EcosystemView(row["number"], row["name"], row["description"], row["capacity"])
