"""SQL over the `profiles` read model (current versions only)."""

from collections.abc import Mapping
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from application.ports.profiles import ProfileView
from infrastructure.prepared import PreparedSelect
from infrastructure.read_connections import ReadConnections
from infrastructure.schema import profiles

CURRENT = profiles.c.valid_to.is_(None)
BY_NUMBER = sa.select(profiles).where(profiles.c.number == sa.bindparam("number"), CURRENT)
ALL = sa.select(profiles).where(CURRENT).order_by(profiles.c.number)


class SqlProfileViews:
    def __init__(self, reads: ReadConnections) -> None:
        self._by_number = PreparedSelect(reads, BY_NUMBER)
        self._all = PreparedSelect(reads, ALL)

    def get(self, number: int) -> ProfileView | None:
        row = self._by_number.one({"number": number})
        return None if row is None else _view(row)

    def all(self) -> list[ProfileView]:
        return [_view(row) for row in self._all.all({})]


def _view(row: Mapping[str, Any]) -> ProfileView:
    return ProfileView(
        number=row["number"],
        id=UUID(row["id"]),
        name=row["name"],
        key_algorithm=row["key_algorithm"],
        config=row["config"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
