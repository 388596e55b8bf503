"""Group commits on SQLite and PostgreSQL: when a combined commit fails because of one caller's
rows, only that caller fails; the others' rows are stored and they are answered as usual.

To put several callers into one commit for certain, the test holds the table the writer inserts
into (SQLite: the database write lock; PostgreSQL: the table lock) while it queues them: the
writer takes the first caller alone, blocks on the lock, and finds the rest queued together."""

from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

import pytest
import sqlalchemy as sa

from application.ports import Unstorable
from domain.senml import Measurement
from infrastructure.schema import messages
from interfaces.bootstrap import FleetID


@contextmanager
def writes_held(fleet: FleetID, table: str) -> Iterator[None]:
    if fleet.settings.is_sqlite:
        with fleet.write_lock:
            yield
        return
    with fleet.engine.connect() as conn, conn.begin():
        conn.exec_driver_sql(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        yield


def reading(name: str) -> list[Measurement]:
    return [Measurement(name=name, unit=None, time=1_700_000_000.0, value=1.0)]


def test_a_pack_the_database_refuses_fails_alone(fleet: FleetID) -> None:
    writer = fleet.message_writer
    c, publisher = UUID(int=7), UUID(int=8)
    refused = reading(None)  # type: ignore[arg-type]  # a row the database refuses (NOT NULL)
    with writes_held(fleet, "messages"):
        first = writer.append(c, publisher, "http", 1.0, reading("first"))
        futures = [
            writer.append(c, publisher, "http", 1.0, pack)
            for pack in (reading("before"), refused, reading("after"))
        ]
    assert first.result(30) is None
    before, bad, after = futures
    assert before.result(30) is None
    assert after.result(30) is None
    with pytest.raises(Unstorable):
        bad.result(30)
    with fleet.engine.connect() as conn:
        names = conn.execute(sa.select(messages.c.name).order_by(messages.c.id)).scalars().all()
    assert names == ["first", "before", "after"]
