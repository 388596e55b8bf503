"""Paged listings of a history-keeping table: `total` and one page of current rows.

Each combination of filters (a "shape") compiles its count and page statements once; values are
bound per call. The page is a deferred join: OFFSET walks the listing index alone, and only
the page's rows are read (an index scan under OFFSET would fetch every skipped row).
"""

import json
from collections.abc import Callable, Hashable
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from infrastructure import sqlite_json
from infrastructure.change_marks import MARK, Totals, mark_column, tables_read
from infrastructure.prepared import PreparedSelect
from infrastructure.read_connections import ReadConnections

SHAPES = 256
"""Compiled statement pairs kept per table and process (filter combinations, metadata shapes)."""

Conditions = Callable[[Any], list[sa.ColumnElement[bool]]]


MAX_BINDABLE_OFFSET = 2**63 - 1
"""The largest offset both databases bind (a signed 64-bit integer)."""


def bindable(offset: int) -> int:
    """An offset past every row as one the database binds: the API takes any uint64, as
    Magistrala does, and any offset past the end gives the same empty page."""
    return min(offset, MAX_BINDABLE_OFFSET)


class Listing:
    def __init__(self, reads: ReadConnections, table: sa.Table, conditions: Conditions) -> None:
        """`conditions(shape)` gives the WHERE terms of a shape, values as `sa.bindparam`."""
        self._reads = reads
        self._table = table
        self._conditions = conditions
        self._prepared = lru_cache(maxsize=SHAPES)(self._prepare)
        self._totals = Totals()

    def page(
        self, shape: Hashable, params: dict[str, Any], offset: int, limit: int
    ) -> tuple[int, list[dict[str, Any]]]:
        """The total is counted again only when a table it counts changed (`change_marks`)."""
        count, rows = self._prepared(shape)
        found = rows.all({**params, "offset": bindable(offset), "limit": limit})
        mark = found[0][MARK] if found else None
        total = self._totals.total(shape, params, mark, lambda: int(count.scalar(params)))
        return total, found

    def _prepare(self, shape: Hashable) -> tuple[PreparedSelect, PreparedSelect]:
        t = self._table
        current = t.c.valid_to.is_(None)
        where = sa.and_(current, *self._conditions(shape))
        count = sa.select(sa.func.count().label("total")).select_from(t).where(where)
        chosen = (
            sa.select(t.c.id)
            .where(where)
            .order_by(t.c.created_at, t.c.id)
            .offset(sa.bindparam("offset", type_=sa.BigInteger))
            .limit(sa.bindparam("limit", type_=sa.Integer))
            .subquery("chosen")
        )
        page = (
            sa.select(t, mark_column(tables_read(count)))
            .join(chosen, t.c.id == chosen.c.id)
            .where(current)
            .order_by(t.c.created_at, t.c.id)
        )
        return PreparedSelect(self._reads, count), PreparedSelect(self._reads, page)


def metadata_key(wanted: dict[str, Any] | None) -> str | None:
    """The metadata filter's SQL follows the structure of the wanted object: part of a shape."""
    return json.dumps(wanted, sort_keys=True) if wanted else None


def status_is(
    column: sa.ColumnElement[Any], every: bool, hidden: str | None = None
) -> sa.ColumnElement[bool]:
    """`every`: any status but `hidden`; otherwise the status bound as `status`."""
    if every:
        return sa.true() if hidden is None else column != hidden
    return column == sa.bindparam("status", type_=sa.String)


def name_like(column: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    """Case-insensitive substring, bound as `name` (see `like_pattern`)."""
    return column.ilike(sa.bindparam("name"), escape="\\")


def like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def has_tag(
    column: sa.ColumnElement[Any], postgres: bool, bind: str = "tag"
) -> sa.ColumnElement[bool]:
    """A JSON array of strings holding the string bound as `bind`."""
    tag = sa.bindparam(bind, type_=sa.String)
    if postgres:
        holds: sa.ColumnElement[bool] = sa.type_coerce(column, JSONB).has_key(tag)
        return holds
    each = sa.func.json_each(column).table_valued("value")
    return sa.exists(sa.select(1).select_from(each).where(each.c.value == tag))


def contains(
    column: sa.ColumnElement[Any], wanted_key: str, postgres: bool
) -> sa.ColumnElement[bool]:
    """Rows whose JSON document contains the wanted object (`metadata_key`), as `@>`."""
    wanted = json.loads(wanted_key)
    if postgres:
        found: sa.ColumnElement[bool] = sa.type_coerce(column, JSONB).contains(wanted)
        return found
    return sqlite_json.contains(column, wanted)
