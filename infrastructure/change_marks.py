"""Marks that move whenever a table, or a channel's messages, change: a total counted once is
reused while its mark stays where it was.

Counting `total` for every page was most of a list page's time on PostgreSQL (a count visits
every current row, and the dead versions beside them until vacuum; 1,000,000 rows for a big
channel's reader). The projections stamp each table they write with the position of the
last event that changed it, the message writers bump a channel's mark with each batch stored
on it, both in the same transaction as the rows. A page statement reads the mark of what its
count reads beside its rows, so a total is reused only when nothing it counts has changed
since it was counted.
"""

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql import visitors

from application.read_time import AS_OF
from infrastructure.schema import change_marks

KEPT = 4096
"""Totals remembered per process and kind of page (filter shapes times their values)."""

MARK = "change_mark"
"""The label of the mark's column in page statements."""


def messages_of(channel: str) -> str:
    return f"messages/{channel}"


def mark_column(subjects: Iterable[str]) -> sa.Label[Any]:
    """The newest mark of the subjects, as a column a page statement selects beside its rows."""
    names = sorted(set(subjects))
    found = sa.select(sa.func.max(change_marks.c.mark)).where(
        sa.or_(*(change_marks.c.subject == sa.literal(name) for name in names))
    )
    return found.scalar_subquery().label(MARK)


def channel_mark_column() -> sa.Label[Any]:
    """The mark of the channel bound as `channel`'s messages."""
    subject = sa.literal("messages/") + sa.bindparam("channel", type_=sa.String)
    found = sa.select(change_marks.c.mark).where(change_marks.c.subject == subject)
    return found.scalar_subquery().label(MARK)


def tables_read(statement: sa.Select[Any]) -> set[str]:
    """Every table a statement reads, subqueries included."""
    return {e.name for e in visitors.iterate(statement) if isinstance(e, sa.Table)}


def stamp_tables(conn: sa.Connection, changed: dict[str, int]) -> None:
    """In a projection batch's transaction: each table's last change was at its position (a
    rebuild, batched otherwise, stamps the same positions)."""
    rows = [{"subject": name, "mark": position} for name, position in sorted(changed.items())]
    if rows:
        statement = _insert(conn)(change_marks)
        conn.execute(
            statement.on_conflict_do_update(
                index_elements=[change_marks.c.subject], set_={"mark": statement.excluded.mark}
            ),
            rows,
        )


def bump_channels(conn: sa.Connection, channels: Iterable[str]) -> None:
    """In a message batch's transaction: these channels got messages."""
    rows = [{"subject": messages_of(c), "mark": 1} for c in sorted(set(channels))]
    if rows:
        statement = _insert(conn)(change_marks)
        conn.execute(
            statement.on_conflict_do_update(
                index_elements=[change_marks.c.subject],
                set_={"mark": change_marks.c.mark + 1},
            ),
            rows,
        )


class Totals:
    """Totals by the page kind and values they were counted for, with their mark."""

    def __init__(self, kept: int = KEPT) -> None:
        self._kept = kept
        self._totals: OrderedDict[str, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()

    def total(
        self, shape: Hashable, params: dict[str, Any], mark: Any, count: Callable[[], int]
    ) -> int:
        """The remembered total if counted at `mark`, else `count()` (remembered with `mark`).
        No mark (an empty page, a read of the past) means counting."""
        if mark is None or AS_OF.get() is not None:
            return count()
        key = json.dumps([repr(shape), params], sort_keys=True, default=str)
        with self._lock:
            found = self._totals.get(key)
            if found is not None and found[0] == mark:
                self._totals.move_to_end(key)
                return found[1]
        total = count()
        with self._lock:
            self._totals[key] = (mark, total)
            self._totals.move_to_end(key)
            while len(self._totals) > self._kept:
                self._totals.popitem(last=False)
        return total


def _insert(conn: sa.Connection) -> Callable[..., Any]:
    return sqlite_insert if conn.dialect.name == "sqlite" else postgresql_insert
