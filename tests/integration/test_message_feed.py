"""The MQTT side follows the message store: every new row is counted, and only the packs stored
over HTTP to a channel someone listens to are read back whole."""

from uuid import UUID, uuid4

from domain.senml import Measurement
from interfaces.bootstrap import FleetID


def _store(fleet: FleetID, channel: UUID, protocol: str, name: str) -> None:
    record = Measurement(name=name, unit=None, time=1.7e9, value=1.0)
    fleet.message_writer.append(channel, uuid4(), protocol, 1.7e9, [record]).result()


def test_only_http_packs_to_listened_channels_are_read_back(fleet: FleetID) -> None:
    heard, unheard = uuid4(), uuid4()
    feed = fleet.message_feed()
    start = feed.last_id()
    for protocol, channel, name in [
        ("http", heard, "a"),
        ("http", unheard, "b"),
        ("mqtt", heard, "c"),
        ("http", heard, "d"),
    ]:
        _store(fleet, channel, protocol, name)

    ids, rows = feed.after(start, lambda channel: channel == str(heard))
    assert len(ids) == 4
    assert ids == sorted(ids)
    assert ids[0] > start
    assert [(row.channel, row.measurement.name) for row in rows] == [(heard, "a"), (heard, "d")]
    assert [row.id for row in rows] == [ids[0], ids[3]]

    assert feed.after(start, lambda _channel: False) == (ids, [])
    assert feed.after(ids[1], lambda _channel: True)[1][-1].measurement.name == "d"
    assert feed.after(ids[-1], lambda _channel: True) == ([], [])
