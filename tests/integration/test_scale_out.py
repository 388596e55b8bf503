"""Several FleetID processes on one database: one applies projections, the others follow.

Each `build()` here stands for a process: its own event log connections, writer, runner and
key cache. Both run in this test process, on the real database.
"""

from collections.abc import Iterator
from contextlib import nullcontext
from uuid import UUID

import pytest
import sqlalchemy as sa

from application.authorization import Actor
from application.channels import NewChannel
from application.ports.users import UserFilter
from application.projections.users import UsersProjection
from application.things import NewThing
from application.users import NewUser
from domain.causes import Cause, Interface
from domain.errors import Forbidden, Unauthenticated
from domain.users import Role
from infrastructure.projection_runner import ProjectionRunner
from infrastructure.schema import users
from infrastructure.settings import Settings
from interfaces.aggregates import CHANNELS, CONNECTIONS, THINGS, USERS
from interfaces.bootstrap import FleetID, build
from tests.helpers import blocking

ADMIN = Actor(id=UUID(int=1), role=Role.ADMIN)
CLI = Interface.CLI


@pytest.fixture
def pair(settings: Settings) -> Iterator[tuple[FleetID, FleetID]]:
    leader = build(settings)
    follower = build(settings)
    try:
        yield leader, follower
    finally:
        follower.close()
        leader.close()


def register(fleet: FleetID, identity: str) -> UUID:
    return (
        blocking(fleet[USERS].commands)
        .register(NewUser(identity, "long enough secret"), ADMIN, CLI)
        .id
    )


def test_only_one_process_applies_projections(pair: tuple[FleetID, FleetID]) -> None:
    leader, follower = pair

    assert leader.projections.leading
    assert not follower.projections.leading


def test_a_follower_reads_its_own_writes(pair: tuple[FleetID, FleetID]) -> None:
    leader, follower = pair

    user_id = register(follower, "via.follower@fleet.example")

    assert follower[USERS].queries.get(ADMIN, user_id).identity == "via.follower@fleet.example"
    assert leader[USERS].queries.get(ADMIN, user_id).id == user_id


def test_a_follower_takes_over_when_the_leader_stops(settings: Settings) -> None:
    leader = build(settings)
    follower = build(settings)
    try:
        register(leader, "before@fleet.example")
        leader.close()

        user_id = register(follower, "after@fleet.example")

        assert follower.projections.leading
        page = follower[USERS].queries.page(ADMIN, UserFilter(limit=100))
        assert {u.identity for u in page.items} == {"before@fleet.example", "after@fleet.example"}
        assert follower[USERS].queries.get(ADMIN, user_id).id == user_id
    finally:
        follower.close()


def test_an_erasure_empties_every_process_key_cache(pair: tuple[FleetID, FleetID]) -> None:
    leader, follower = pair
    user_id = register(leader, "forget.me@fleet.example")
    sealed = leader.keyring.seal(str(user_id), "name", "Forget Me", first=False)
    assert follower.keyring.unseal(str(user_id), "name", sealed) == b'"Forget Me"'

    blocking(leader[USERS].commands).erase(user_id, Cause.system(CLI))
    follower.projections.wait_for(leader.log.recorder.max_notification_id() or 0)

    assert follower.keyring.unseal(str(user_id), "name", sealed) is None


class _AlwaysHeld:
    """Forces the double-leader case a lost lock connection could cause."""

    def try_acquire(self) -> bool:
        return True

    def release(self) -> None:
        pass


def test_a_second_applier_is_fenced_off_and_applies_nothing(fleet: FleetID) -> None:
    intruder = ProjectionRunner(
        fleet.log,
        fleet.engine,
        [UsersProjection()],
        lock=_AlwaysHeld(),
        write_lock=nullcontext(),
        timeout=5,
    )
    register(fleet, "once@fleet.example")

    assert intruder.position == 0, "it still believes nothing was applied"
    assert intruder.run_once() == 0

    with fleet.engine.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(users)).scalar_one()
    assert count == 1


def test_a_disable_reaches_every_process_session_cache(pair: tuple[FleetID, FleetID]) -> None:
    leader, follower = pair
    user_id = register(leader, "cached@fleet.example")
    token = follower.services.sessions.issue(
        "cached@fleet.example", "long enough secret"
    ).access_token
    assert follower.services.sessions.authenticate(token).id == user_id

    blocking(leader[USERS].commands).disable(ADMIN, user_id, CLI)
    follower.projections.wait_for(leader.log.recorder.max_notification_id() or 0)

    with pytest.raises(Unauthenticated):
        follower.services.sessions.authenticate(token)


def test_another_process_stops_accepting_a_replaced_secret(pair: tuple[FleetID, FleetID]) -> None:
    leader, follower = pair
    user_id = register(leader, "rotate@fleet.example")
    follower.services.sessions.issue("rotate@fleet.example", "long enough secret")
    me = Actor(id=user_id, role=Role.USER)

    blocking(leader[USERS].commands).change_secret(
        me, "long enough secret", "a brand new secret", CLI
    )
    follower.projections.wait_for(leader.log.recorder.max_notification_id() or 0)

    with pytest.raises(Unauthenticated):
        follower.services.sessions.issue("rotate@fleet.example", "long enough secret")
    assert follower.services.sessions.issue(
        "rotate@fleet.example", "a brand new secret"
    ).access_token


def test_a_disconnect_in_one_process_denies_the_next_check_in_another(
    pair: tuple[FleetID, FleetID],
) -> None:
    leader, follower = pair
    thing = (
        blocking(follower[THINGS].commands)
        .provision(ADMIN, NewThing(secret="scale-secret-1"), CLI)
        .id
    )
    channel = blocking(follower[CHANNELS].commands).open(ADMIN, NewChannel(name="c"), CLI).id
    blocking(follower[CONNECTIONS].commands).connect(ADMIN, [thing], [channel], None, CLI)
    leader[CONNECTIONS].queries.check("scale-secret-1", channel, "m_write")

    blocking(follower[CONNECTIONS].commands).disconnect(ADMIN, [thing], [channel], CLI)

    with pytest.raises(Forbidden):
        leader[CONNECTIONS].queries.check("scale-secret-1", channel, "m_write")
    blocking(leader[CONNECTIONS].commands).connect(ADMIN, [thing], [channel], ["m_read"], CLI)
    follower[CONNECTIONS].queries.check("scale-secret-1", channel, "m_read")
    blocking(leader[THINGS].commands).disable(ADMIN, thing, CLI)
    with pytest.raises(Forbidden):
        follower[CONNECTIONS].queries.check("scale-secret-1", channel, "m_read")
