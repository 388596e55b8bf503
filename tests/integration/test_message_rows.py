"""Telemetry rows reach the table through the driver itself (COPY on PostgreSQL): every kind of
value comes back as it was given, text that COPY must escape included, read as the MQTT side
reads it."""

from uuid import uuid4

import sqlalchemy as sa

from domain.senml import Measurement
from infrastructure.schema import messages
from interfaces.bootstrap import FleetID

AWKWARD = 'tab\there, new\nline, back\\slash, \\N, quote\' "double", é, 🌡, \r'

RECORDS = [
    Measurement(name="v", unit="Cel", time=1.7e9, update_time=60.0, value=-273.15, sum=1e308),
    Measurement(name=AWKWARD, unit=AWKWARD, time=-1e15, string_value=AWKWARD),
    Measurement(name="b", unit=None, time=0.0, bool_value=False),
    Measurement(name="d", unit=None, time=2.5e-7, data_value="AAEC_-8"),
    Measurement(name="s", unit=None, time=1e12, sum=-0.5),
    Measurement(name="big", unit=None, time=1.7e9, value=1.7976931348623157e308),
]


def test_every_kind_of_value_is_stored_as_given(fleet: FleetID) -> None:
    channel, publisher = uuid4(), uuid4()
    feed = fleet.message_feed()
    start = feed.last_id()
    fleet.message_writer.append(
        channel, publisher, "http", 1.75e9, RECORDS, subtopic="a/b"
    ).result()
    fleet.message_writer.append(channel, publisher, "mqtt", 1.75e9, RECORDS[:1]).result()
    ids, stored = feed.after(start, lambda _channel: True)
    assert len(ids) == len(RECORDS) + 1
    assert [row.measurement for row in stored] == RECORDS
    assert {(r.channel, r.publisher, r.received_at, r.subtopic) for r in stored} == {
        (channel, publisher, 1.75e9, "a/b")
    }
    query = sa.select(messages.c.protocol, messages.c.subtopic, messages.c.value).where(
        messages.c.id == ids[-1]
    )
    with fleet.engine.connect() as conn:
        assert tuple(conn.execute(query).one()) == ("mqtt", None, RECORDS[0].value)
