"""The read-model tables in memory: the real projections write here in the service-layer tier."""

from collections.abc import Iterator, Mapping
from typing import Any

Row = dict[str, Any]


class MemoryTables:
    """A RowWriter keeping each row's current version only: the service tier asks what is true
    now, while history and `as_of` are the SQL tables' job (tests/integration)."""

    def __init__(self) -> None:
        self._tables: dict[str, dict[str, Row]] = {}

    def insert(self, table: str, key: str, values: Mapping[str, Any], position: int) -> None:
        self._rows(table)[key] = {**values, "id": key, "valid_from": position}

    def update(self, table: str, key: str, changes: Mapping[str, Any], position: int) -> None:
        rows = self._rows(table)
        if key not in rows:
            raise LookupError(f"{table} {key} has no current row to update")
        rows[key] = {**rows[key], **changes, "valid_from": position}

    def delete(self, table: str, key: str, position: int) -> None:
        self._rows(table).pop(key, None)

    def scrub(self, table: str, key: str, columns: Mapping[str, Any]) -> None:
        row = self._rows(table).get(key)
        if row is not None:
            row.update(columns)

    def get(self, table: str, key: str) -> Row | None:
        """A copy of the current row, so a view cannot change the table by accident."""
        row = self._rows(table).get(key)
        return dict(row) if row is not None else None

    def rows(self, table: str) -> Iterator[Row]:
        """Copies of the current rows, in the order they were first inserted."""
        return (dict(row) for row in list(self._rows(table).values()))

    def _rows(self, table: str) -> dict[str, Row]:
        return self._tables.setdefault(table, {})
