"""RowWriter on SQLAlchemy: closes the current version of a row and opens the next one."""

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from infrastructure.schema import metadata


class VersionedRows:
    """Bound to one transaction; the projection runner commits rows and positions together."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn
        self._current: dict[tuple[str, str], dict[str, Any]] = {}

    def insert(self, table: str, key: str, values: Mapping[str, Any], position: int) -> None:
        row = {**values, "id": key, "valid_from": position, "valid_to": None}
        self._conn.execute(metadata.tables[table].insert().values(row))
        self._current[table, key] = row

    def update(self, table: str, key: str, changes: Mapping[str, Any], position: int) -> None:
        t = metadata.tables[table]
        current = self._current.get((table, key))
        if current is None:
            found = self._conn.execute(
                sa.select(t).where(t.c.id == key, t.c.valid_to.is_(None))
            ).first()
            if found is None:
                raise LookupError(f"{table} {key} has no current row to update")
            current = dict(found._mapping)
            current.pop("version_id")
        self._conn.execute(
            t.update().where(t.c.id == key, t.c.valid_to.is_(None)).values(valid_to=position)
        )
        row = {**current, **changes, "valid_from": position, "valid_to": None}
        self._conn.execute(t.insert().values(row))
        self._current[table, key] = row

    def scrub(self, table: str, key: str, columns: Mapping[str, Any]) -> None:
        t = metadata.tables[table]
        self._conn.execute(t.update().where(t.c.id == key).values(dict(columns)))
        current = self._current.get((table, key))
        if current is not None:
            current.update(columns)
