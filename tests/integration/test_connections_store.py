"""Connections through the applications and the read model, on SQLite and PostgreSQL."""

from uuid import UUID

import pytest

from application.authorization import Actor
from application.channels import NewChannel
from application.connections import EntityDisabled
from application.ports.channels import ChannelFilter
from application.ports.things import ThingFilter
from application.things import NewThing
from domain.causes import Interface
from domain.errors import Forbidden, InvalidValue, NotFound
from domain.policies import Policy
from domain.users import Role
from interfaces.aggregates import CHANNELS, CONNECTIONS, GROUPS, THINGS
from interfaces.bootstrap import FleetID
from tests.helpers import blocking
from tests.integration.test_users_store import dump, register, run_threads

CLI = Interface.CLI
ADMIN = Actor(id=UUID(int=1), role=Role.ADMIN)


def thing(fleet: FleetID, secret: str, actor: Actor = ADMIN) -> UUID:
    found: UUID = blocking(fleet[THINGS].commands).provision(actor, NewThing(secret=secret), CLI).id
    return found


def channel(fleet: FleetID, actor: Actor = ADMIN) -> UUID:
    found: UUID = blocking(fleet[CHANNELS].commands).open(actor, NewChannel(name="c"), CLI).id
    return found


def allowed(fleet: FleetID, secret: str, channel_id: UUID, action: str) -> bool:
    try:
        fleet[CONNECTIONS].queries.check(secret, channel_id, action)
    except Forbidden:
        return False
    return True


def test_connect_many_to_many_then_every_pair_may_publish_and_read(fleet: FleetID) -> None:
    things = [thing(fleet, f"secret-{i}-abcdef") for i in range(3)]
    channels = [channel(fleet) for _ in range(2)]

    policies = blocking(fleet[CONNECTIONS].commands).connect(ADMIN, things, channels, None, CLI)

    assert len(policies) == 6
    assert all(p.actions == ["m_write", "m_read"] for p in policies)
    for i in range(3):
        for channel_id in channels:
            assert allowed(fleet, f"secret-{i}-abcdef", channel_id, "m_write")
            assert not allowed(fleet, f"secret-{i}-abcdef", channel_id, "c_share")
    assert not allowed(fleet, "unknown-secret-1", channels[0], "m_read")
    page = fleet[CHANNELS].queries.page(ADMIN, ChannelFilter(thing=things[0]))
    assert {c.id for c in page.items} == set(channels)
    assert fleet[THINGS].queries.page(ADMIN, ThingFilter(channel=channels[1])).total == 3


def test_the_next_check_after_a_disconnect_or_disable_denies(fleet: FleetID) -> None:
    thing_id, channel_id = thing(fleet, "device-secret-1"), channel(fleet)
    blocking(fleet[CONNECTIONS].commands).connect(ADMIN, [thing_id], [channel_id], None, CLI)

    blocking(fleet[CONNECTIONS].commands).disconnect(ADMIN, [thing_id], [channel_id], CLI)
    assert not allowed(fleet, "device-secret-1", channel_id, "m_read")

    blocking(fleet[CONNECTIONS].commands).connect(ADMIN, [thing_id], [channel_id], ["m_read"], CLI)
    assert allowed(fleet, "device-secret-1", channel_id, "m_read")
    assert not allowed(fleet, "device-secret-1", channel_id, "m_write")
    blocking(fleet[CHANNELS].commands).disable(ADMIN, channel_id, CLI)
    assert not allowed(fleet, "device-secret-1", channel_id, "m_read")
    blocking(fleet[CHANNELS].commands).enable(ADMIN, channel_id, CLI)
    blocking(fleet[THINGS].commands).disable(ADMIN, thing_id, CLI)
    assert not allowed(fleet, "device-secret-1", channel_id, "m_read")


def test_a_bad_pair_connects_nothing(fleet: FleetID) -> None:
    things = [thing(fleet, "ok-secret-1"), thing(fleet, "ok-secret-2")]
    good, off = channel(fleet), channel(fleet)
    blocking(fleet[CHANNELS].commands).disable(ADMIN, off, CLI)
    stranger = Actor(id=register(fleet, "uma@fleet.example"), role=Role.USER)
    before = dump(fleet)

    with pytest.raises(EntityDisabled) as disabled:
        blocking(fleet[CONNECTIONS].commands).connect(ADMIN, things, [good, off], None, CLI)
    assert disabled.value.field == "objects[1]"
    with pytest.raises(InvalidValue) as unknown:
        blocking(fleet[CONNECTIONS].commands).connect(ADMIN, things, [good], ["m_read", "fly"], CLI)
    assert unknown.value.field == "actions"
    with pytest.raises(NotFound) as hidden:
        blocking(fleet[CONNECTIONS].commands).connect(stranger, things, [good], None, CLI)
    assert hidden.value.field == "subjects[0]"
    assert dump(fleet) == before


def test_rebuild_gives_identical_policy_tables(fleet: FleetID) -> None:
    thing_id, channel_id = thing(fleet, "rebuild-secret-1"), channel(fleet)
    connections = blocking(fleet[CONNECTIONS].commands)
    connections.connect(ADMIN, [thing_id], [channel_id], None, CLI)
    connections.change_actions(ADMIN, thing_id, channel_id, ["m_read"], CLI)
    connections.disconnect(ADMIN, [thing_id], [channel_id], CLI)
    connections.connect(ADMIN, [thing_id], [channel_id], ["m_write"], CLI)
    live = dump(fleet)

    fleet.projections.rebuild()

    assert dump(fleet) == live
    current = [row for row in live["policies"] if row[-1] is None]
    assert len(live["policies"]) == 3, "granted, actions changed, granted again"
    assert len(current) == 1
    assert allowed(fleet, "rebuild-secret-1", channel_id, "m_write")


def test_channel_members_act_on_connected_things_as_their_actions_allow(fleet: FleetID) -> None:
    owner = Actor(id=register(fleet, "bo@fleet.example"), role=Role.USER)
    member = Actor(id=register(fleet, "cy@fleet.example"), role=Role.USER)
    thing_id, channel_id = thing(fleet, "shared-secret-1", owner), channel(fleet, owner)
    blocking(fleet[CONNECTIONS].commands).connect(owner, [thing_id], [channel_id], None, CLI)
    with pytest.raises(NotFound):
        fleet[THINGS].queries.get(member, thing_id)

    blocking(fleet[GROUPS].commands).assign(owner, member.id, channel_id, ["c_list"], CLI)
    assert fleet[THINGS].queries.get(member, thing_id).id == thing_id
    assert [t.id for t in fleet[THINGS].queries.page(member, ThingFilter()).items] == [thing_id]
    assert [c.id for c in fleet[CHANNELS].queries.page(member, ChannelFilter()).items] == [
        channel_id
    ]
    with pytest.raises(Forbidden):
        blocking(fleet[THINGS].commands).update(member, thing_id, CLI, name="changed")

    blocking(fleet[GROUPS].commands).assign(
        owner, member.id, channel_id, ["c_list", "c_update"], CLI
    )
    assert (
        blocking(fleet[THINGS].commands).update(member, thing_id, CLI, name="changed").name
        == "changed"
    )
    with pytest.raises(Forbidden):
        blocking(fleet[THINGS].commands).disable(member, thing_id, CLI)
    with pytest.raises(Forbidden):
        blocking(fleet[THINGS].commands).change_owner(member, thing_id, member.id, CLI)

    blocking(fleet[CONNECTIONS].commands).disconnect(owner, [thing_id], [channel_id], CLI)
    with pytest.raises(NotFound):
        fleet[THINGS].queries.get(member, thing_id)
    assert fleet[THINGS].queries.page(member, ThingFilter()).total == 0


def test_a_things_secret_reaches_only_its_owner_and_admins(fleet: FleetID) -> None:
    owner = Actor(id=register(fleet, "gil@fleet.example"), role=Role.USER)
    member = Actor(id=register(fleet, "hal@fleet.example"), role=Role.USER)
    thing_id, channel_id = thing(fleet, "owners-secret-1", owner), channel(fleet, owner)
    blocking(fleet[CONNECTIONS].commands).connect(owner, [thing_id], [channel_id], None, CLI)
    blocking(fleet[GROUPS].commands).assign(
        owner, member.id, channel_id, ["c_list", "c_update"], CLI
    )
    in_channel = ThingFilter(status="all", channel=channel_id)

    for actor in (owner, ADMIN):
        assert fleet[THINGS].queries.get(actor, thing_id).secret == "owners-secret-1"
        assert [t.secret for t in fleet[THINGS].queries.page(actor, in_channel).items] == [
            "owners-secret-1"
        ]
    assert fleet[THINGS].queries.get(member, thing_id).secret is None
    assert [t.secret for t in fleet[THINGS].queries.page(member, ThingFilter()).items] == [None]
    assert [t.secret for t in fleet[THINGS].queries.page(member, in_channel).items] == [None]
    assert blocking(fleet[THINGS].commands).update(member, thing_id, CLI, name="n").secret is None
    changed = blocking(fleet[THINGS].commands).change_secret(
        member, thing_id, "members-secret-2", CLI
    )
    assert changed.secret is None
    assert fleet[THINGS].queries.get(owner, thing_id).secret == "members-secret-2"


def test_c_share_shares_a_channel_but_never_more_than_the_sharer_holds(fleet: FleetID) -> None:
    owner = Actor(id=register(fleet, "di@fleet.example"), role=Role.USER)
    sharer = Actor(id=register(fleet, "ed@fleet.example"), role=Role.USER)
    friend = register(fleet, "fay@fleet.example")
    channel_id = channel(fleet, owner)
    blocking(fleet[GROUPS].commands).assign(
        owner, sharer.id, channel_id, ["c_share", "c_list"], CLI
    )

    blocking(fleet[GROUPS].commands).assign(sharer, friend, channel_id, ["c_list"], CLI)
    with pytest.raises(Forbidden):
        blocking(fleet[GROUPS].commands).assign(sharer, friend, channel_id, ["c_update"], CLI)

    friend_actor = Actor(id=friend, role=Role.USER)
    assert fleet[CHANNELS].queries.get(friend_actor, channel_id).id == channel_id


def test_concurrent_connects_of_one_pair_grant_it_once(fleet: FleetID) -> None:
    thing_id, channel_id = thing(fleet, "race-secret-1"), channel(fleet)
    failures: list[BaseException] = []

    def connect(_: int) -> None:
        try:
            blocking(fleet[CONNECTIONS].commands).connect(
                ADMIN, [thing_id], [channel_id], None, CLI
            )
        except BaseException as error:
            failures.append(error)

    run_threads(8, connect)

    assert failures == []
    assert allowed(fleet, "race-secret-1", channel_id, "m_write")
    policy = Policy.id_for(thing_id, channel_id)
    events = list(fleet.log.recorder.select_events(policy))
    assert [e.topic.rsplit(".", 1)[-1] for e in events] == ["Granted"]
