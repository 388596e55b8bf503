"""Telemetry rows reach the table through the driver itself (COPY on PostgreSQL): every kind of
value comes back as it was given, text that COPY must escape included."""

from uuid import UUID, uuid4

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
    fleet.message_writer.append(
        channel, publisher, "http", 1.75e9, RECORDS, subtopic="a/b"
    ).result()
    fleet.message_writer.append(channel, publisher, "mqtt", 1.75e9, RECORDS[:1]).result()
    query = sa.select(messages).where(messages.c.channel == str(channel)).order_by(messages.c.id)
    with fleet.engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    stored = [
        Measurement(
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
        for row in rows
    ]
    assert stored == RECORDS + RECORDS[:1]
    assert {(UUID(r["publisher"]), r["received_at"]) for r in rows} == {(publisher, 1.75e9)}
    assert [(r["protocol"], r["subtopic"]) for r in rows] == [("http", "a/b")] * 6 + [
        ("mqtt", None)
    ]
