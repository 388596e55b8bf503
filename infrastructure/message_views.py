"""SQL over the `messages` table for the reader: filters, exact totals, newest first.

Each combination of filters compiles its count and page statements once. The page is a
deferred join: OFFSET walks `ix_messages_channel_time` (or the name or publisher index) alone,
and only the page's rows are read.
"""

import math
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from application.ports.messages import (
    AggregatePage,
    AggregateView,
    Aggregation,
    Comparator,
    MessageFilter,
    MessagePage,
    MessageView,
)
from infrastructure.change_marks import MARK, Totals, channel_mark_column
from infrastructure.listing import bindable
from infrastructure.prepared import PreparedSelect
from infrastructure.read_connections import ReadConnections
from infrastructure.schema import messages

SHAPES = 128
MAX_NARROWED_WINDOWS = 10_000
"""Beyond this many windows back, a page is folded from every row at once."""
_COMPARE = {
    "eq": lambda column, bound: column == bound,
    "lt": lambda column, bound: column < bound,
    "le": lambda column, bound: column <= bound,
    "gt": lambda column, bound: column > bound,
    "ge": lambda column, bound: column >= bound,
}
_OPTIONAL = (
    "publisher",
    "name",
    "subtopic",
    "string_value",
    "bool_value",
    "data_value",
    "since",
    "until",
)


@dataclass(frozen=True)
class _Shape:
    present: frozenset[str]
    comparator: Comparator | None


class SqlMessageViews:
    def __init__(self, reads: ReadConnections) -> None:
        self._reads = reads
        self._postgres = reads.dialect.name == "postgresql"
        self._prepared = lru_cache(maxsize=SHAPES)(self._prepare)
        self._prepared_aggregate = lru_cache(maxsize=SHAPES)(self._prepare_aggregate)
        self._totals = Totals()

    def page(self, query: MessageFilter) -> MessagePage:
        shape, params = _shape(query)
        count, rows = self._prepared(shape)
        page = rows.all({**params, "offset": bindable(query.offset), "limit": query.limit})
        total = self._total(shape, params, page, count)
        return MessagePage(total, query.offset, query.limit, [_view(row) for row in page])

    def aggregate(
        self, query: MessageFilter, function: Aggregation, interval: float
    ) -> AggregatePage:
        """The page is first folded from the newest `offset + limit` windows only, which hold it
        whenever no window among them is empty; when they fall short (gaps), from every row.
        Either way the rows before the page's are the same, since windows are whole."""
        shape, params = _shape(query)
        params["interval"] = interval
        count, narrowed, rows, newest = self._prepared_aggregate(shape, function)
        paging = {**params, "offset": bindable(query.offset), "limit": query.limit}
        latest = newest.scalar(params)
        if latest is None:
            return AggregatePage(0, query.offset, query.limit, [])
        found = narrowed.all({**paging, "cut": _cut(latest, interval, query.offset + query.limit)})
        total = self._total((shape, function), params, found, count)
        if len(found) < min(query.limit, max(0, total - query.offset)):
            found = rows.all(paging)
        points = [
            AggregateView(query.channel, row["name"], row["unit"], row["time"], row["value"])
            for row in found
        ]
        return AggregatePage(total, query.offset, query.limit, points)

    def _total(
        self,
        shape: Hashable,
        params: dict[str, Any],
        page: list[dict[str, Any]],
        count: PreparedSelect,
    ) -> int:
        """Counted again only when the channel got messages since (`change_marks`)."""
        mark = page[0][MARK] if page else None
        return self._totals.total(shape, params, mark, lambda: int(count.scalar(params)))

    def _prepare(self, shape: _Shape) -> tuple[PreparedSelect, PreparedSelect]:
        m = messages.c
        where = _where(shape)
        count = sa.select(sa.func.count().label("total")).select_from(messages).where(*where)
        newest = (m.time.desc(), m.id.desc())
        chosen = (
            sa.select(m.id)
            .where(*where)
            .order_by(*newest)
            .offset(sa.bindparam("offset", type_=sa.BigInteger))
            .limit(sa.bindparam("limit", type_=sa.Integer))
            .subquery("chosen")
        )
        page = (
            sa.select(messages, channel_mark_column())
            .join(chosen, m.id == chosen.c.id)
            .order_by(*newest)
        )
        return PreparedSelect(self._reads, count), PreparedSelect(self._reads, page)

    def _prepare_aggregate(
        self, shape: _Shape, function: Aggregation
    ) -> tuple[PreparedSelect, PreparedSelect, PreparedSelect, PreparedSelect]:
        """The count of windows, the page from rows since `cut`, the page from every row, and
        the newest row's time."""
        where = _where(shape)
        if function != "count":
            where.append(messages.c.value.is_not(None))
        since_cut = [*where, messages.c.time >= sa.bindparam("cut", type_=sa.Double)]
        count = sa.select(sa.func.count().label("total")).select_from(
            self._windows(where).subquery("windows")
        )
        newest = sa.select(sa.func.max(messages.c.time).label("newest")).where(*where)
        return (
            PreparedSelect(self._reads, count),
            PreparedSelect(self._reads, self._aggregate_page(since_cut, function)),
            PreparedSelect(self._reads, self._aggregate_page(where, function)),
            PreparedSelect(self._reads, newest),
        )

    def _windowed(self, where: list[sa.ColumnElement[bool]]) -> sa.Subquery:
        """Windows are computed per row in a subquery and grouped outside it, so SELECT and
        GROUP BY share one expression (PostgreSQL cannot match two bound copies)."""
        m = messages.c
        interval = sa.bindparam("interval", type_=sa.Double)
        ratio = m.time / interval
        start = (sa.func.floor(ratio) if self._postgres else sa.cast(ratio, sa.Integer)) * interval
        return (
            sa.select(m.name, m.unit, m.value, sa.type_coerce(start, sa.Double).label("window"))
            .where(*where)
            .subquery("windowed")
        )

    def _windows(self, where: list[sa.ColumnElement[bool]]) -> sa.Select[Any]:
        rows = self._windowed(where)
        series = (rows.c.name, rows.c.unit, rows.c.window)
        return sa.select(*series).group_by(*series)

    def _aggregate_page(
        self, where: list[sa.ColumnElement[bool]], function: Aggregation
    ) -> sa.Select[Any]:
        rows = self._windowed(where)
        series = (rows.c.name, rows.c.unit, rows.c.window)
        folded = _FOLD[function](rows.c.value)
        return (
            sa.select(
                rows.c.name,
                rows.c.unit,
                rows.c.window.label("time"),
                sa.type_coerce(folded, sa.Double).label("value"),
                channel_mark_column(),
            )
            .group_by(*series)
            .order_by(rows.c.window.desc(), rows.c.name, rows.c.unit)
            .offset(sa.bindparam("offset", type_=sa.BigInteger))
            .limit(sa.bindparam("limit", type_=sa.Integer))
        )


def _cut(latest: float, interval: float, windows: int) -> float:
    """The start of the oldest of the newest `windows` windows; minus infinity (every row) when
    the arithmetic leaves the floats (a time near the largest double over a tiny interval)."""
    try:
        newest = math.floor(latest / interval)
    except (OverflowError, ValueError):
        return -math.inf
    cut = (newest - min(windows, MAX_NARROWED_WINDOWS) + 1) * interval
    return cut if math.isfinite(cut) else -math.inf


_FOLD: dict[str, Callable[[sa.ColumnElement[Any]], sa.ColumnElement[Any]]] = {
    "min": sa.func.min,
    "max": sa.func.max,
    "avg": sa.func.avg,
    "sum": sa.func.sum,
    "count": lambda _column: sa.func.count(),
}


def _shape(query: MessageFilter) -> tuple[_Shape, dict[str, Any]]:
    params: dict[str, Any] = {"channel": str(query.channel)}
    for name in _OPTIONAL:
        value = getattr(query, name)
        if value is not None:
            params[name] = str(value) if isinstance(value, UUID) else value
    if query.value is not None:
        params["value"] = query.value
    shape = _Shape(
        frozenset(params) - {"channel", "value"},
        query.comparator if query.value is not None else None,
    )
    return shape, params


def _where(shape: _Shape) -> list[sa.ColumnElement[bool]]:
    m = messages.c
    where = [m.channel == sa.bindparam("channel", type_=sa.String)]
    for name in ("publisher", "name", "subtopic", "string_value", "bool_value", "data_value"):
        if name in shape.present:
            where.append(m[name] == sa.bindparam(name, type_=m[name].type))
    if "since" in shape.present:
        where.append(m.time >= sa.bindparam("since", type_=sa.Double))
    if "until" in shape.present:
        where.append(m.time < sa.bindparam("until", type_=sa.Double))
    if shape.comparator is not None:
        where.append(_COMPARE[shape.comparator](m.value, sa.bindparam("value", type_=sa.Double)))
    return where


def _view(row: dict[str, Any]) -> MessageView:
    return MessageView(
        channel=UUID(row["channel"]),
        publisher=UUID(row["publisher"]),
        protocol=row["protocol"],
        name=row["name"],
        unit=row["unit"],
        time=row["time"],
        update_time=row["update_time"],
        value=row["value"],
        string_value=row["string_value"],
        bool_value=row["bool_value"],
        data_value=row["data_value"],
        sum=row["sum"],
        subtopic=row["subtopic"],
    )
