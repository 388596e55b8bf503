"""SQL over the `authorities` read model (current versions only)."""

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from application.ports.authorities import AuthorityView
from infrastructure.prepared import PreparedSelect
from infrastructure.read_connections import ReadConnections
from infrastructure.schema import authorities

CURRENT = authorities.c.valid_to.is_(None)
BY_NUMBER = sa.select(authorities).where(authorities.c.number == sa.bindparam("number"), CURRENT)
ALL = sa.select(authorities).where(CURRENT).order_by(authorities.c.number)


class SqlAuthorityViews:
    def __init__(self, reads: ReadConnections) -> None:
        self._by_number = PreparedSelect(reads, BY_NUMBER)
        self._all = PreparedSelect(reads, ALL)

    def get(self, number: int) -> AuthorityView | None:
        row = self._by_number.one({"number": number})
        return None if row is None else _view(row)

    def all(self) -> list[AuthorityView]:
        return [_view(row) for row in self._all.all({})]


def _view(row: Mapping[str, Any]) -> AuthorityView:
    return AuthorityView(
        number=row["number"],
        name=row["name"],
        profile=row["profile"],
        key_algorithm=row["key_algorithm"],
        certificate=row["certificate"],
    )
