"""Groups and memberships through the applications and read models, on both databases."""

import random
from uuid import UUID

import pytest

from application.authorization import Actor
from application.groups import NewGroup
from application.ports.groups import GroupFilter
from application.ports.users import UserFilter
from domain.causes import Interface
from domain.errors import Forbidden, NotFound
from domain.users import Role
from interfaces.aggregates import GROUPS
from interfaces.bootstrap import FleetID
from tests.helpers import blocking
from tests.integration.test_users_store import dump, register

CLI = Interface.CLI
ADMIN = Actor(id=UUID(int=1), role=Role.ADMIN)
ALL = GroupFilter(limit=100, status="all")


def test_parent_and_child_queries_agree_with_the_parent_relation(fleet: FleetID) -> None:
    rng = random.Random(7)
    parent_of: dict[UUID, UUID | None] = {}
    for _ in range(25):
        parent = rng.choice([None, *parent_of]) if parent_of else None
        made = blocking(fleet[GROUPS].commands).form(ADMIN, NewGroup(name="g", parent=parent), CLI)
        parent_of[made.id] = parent

    def ancestors(group: UUID) -> set[UUID]:
        found = {group}
        while (parent := parent_of[group]) is not None:
            found.add(parent)
            group = parent
        return found

    for group in parent_of:
        above = fleet[GROUPS].queries.parents(ADMIN, group, ALL)
        assert {g.id for g in above.items} == ancestors(group)
        below = fleet[GROUPS].queries.children(ADMIN, group, ALL)
        assert {g.id for g in below.items} == {g for g in parent_of if group in ancestors(g)}
    with pytest.raises(NotFound):
        blocking(fleet[GROUPS].commands).form(ADMIN, NewGroup(parent=UUID(int=99)), CLI)


def test_members_and_what_their_actions_allow(fleet: FleetID) -> None:
    owner = Actor(id=register(fleet, "vic@fleet.example"), role=Role.USER)
    lister = Actor(id=register(fleet, "wen@fleet.example"), role=Role.USER)
    adder = Actor(id=register(fleet, "xan@fleet.example"), role=Role.USER)
    stranger = Actor(id=register(fleet, "yul@fleet.example"), role=Role.USER)
    newcomer = register(fleet, "zed@fleet.example")
    group = blocking(fleet[GROUPS].commands).form(owner, NewGroup(name="Ops"), CLI).id
    blocking(fleet[GROUPS].commands).assign(owner, lister.id, group, ["g_list"], CLI)
    blocking(fleet[GROUPS].commands).assign(owner, adder.id, group, ["g_add"], CLI)

    members = fleet[GROUPS].queries.members(lister, group, UserFilter())
    assert {u.id for u in members.items} == {lister.id, adder.id}
    with pytest.raises(Forbidden):
        fleet[GROUPS].queries.members(adder, group, UserFilter())
    with pytest.raises(NotFound):
        fleet[GROUPS].queries.members(stranger, group, UserFilter())
    for beyond in (["c_list"], ["g_add", "g_update"], ["g_delete"]):
        with pytest.raises(Forbidden):
            blocking(fleet[GROUPS].commands).assign(adder, newcomer, group, beyond, CLI)
        with pytest.raises(Forbidden):
            blocking(fleet[GROUPS].commands).change_member(adder, lister.id, group, beyond, CLI)
    blocking(fleet[GROUPS].commands).assign(adder, newcomer, group, ["g_add", "g_list"], CLI)
    with pytest.raises(Forbidden):
        blocking(fleet[GROUPS].commands).assign(lister, stranger.id, group, ["g_list"], CLI)
    with pytest.raises(Forbidden):
        blocking(fleet[GROUPS].commands).update(
            lister, group, CLI, name="x", description="", metadata={}
        )
    assert fleet[GROUPS].queries.members(owner, group, UserFilter()).total == 3

    blocking(fleet[GROUPS].commands).unassign(owner, lister.id, group, CLI)
    with pytest.raises(NotFound):
        fleet[GROUPS].queries.get(lister, group)
    joined = fleet[GROUPS].queries.memberships(ADMIN, adder.id, GroupFilter())
    assert [g.id for g in joined.items] == [group]
    with pytest.raises(NotFound):
        fleet[GROUPS].queries.memberships(adder, newcomer, GroupFilter())
    blocking(fleet[GROUPS].commands).assign(owner, adder.id, group, ["g_add", "c_list"], CLI)
    seen = fleet[GROUPS].queries.memberships(adder, newcomer, GroupFilter())
    assert [g.id for g in seen.items] == [group], "c_list in a shared group shows memberships"
    assert fleet[GROUPS].queries.page(lister, ALL).total == 0


def test_rebuild_gives_identical_group_tables(fleet: FleetID) -> None:
    user = register(fleet, "amy@fleet.example")
    root = blocking(fleet[GROUPS].commands).form(ADMIN, NewGroup(name="root"), CLI).id
    child = (
        blocking(fleet[GROUPS].commands).form(ADMIN, NewGroup(name="child", parent=root), CLI).id
    )
    blocking(fleet[GROUPS].commands).update(
        ADMIN, child, CLI, name="kid", description="d", metadata={}
    )
    blocking(fleet[GROUPS].commands).disable(ADMIN, root, CLI)
    blocking(fleet[GROUPS].commands).assign(ADMIN, user, child, ["g_list"], CLI)
    blocking(fleet[GROUPS].commands).change_member(ADMIN, user, child, ["g_list", "c_list"], CLI)
    live = dump(fleet)

    fleet.projections.rebuild()

    assert dump(fleet) == live
    paths = {g.path for g in fleet[GROUPS].queries.page(ADMIN, ALL).items}
    assert paths == {f"{root}", f"{root}.{child}"}
