"""Access-decision replay on SQLite and PostgreSQL: the explanation at any position agrees with
the decision FleetID makes as of that position (the message routes for things, the registry's
rules for users), and names the events that granted or revoked it, in order."""

from collections.abc import Callable
from uuid import UUID

import pytest

from application.access_explain import Explanation
from application.authorization import Actor
from application.groups import NewGroup
from application.read_time import as_of
from domain.errors import DomainError, Forbidden, NotFound
from domain.users import Role
from interfaces.aggregates import CONNECTIONS, GROUPS, THINGS, USERS
from interfaces.bootstrap import FleetID
from tests.helpers import blocking
from tests.integration.test_connections_store import channel
from tests.integration.test_event_log import AUDITOR, indexed
from tests.integration.test_mqtt_access import connect, thing
from tests.integration.test_users_store import ADMIN, CLI, register


def explain(fleet: FleetID, device: UUID, opened: UUID, position: int) -> Explanation:
    return fleet.services.access_explainer.explain(AUDITOR, device, opened, "m_read", position)


def routes_allow(fleet: FleetID, device: UUID, opened: UUID, position: int) -> bool:
    with as_of(position):
        return fleet.services.mqtt_access.may_subscribe(device, f"channels/{opened}/messages")


def test_the_explanation_follows_grants_revocations_and_disables(fleet: FleetID) -> None:
    device = thing(fleet, "explain-secret-1")
    opened = channel(fleet)
    positions = [fleet.projections.position]
    connect(fleet, device, opened, "m_read", "m_write")
    positions.append(fleet.projections.position)
    blocking(fleet[THINGS].commands).disable(ADMIN, device, CLI)
    positions.append(fleet.projections.position)
    blocking(fleet[THINGS].commands).enable(ADMIN, device, CLI)
    positions.append(fleet.projections.position)
    blocking(fleet[CONNECTIONS].commands).disconnect(ADMIN, [device], [opened], CLI)
    positions.append(fleet.projections.position)
    indexed(fleet)

    for position in positions:
        assert explain(fleet, device, opened, position).allowed == routes_allow(
            fleet, device, opened, position
        )
    assert [explain(fleet, device, opened, p).allowed for p in positions] == [
        False,
        True,
        False,
        True,
        False,
    ]
    steps = explain(fleet, device, opened, positions[-1]).steps
    assert [(s.effect, s.allowed_after) for s in steps] == [
        ("thing enabled", False),
        ("channel enabled", False),
        ("m_read granted", True),
        ("thing disabled or removed", False),
        ("thing enabled", True),
        ("m_read revoked", False),
    ]
    assert [s.position for s in steps] == sorted(s.position for s in steps)
    assert [s.aggregate_type for s in steps] == [
        "Thing",
        "Channel",
        "Policy",
        "Thing",
        "Thing",
        "Policy",
    ]
    assert steps[3].event_type == "Disabled"
    earlier = explain(fleet, device, opened, positions[1])
    assert [s.effect for s in earlier.steps] == [s.effect for s in steps[:3]]


def member(fleet: FleetID, identity: str) -> Actor:
    return Actor(id=register(fleet, identity), role=Role.USER)


def explained_at(
    fleet: FleetID, subject: UUID, target: UUID, action: str, positions: list[int]
) -> list[Explanation]:
    return [
        fleet.services.access_explainer.explain(AUDITOR, subject, target, action, p)
        for p in positions
    ]


def passes(position: int, query: Callable[[], object]) -> bool:
    """The application's own decision as of the position: whether its query answers."""
    with as_of(position):
        try:
            query()
        except DomainError:
            return False
    return True


def may_update(fleet: FleetID, actor: Actor, group: UUID) -> bool:
    """The groups' own decision, by trying the command."""
    try:
        blocking(fleet[GROUPS].commands).update(
            actor, group, CLI, name="renamed", description="", metadata={}
        )
    except (Forbidden, NotFound):
        return False
    return True


def test_a_users_right_on_a_group_follows_membership_and_status(fleet: FleetID) -> None:
    user = member(fleet, "explain-member-1@fleet.example")
    group = blocking(fleet[GROUPS].commands).form(ADMIN, NewGroup(name="floor"), CLI).id
    groups = blocking(fleet[GROUPS].commands)
    positions = [fleet.projections.position]
    decided = [may_update(fleet, user, group)]
    groups.assign(ADMIN, user.id, group, ["g_update", "g_list"], CLI)
    positions.append(fleet.projections.position)
    decided.append(may_update(fleet, user, group))
    groups.change_member(ADMIN, user.id, group, ["g_list"], CLI)
    positions.append(fleet.projections.position)
    decided.append(may_update(fleet, user, group))
    groups.change_member(ADMIN, user.id, group, ["g_list", "g_update"], CLI)
    blocking(fleet[USERS].commands).disable(ADMIN, user.id, CLI)
    positions.append(fleet.projections.position)
    indexed(fleet)

    def explained(position: int) -> Explanation:
        return fleet.services.access_explainer.explain(
            AUDITOR, user.id, group, "g_update", position
        )

    assert [explained(p).allowed for p in positions[:3]] == decided == [False, True, False]
    assert explained(positions[3]).allowed is False, "a disabled user's tokens are refused"
    steps = explained(positions[3]).steps
    assert [(s.aggregate_type, s.effect, s.allowed_after) for s in steps] == [
        ("User", "user enabled", False),
        ("Group", "group created", False),
        ("Policy", "g_update granted", True),
        ("Policy", "g_update revoked", False),
        ("Policy", "g_update granted", True),
        ("User", "user disabled or removed", False),
    ]


def test_a_users_right_on_a_thing_follows_its_channels_and_its_owner(fleet: FleetID) -> None:
    user = member(fleet, "explain-member-2@fleet.example")
    device = thing(fleet, "explain-secret-2")
    opened = channel(fleet)
    positions = [fleet.projections.position]
    blocking(fleet[GROUPS].commands).assign(ADMIN, user.id, opened, ["c_list"], CLI)
    positions.append(fleet.projections.position)
    connect(fleet, device, opened, "m_read")
    positions.append(fleet.projections.position)
    blocking(fleet[CONNECTIONS].commands).disconnect(ADMIN, [device], [opened], CLI)
    positions.append(fleet.projections.position)
    blocking(fleet[THINGS].commands).change_owner(ADMIN, device, user.id, CLI)
    positions.append(fleet.projections.position)
    indexed(fleet)

    explained = explained_at(fleet, user.id, device, "c_list", positions)
    assert [e.allowed for e in explained] == [
        passes(p, lambda: fleet[THINGS].queries.get(user, device)) for p in positions
    ]
    assert [e.allowed for e in explained] == [False, False, True, False, True]
    assert [(s.effect, s.allowed_after) for s in explained[-1].steps] == [
        ("user enabled", False),
        ("thing created", False),
        (f"c_list granted on {opened}", False),
        (f"thing connected to {opened}", True),
        (f"thing disconnected from {opened}", False),
        ("user became the owner", True),
    ]
    update = fleet.services.access_explainer.explain(
        AUDITOR, user.id, device, "c_update", positions[2]
    )
    assert (update.allowed, [s.effect for s in update.steps]) == (
        False,
        ["user enabled", "thing created"],
    )


def test_a_members_right_on_a_channel_follows_the_channels_own_decision(
    fleet: FleetID,
) -> None:
    user = member(fleet, "explain-member-3@fleet.example")
    opened = channel(fleet)
    groups = blocking(fleet[GROUPS].commands)
    positions = [fleet.projections.position]
    groups.assign(ADMIN, user.id, opened, ["c_list"], CLI)
    positions.append(fleet.projections.position)
    groups.change_member(ADMIN, user.id, opened, ["c_list", "m_read"], CLI)
    positions.append(fleet.projections.position)
    groups.unassign(ADMIN, user.id, opened, CLI)
    positions.append(fleet.projections.position)
    indexed(fleet)

    explained = explained_at(fleet, user.id, opened, "m_read", positions)
    assert [e.allowed for e in explained] == [
        passes(p, lambda: fleet.services.message_queries.reader_for_user(user, opened))
        for p in positions
    ]
    assert [e.allowed for e in explained] == [False, False, True, False]
    assert [s.effect for s in explained[-1].steps] == [
        "user enabled",
        "channel created",
        "m_read granted",
        "m_read revoked",
    ]


def test_an_admin_may_do_anything_with_what_exists(fleet: FleetID) -> None:
    admin = register(fleet, "explain-admin@fleet.example", role=Role.ADMIN)
    before = fleet.projections.position
    group = blocking(fleet[GROUPS].commands).form(ADMIN, NewGroup(name="hall"), CLI).id
    indexed(fleet)
    explained = fleet.services.access_explainer.explain(AUDITOR, admin, group, "g_delete", None)
    assert explained.allowed is True
    assert [(s.effect, s.allowed_after) for s in explained.steps] == [
        ("user enabled; user made an admin", False),
        ("group created", True),
    ]
    earlier = fleet.services.access_explainer.explain(AUDITOR, admin, group, "g_delete", before)
    assert (earlier.allowed, len(earlier.steps)) == (False, 1)


def test_questions_without_an_answer_are_named(fleet: FleetID) -> None:
    device = thing(fleet, "explain-secret-3")
    opened = channel(fleet)
    group = blocking(fleet[GROUPS].commands).form(ADMIN, NewGroup(name="yard"), CLI).id
    explainer = fleet.services.access_explainer
    with pytest.raises(NotFound) as unknown:
        explainer.explain(AUDITOR, UUID(int=7), opened, "m_read", None)
    assert unknown.value.field == "subject"
    with pytest.raises(NotFound) as nothing:
        explainer.explain(AUDITOR, device, UUID(int=7), "m_read", None)
    assert nothing.value.field == "object"
    with pytest.raises(NotFound) as pair:  # no such decision: as unknown as an unknown id
        explainer.explain(AUDITOR, device, group, "m_read", None)
    assert pair.value.field == "object"
    with pytest.raises(NotFound) as not_a_subject:
        explainer.explain(AUDITOR, group, opened, "m_read", None)
    assert not_a_subject.value.field == "subject"
    user = register(fleet, "explain-member-4@fleet.example")
    for subject, target, action in (
        (device, opened, "c_list"),
        (user, opened, "m_write"),
        (user, opened, "g_update"),
        (user, device, "c_share"),
        (user, group, "c_list"),
    ):
        with pytest.raises(NotFound) as refused:
            explainer.explain(AUDITOR, subject, target, action, None)
        assert refused.value.field == "action", (subject, target, action)
