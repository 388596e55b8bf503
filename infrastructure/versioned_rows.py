"""RowWriter on SQLAlchemy: closes the current version of a row and opens the next one.

Writes are buffered for the batch and flushed with one executemany per table and statement;
the current rows of recently changed entities are remembered between batches (by the runner,
which alone writes these tables), so an update usually needs no SELECT at all.
"""

from collections import OrderedDict, defaultdict
from collections.abc import Mapping
from functools import cache
from typing import Any

import sqlalchemy as sa

from infrastructure.schema import metadata

Row = dict[str, Any]
CACHE_SIZE = 100_000


class CurrentRows:
    """The current version of recently touched rows, valid only while this process applies."""

    def __init__(self, maxsize: int = CACHE_SIZE) -> None:
        self._rows: OrderedDict[tuple[str, str], Row] = OrderedDict()
        self._maxsize = maxsize

    def get(self, table: str, key: str) -> Row | None:
        return self._rows.get((table, key))

    def remember(self, rows: Mapping[tuple[str, str], Row]) -> None:
        for address, row in rows.items():
            self._rows[address] = row
            self._rows.move_to_end(address)
        while len(self._rows) > self._maxsize:
            self._rows.popitem(last=False)

    def forget(self, table: str, key: str) -> None:
        self._rows.pop((table, key), None)

    def clear(self) -> None:
        self._rows.clear()


class VersionedRows:
    """Bound to one transaction; reads as it goes, writes nothing until `flush()`, so the
    database's write lock is held only for the flush. `latest` then feeds CurrentRows."""

    def __init__(self, conn: sa.Connection, known: CurrentRows) -> None:
        self._conn = conn
        self._known = known
        self._scrubs: list[tuple[str, str, dict[str, Any]]] = []
        self._closes: defaultdict[str, list[Row]] = defaultdict(list)
        self._inserts: defaultdict[str, list[Row]] = defaultdict(list)
        self.latest: dict[tuple[str, str], Row] = {}
        self._changed: dict[str, int] = {}

    def insert(self, table: str, key: str, values: Mapping[str, Any], position: int) -> None:
        self._open(table, key, {**values, "id": key}, position)

    def update(self, table: str, key: str, changes: Mapping[str, Any], position: int) -> None:
        base = self.latest.get((table, key))
        if base is not None:
            base["valid_to"] = position
        else:
            base = self._known.get(table, key) or self._select_current(table, key)
            self._closes[table].append({"key": key, "closed_at": position})
        self._open(table, key, {**base, **changes}, position)

    def delete(self, table: str, key: str, position: int) -> None:
        self._changed[table] = position
        base = self.latest.pop((table, key), None)
        if base is not None:
            base["valid_to"] = position
        else:
            self._closes[table].append({"key": key, "closed_at": position})
        self._known.forget(table, key)

    def scrub(self, table: str, key: str, columns: Mapping[str, Any]) -> None:
        self._scrubs.append((table, key, dict(columns)))
        for row in self._inserts[table]:
            if row["id"] == key:
                row.update(columns)

    @property
    def closed(self) -> dict[str, int]:
        """How many versions committed earlier this batch closes, by table: the dead row
        versions it leaves on PostgreSQL (see `vacuum_keeper`)."""
        return {table: len(closes) for table, closes in self._closes.items() if closes}

    @property
    def changed(self) -> dict[str, int]:
        """Each table this batch changes, with the position of the last event that changed it
        (a scrub comes with an update of the same row, which carries its position)."""
        return dict(self._changed)

    def flush(self) -> None:
        """All writes of the batch, in an order the current-row index accepts."""
        for table, key, columns in self._scrubs:
            t = metadata.tables[table]
            self._conn.execute(t.update().where(t.c.id == key).values(columns))
        for table, closes in self._closes.items():
            self._conn.execute(_close_statement(table), closes)
        for table, rows in self._inserts.items():
            if rows:
                self._conn.execute(metadata.tables[table].insert(), rows)

    def _open(self, table: str, key: str, row: Row, position: int) -> None:
        self._changed[table] = position
        row = {**_blank(table), **row, "valid_from": position, "valid_to": None}
        self._inserts[table].append(row)
        self.latest[table, key] = row

    def _select_current(self, table: str, key: str) -> Row:
        found = self._conn.execute(_current_statement(table), {"key": key}).first()
        if found is None:
            raise LookupError(f"{table} {key} has no current row to update")
        row = dict(found._mapping)
        del row["version_id"]
        return row


@cache
def _blank(table: str) -> Row:
    return {c.name: None for c in metadata.tables[table].c if c.name != "version_id"}


@cache
def _close_statement(table: str) -> sa.Update:
    t = metadata.tables[table]
    return (
        t.update()
        .where(t.c.id == sa.bindparam("key"), t.c.valid_to.is_(None))
        .values(valid_to=sa.bindparam("closed_at"))
    )


@cache
def _current_statement(table: str) -> sa.Select[Any]:
    t = metadata.tables[table]
    return sa.select(t).where(t.c.id == sa.bindparam("key"), t.c.valid_to.is_(None))
