"""Group commits on SQLite and PostgreSQL: when a combined commit fails because of one caller's
rows, only that caller fails; the others' rows are stored and they are answered as usual.

To put several callers into one commit for certain, the test holds the table the writer inserts
into (SQLite: the database write lock; PostgreSQL: the table lock) while it queues them: the
writer takes the first caller alone, blocks on the lock, and finds the rest queued together."""

from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from uuid import UUID

import pytest
import sqlalchemy as sa

from application.ports.storage import StaleWrite, Unstorable
from domain.causes import ActorKind, Cause, Interface
from domain.channels import Channel
from domain.senml import Measurement
from infrastructure.schema import messages
from interfaces.bootstrap import FleetID
from tests.integration.test_connections_store import channel

CAUSE = Cause("operator", ActorKind.USER, Interface.CLI)


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
    with pytest.raises(Unstorable, match="name") as refused:
        bad.result(30)
    assert "00000000-0000-0000-0000-000000000007" not in str(refused.value)
    with fleet.engine.connect() as conn:
        names = conn.execute(sa.select(messages.c.name).order_by(messages.c.id)).scalars().all()
    assert names == ["first", "before", "after"]


def disabled(fleet: FleetID, channel_id: UUID, version: int | None = None) -> Channel:
    aggregate = fleet.log.get(channel_id)
    assert isinstance(aggregate, Channel)
    if version is not None:
        aggregate._version = version  # the next event's version is out of the column's range
    aggregate.disable(CAUSE)
    return aggregate


def test_an_intent_failing_for_another_reason_than_a_conflict_fails_alone(
    fleet: FleetID,
) -> None:
    first, before, bad, after = (channel(fleet) for _ in range(4))
    table = fleet.log.recorder.events_table_name  # type: ignore[attr-defined]
    with writes_held(fleet, table):
        futures: list[Future[int]] = [
            fleet.writer.submit(disabled(fleet, first)),
            fleet.writer.submit(disabled(fleet, before)),
            fleet.writer.submit(disabled(fleet, bad, version=2**63)),
            fleet.writer.submit(disabled(fleet, after)),
        ]
    done, failed = [f for i, f in enumerate(futures) if i != 2], futures[2]
    positions = [future.result(30) for future in done]
    assert positions == sorted(positions)
    error = failed.exception(30)
    assert error is not None
    assert not isinstance(error, StaleWrite)
    for channel_id in (first, before, after):
        stored = fleet.log.repository.get(channel_id)
        assert stored.version == 2
    assert fleet.log.repository.get(bad).version == 1
