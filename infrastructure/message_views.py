"""SQL over the `messages` table for the reader: filters, exact totals, newest first.

Each combination of filters compiles its count and page statements once. The page is a
deferred join: OFFSET walks `ix_messages_channel_time` (or the name or publisher index) alone,
and only the page's rows are read.
"""

from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from application.ports import Comparator, MessageFilter, MessagePage, MessageView
from infrastructure.prepared import PreparedSelect
from infrastructure.read_connections import ReadConnections
from infrastructure.schema import messages

SHAPES = 128
_COMPARE = {
    "eq": lambda column, bound: column == bound,
    "lt": lambda column, bound: column < bound,
    "le": lambda column, bound: column <= bound,
    "gt": lambda column, bound: column > bound,
    "ge": lambda column, bound: column >= bound,
}
_OPTIONAL = ("publisher", "name", "string_value", "bool_value", "data_value", "since", "until")


@dataclass(frozen=True)
class _Shape:
    present: frozenset[str]
    comparator: Comparator | None


class SqlMessageViews:
    def __init__(self, reads: ReadConnections) -> None:
        self._reads = reads
        self._prepared = lru_cache(maxsize=SHAPES)(self._prepare)

    def page(self, query: MessageFilter) -> MessagePage:
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
        count, rows = self._prepared(shape)
        total = int(count.scalar(params))
        page = rows.all({**params, "offset": query.offset, "limit": query.limit})
        return MessagePage(total, query.offset, query.limit, [_view(row) for row in page])

    def _prepare(self, shape: _Shape) -> tuple[PreparedSelect, PreparedSelect]:
        m = messages.c
        where = [m.channel == sa.bindparam("channel", type_=sa.String)]
        for name in ("publisher", "name", "string_value", "bool_value", "data_value"):
            if name in shape.present:
                where.append(m[name] == sa.bindparam(name, type_=m[name].type))
        if "since" in shape.present:
            where.append(m.time >= sa.bindparam("since", type_=sa.Double))
        if "until" in shape.present:
            where.append(m.time < sa.bindparam("until", type_=sa.Double))
        if shape.comparator is not None:
            bound = sa.bindparam("value", type_=sa.Double)
            where.append(_COMPARE[shape.comparator](m.value, bound))
        count = sa.select(sa.func.count().label("total")).select_from(messages).where(*where)
        newest = (m.time.desc(), m.id.desc())
        chosen = (
            sa.select(m.id)
            .where(*where)
            .order_by(*newest)
            .offset(sa.bindparam("offset", type_=sa.Integer))
            .limit(sa.bindparam("limit", type_=sa.Integer))
            .subquery("chosen")
        )
        page = sa.select(messages).join(chosen, m.id == chosen.c.id).order_by(*newest)
        return PreparedSelect(self._reads, count), PreparedSelect(self._reads, page)


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
    )
