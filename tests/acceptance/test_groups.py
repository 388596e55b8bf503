"""Groups: hierarchies, membership, and what members see."""

from uuid import UUID

import pytest

from application.authorization import Actor
from application.channels import NewChannel
from application.groups import NewGroup
from application.ports.channels import ChannelFilter
from application.ports.groups import GroupFilter
from application.ports.users import UserFilter
from domain.errors import NotFound
from interfaces.aggregates import CHANNELS, GROUPS
from tests.acceptance.conftest import VIA, World
from tests.acceptance.test_accounts import register


def form(world: World, actor: Actor, name: str, parent: UUID | None = None) -> UUID:
    return world.run(world[GROUPS].commands.form(actor, NewGroup(name=name, parent=parent), VIA)).id


def test_a_group_lists_itself_with_the_groups_below_or_above_it(world: World) -> None:
    plant = form(world, world.admin, "plant")
    hall = form(world, world.admin, "hall", plant)
    line = form(world, world.admin, "line", hall)
    form(world, world.admin, "office")

    children = world[GROUPS].queries.children(world.admin, plant, GroupFilter())
    parents = world[GROUPS].queries.parents(world.admin, line, GroupFilter())
    found = world[GROUPS].queries.get(world.admin, line)

    assert sorted(group.name for group in children.items) == ["hall", "line", "plant"]
    assert sorted(group.name for group in parents.items) == ["hall", "line", "plant"]
    assert (found.parent, found.level) == (hall, 2)


def test_a_member_sees_its_group_and_its_channels_others_do_not(world: World) -> None:
    olga, ida = register(world, "olga@fleet.example"), register(world, "ida@fleet.example")
    plant = form(world, world.admin, "plant")
    opened = world[CHANNELS].commands.open(
        world.admin, NewChannel(name="alarms", parent=plant), VIA
    )
    alarms = world.run(opened).id

    world.run(world[GROUPS].commands.assign(world.admin, olga.id, plant, ["g_list"], VIA))

    assert world[GROUPS].queries.get(olga, plant).name == "plant"
    assert [
        g.id for g in world[GROUPS].queries.memberships(world.admin, olga.id, GroupFilter()).items
    ] == [plant]
    members = world[GROUPS].queries.members(world.admin, plant, UserFilter())
    assert [user.id for user in members.items] == [olga.id]
    within = world[CHANNELS].queries.page(world.admin, ChannelFilter(parent=plant))
    assert [channel.id for channel in within.items] == [alarms]
    with pytest.raises(NotFound):
        world[GROUPS].queries.get(ida, plant)
    assert world[GROUPS].queries.page(ida, GroupFilter()).total == 0

    world.run(world[GROUPS].commands.unassign(world.admin, olga.id, plant, VIA))
    with pytest.raises(NotFound):
        world[GROUPS].queries.get(olga, plant)
