"""SQL over the `organizations` read model (current versions only)."""

from collections.abc import Mapping
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from application.ports.organizations import OrganizationView
from infrastructure.prepared import PreparedSelect
from infrastructure.read_connections import ReadConnections
from infrastructure.schema import organizations

CURRENT = organizations.c.valid_to.is_(None)
BY_NUMBER = sa.select(organizations).where(
    organizations.c.number == sa.bindparam("number"), CURRENT
)
PAGE = (
    sa.select(organizations)
    .where(CURRENT)
    .order_by(organizations.c.number)
    .offset(sa.bindparam("offset"))
    .limit(sa.bindparam("limit"))
)


class SqlOrganizationViews:
    def __init__(self, reads: ReadConnections) -> None:
        self._by_number = PreparedSelect(reads, BY_NUMBER)
        self._page = PreparedSelect(reads, PAGE)

    def get(self, number: int) -> OrganizationView | None:
        row = self._by_number.one({"number": number})
        return None if row is None else _view(row)

    def page(self, offset: int, limit: int) -> list[OrganizationView]:
        return [_view(row) for row in self._page.all({"offset": offset, "limit": limit})]


def _view(row: Mapping[str, Any]) -> OrganizationView:
    return OrganizationView(
        number=row["number"],
        id=UUID(row["id"]),
        name=row["name"],
        address=row["address"],
        contact_name=row["contact_name"] or "",
        contact_email=row["contact_email"] or "",
        contact_phone=row["contact_phone"] or "",
        manufacture_id=row["manufacture_id"],
        logo=row["logo"],
        org_status=row["org_status"],
        parameters=dict(row["parameters"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        updated_by=row["updated_by"],
    )
