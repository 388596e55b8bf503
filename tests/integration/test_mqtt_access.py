"""The MQTT decision point on SQLite and PostgreSQL: who may connect, publish and subscribe,
and that revoking applies to the very next decision."""

from uuid import UUID, uuid4

from application.mqtt_access import MqttAccess
from application.things import NewThing
from interfaces.aggregates import CHANNELS, CONNECTIONS, THINGS
from interfaces.bootstrap import FleetID
from tests.helpers import blocking
from tests.integration.test_connections_store import ADMIN, CLI, channel

SECRET = "mqtt-secret-1"


def thing(fleet: FleetID, secret: str = SECRET) -> UUID:
    made: UUID = blocking(fleet[THINGS].commands).provision(ADMIN, NewThing(secret=secret), CLI).id
    return made


def connect(fleet: FleetID, thing_id: UUID, channel_id: UUID, *actions: str) -> None:
    blocking(fleet[CONNECTIONS].commands).connect(
        ADMIN, [thing_id], [channel_id], list(actions), CLI
    )


def test_a_connection_is_a_thing_by_id_secret_and_client_id(fleet: FleetID) -> None:
    access: MqttAccess = fleet.services.mqtt_access
    device, other = thing(fleet), thing(fleet, "other-secret-1")
    me = str(device)

    assert access.authenticate(me, me, SECRET) == device
    assert access.authenticate("someone-else", me, SECRET) is None
    assert access.authenticate(None, me, SECRET) is None
    assert access.authenticate(me, me, "other-secret-1") is None
    assert access.authenticate(str(other), str(other), SECRET) is None
    assert access.authenticate(me.upper(), me.upper(), SECRET) is None
    assert access.authenticate("not-a-uuid", "not-a-uuid", SECRET) is None
    assert access.authenticate(me, me, None) is None
    assert access.authenticate(me, me, "") is None

    blocking(fleet[THINGS].commands).change_secret(ADMIN, device, "mqtt-secret-2", CLI)
    assert access.authenticate(me, me, SECRET) is None
    assert access.authenticate(me, me, "mqtt-secret-2") == device
    blocking(fleet[THINGS].commands).disable(ADMIN, device, CLI)
    assert access.authenticate(me, me, "mqtt-secret-2") is None


def test_publish_needs_m_write_and_subscribe_m_read_on_that_channel(fleet: FleetID) -> None:
    access = fleet.services.mqtt_access
    writer, reader, c = thing(fleet), thing(fleet, "reader-secret-1"), channel(fleet)
    connect(fleet, writer, c, "m_write")
    connect(fleet, reader, c, "m_read")
    topic = f"channels/{c}/messages"

    assert access.may_publish(writer, topic)
    assert access.may_publish(writer, f"{topic}/room/1")
    assert not access.may_publish(reader, topic)
    assert not access.may_publish(writer, f"channels/{channel(fleet)}/messages")
    assert access.may_subscribe(reader, topic)
    assert access.may_subscribe(reader, f"{topic}/#")
    assert access.may_subscribe(reader, f"{topic}/+/temp")
    assert not access.may_subscribe(writer, topic)
    for forbidden in ("channels/+/messages", "channels/#", "#", f"{topic}/#/x", f"{topic}/a+b"):
        assert not access.may_subscribe(reader, forbidden), forbidden
    for forbidden in (f"{topic}/+", f"{topic}/#", f"channels/{c}", "", f"{topic}x"):
        assert not access.may_publish(writer, forbidden), forbidden


def test_revoking_applies_to_the_next_decision(fleet: FleetID) -> None:
    access = fleet.services.mqtt_access
    device, c = thing(fleet), channel(fleet)
    connect(fleet, device, c, "m_write", "m_read")
    topic = f"channels/{c}/messages"
    assert access.may_publish(device, topic)

    blocking(fleet[CHANNELS].commands).disable(ADMIN, c, CLI)
    assert not access.may_publish(device, topic)
    assert not access.may_subscribe(device, topic)
    blocking(fleet[CHANNELS].commands).enable(ADMIN, c, CLI)
    assert access.may_publish(device, topic)
    blocking(fleet[THINGS].commands).disable(ADMIN, device, CLI)
    assert not access.may_publish(device, topic)
    blocking(fleet[THINGS].commands).enable(ADMIN, device, CLI)
    blocking(fleet[CONNECTIONS].commands).disconnect(ADMIN, [device], [c], CLI)
    assert not access.may_publish(device, topic)
    assert not access.may_subscribe(device, topic)


def test_a_module_publishes_and_reads_only_under_its_own_id(fleet: FleetID) -> None:
    access = fleet.services.mqtt_access
    module, other = thing(fleet), uuid4()
    create = f"from/module/{module}/action/identity/create&parent={other}&ack=all"

    assert access.may_publish(module, create)
    assert access.may_subscribe(module, f"to/module/{module}/#")
    assert access.may_subscribe(module, f"to/module/{module}/ack/identity/create")
    assert not access.may_publish(module, f"from/module/{other}/action/identity/create")
    assert not access.may_subscribe(module, f"to/module/{other}/#")
    assert not access.may_subscribe(module, "to/module/+/ack/identity/create")
    assert not access.may_publish(module, f"to/module/{module}/ack/identity/create")
    assert not access.may_subscribe(module, f"from/module/{module}/#")
    blocking(fleet[THINGS].commands).disable(ADMIN, module, CLI)
    assert not access.may_publish(module, create)


def test_live_connections_and_subscriptions_are_revalidated_together(fleet: FleetID) -> None:
    access = fleet.services.mqtt_access
    kept, disabled, rotated = (thing(fleet, f"batch-secret-{n}") for n in range(3))
    c, d = channel(fleet), channel(fleet)
    for device in (kept, disabled, rotated):
        connect(fleet, device, c, "m_read")
    connect(fleet, kept, d, "m_write")
    things = blocking(fleet[THINGS].commands)
    things.disable(ADMIN, disabled, CLI)
    things.change_secret(ADMIN, rotated, "batch-secret-new", CLI)
    connections = {
        (kept, "batch-secret-0"),
        (disabled, "batch-secret-1"),
        (rotated, "batch-secret-2"),
    }
    subscriptions = {
        (kept, f"channels/{c}/messages/#"),
        (kept, f"channels/{d}/messages"),
        (kept, f"to/module/{kept}/ack/#"),
        (disabled, f"channels/{c}/messages"),
        (disabled, f"to/module/{disabled}/ack/#"),
        (rotated, f"channels/{c}/messages"),
    }

    assert access.still_connected(connections) == {kept}
    assert access.allowed_subscriptions(subscriptions) == {
        (kept, f"channels/{c}/messages/#"),
        (kept, f"to/module/{kept}/ack/#"),
        (rotated, f"channels/{c}/messages"),
    }
    assert access.allowed_subscriptions(subscriptions) == {
        pair for pair in subscriptions if access.may_subscribe(*pair)
    }
