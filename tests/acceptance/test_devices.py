"""Devices: things and channels, connecting them, and the telemetry that follows."""

from uuid import UUID

import pytest

from application.authorization import Actor
from application.channels import NewChannel
from application.ports.channels import ChannelFilter
from application.ports.messages import MessageFilter
from application.ports.things import ThingFilter
from application.things import NewThing, SecretTaken
from domain.errors import Forbidden, NotFound, Unauthenticated
from interfaces.aggregates import CHANNELS, CONNECTIONS, THINGS
from tests.acceptance.conftest import VIA, World
from tests.acceptance.test_accounts import register

PACK = [
    {"bn": "boiler:", "bt": 1_700_000_000, "n": "temp", "u": "Cel", "v": 21.5},
    {"n": "on", "vb": True},
]


def provision(world: World, actor: Actor, **fields: object) -> UUID:
    return world.run(world[THINGS].commands.provision(actor, NewThing(**fields), VIA)).id  # type: ignore[arg-type]


def open_channel(world: World, actor: Actor, name: str = "heating") -> UUID:
    return world.run(world[CHANNELS].commands.open(actor, NewChannel(name=name), VIA)).id


def connect(world: World, actor: Actor, thing: UUID, channel: UUID) -> None:
    world.run(world[CONNECTIONS].commands.connect(actor, [thing], [channel], None, VIA))


def test_a_thing_is_found_by_its_secret_until_disabled_and_shown_to_its_owner_only(
    world: World,
) -> None:
    olga, ida = register(world, "olga@fleet.example"), register(world, "ida@fleet.example")
    boiler = provision(world, olga, name="Boiler", tags=["heat"], secret="boiler-secret-1")

    assert world[THINGS].queries.identify("boiler-secret-1") == boiler
    assert world[THINGS].queries.get(olga, boiler).secret == "boiler-secret-1"
    with pytest.raises(NotFound):
        world[THINGS].queries.get(ida, boiler)
    assert world[THINGS].queries.page(ida, ThingFilter()).total == 0
    listed = world[THINGS].queries.page(olga, ThingFilter(tag="heat"))
    assert [thing.name for thing in listed.items] == ["Boiler"]

    world.run(world[THINGS].commands.disable(olga, boiler, VIA))
    with pytest.raises(Unauthenticated):
        world[THINGS].queries.identify("boiler-secret-1")
    assert world[THINGS].queries.page(olga, ThingFilter(status="disabled")).total == 1


def test_a_secret_belongs_to_one_thing_and_is_freed_when_it_changes(world: World) -> None:
    first = provision(world, world.admin, secret="shared-secret-1")
    with pytest.raises(SecretTaken):
        provision(world, world.admin, secret="shared-secret-1")

    world.run(world[THINGS].commands.change_secret(world.admin, first, "other-secret-2", VIA))

    second = provision(world, world.admin, secret="shared-secret-1")
    assert world[THINGS].queries.identify("shared-secret-1") == second
    assert world[THINGS].queries.identify("other-secret-2") == first


def test_a_connected_thing_publishes_and_reads_until_disconnected(world: World) -> None:
    olga = register(world, "olga@fleet.example")
    boiler = provision(world, olga, secret="boiler-secret-1")
    heating = open_channel(world, olga)
    messages = world.services.messages
    with pytest.raises(Forbidden):
        messages.authorize("boiler-secret-1", heating)

    connect(world, olga, boiler, heating)
    publisher = messages.authorize("boiler-secret-1", heating)
    assert world.run(messages.publish(publisher, PACK, "http")) == 2

    reader = world.services.message_queries.reader_for_thing("boiler-secret-1", heating)
    page = reader.page(MessageFilter(channel=heating))
    assert [(m.name, m.value, m.bool_value) for m in page.messages] == [
        ("boiler:on", None, True),
        ("boiler:temp", 21.5, None),
    ], "newest first; records of one time in reverse arrival"
    assert {m.publisher for m in page.messages} == {boiler}
    warm = MessageFilter(channel=heating, name="boiler:temp", value=20, comparator="gt")
    assert reader.page(warm).total == 1
    with pytest.raises(NotFound):
        world.services.message_queries.reader_for_user(register(world, "ida@x.example"), heating)

    world.run(world[CONNECTIONS].commands.disconnect(olga, [boiler], [heating], VIA))
    with pytest.raises(Forbidden):
        messages.authorize("boiler-secret-1", heating)


def test_mqtt_access_follows_connections_and_the_channel_status(world: World) -> None:
    boiler = provision(world, world.admin, secret="boiler-secret-1")
    heating = open_channel(world, world.admin)
    topic = f"channels/{heating}/messages/boiler"
    access = world.services.mqtt_access
    assert access.authenticate(str(boiler), str(boiler), "boiler-secret-1") == boiler
    assert access.authenticate(str(boiler), str(boiler), "wrong-secret") is None
    assert not access.may_publish(boiler, topic)

    connect(world, world.admin, boiler, heating)
    assert access.may_publish(boiler, topic)

    world.run(world[CHANNELS].commands.disable(world.admin, heating, VIA))
    assert not access.may_publish(boiler, topic)


def test_channels_list_by_the_thing_connected_and_by_owner(world: World) -> None:
    olga = register(world, "olga@fleet.example")
    boiler = provision(world, olga)
    heating, lights = open_channel(world, olga, "heating"), open_channel(world, olga, "lights")
    open_channel(world, world.admin, "admins-only")
    connect(world, olga, boiler, heating)

    of_boiler = world[CHANNELS].queries.page(olga, ChannelFilter(thing=boiler))
    mine = world[CHANNELS].queries.page(olga, ChannelFilter())
    everyone = world[CHANNELS].queries.page(world.admin, ChannelFilter())

    assert [channel.id for channel in of_boiler.items] == [heating]
    assert {channel.id for channel in mine.items} == {heating, lights}
    assert everyone.total == 3
