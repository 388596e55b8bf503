"""SQL over the `allocations` read model (current versions only)."""

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from application.ports.allocations import AllocationView
from infrastructure.prepared import PreparedSelect
from infrastructure.read_connections import ReadConnections
from infrastructure.schema import allocations

CURRENT = allocations.c.valid_to.is_(None)
LIVE = allocations.c.status != "removed"
ONE = sa.select(allocations).where(
    allocations.c.organization == sa.bindparam("organization"),
    allocations.c.authority == sa.bindparam("authority"),
    CURRENT,
)
OF_ORGANIZATION = (
    sa.select(allocations)
    .where(allocations.c.organization == sa.bindparam("organization"), CURRENT, LIVE)
    .order_by(allocations.c.authority)
)
TOTAL = sa.select(sa.func.coalesce(sa.func.sum(allocations.c.balance), 0)).where(
    allocations.c.authority == sa.bindparam("authority"), CURRENT, LIVE
)


class SqlAllocationViews:
    def __init__(self, reads: ReadConnections) -> None:
        self._one = PreparedSelect(reads, ONE)
        self._of_organization = PreparedSelect(reads, OF_ORGANIZATION)
        self._total = PreparedSelect(reads, TOTAL)

    def get(self, organization: int, authority: int) -> AllocationView | None:
        row = self._one.one({"organization": organization, "authority": authority})
        return None if row is None else _view(row)

    def of_organization(self, organization: int) -> list[AllocationView]:
        return [_view(row) for row in self._of_organization.all({"organization": organization})]

    def authority_total(self, authority: int) -> int:
        return int(self._total.scalar({"authority": authority}))


def _view(row: Mapping[str, Any]) -> AllocationView:
    return AllocationView(
        organization=row["organization"],
        authority=row["authority"],
        balance=row["balance"],
        used=row["used"],
        reserved=row["reserved"],
        used_by=dict(row["used_by"]),
        status=row["status"],
    )
