"""A command that keeps losing its race: each rerun loads fresh state, and when every rerun loses,
the caller gets a conflict and the log holds none of the losing changes."""

import asyncio
from collections.abc import Sequence
from uuid import UUID

import pytest
from eventsourcing.domain import Aggregate

from application.authorization import Actor
from application.consistency import ATTEMPTS, ConcurrentModification, run_command
from application.users import NewUser
from domain.causes import Interface
from domain.users import Role, User
from interfaces.aggregates import USERS
from interfaces.bootstrap import FleetID
from tests.helpers import blocking

ADMIN = Actor(id=UUID(int=1), role=Role.ADMIN)


def _registered(fleet: FleetID, identity: str) -> UUID:
    commands = blocking(fleet[USERS].commands)
    return commands.register(NewUser(identity, "long enough secret"), ADMIN, Interface.CLI).id


def _user(fleet: FleetID, user_id: UUID) -> User:
    user = fleet.log.repository.get(user_id)
    assert isinstance(user, User)
    return user


def test_a_command_that_loses_every_rerun_is_a_conflict_and_stores_nothing(
    fleet: FleetID,
) -> None:
    user_id = _registered(fleet, "racer@example.com")
    cause = ADMIN.cause(Interface.CLI)
    before = _user(fleet, user_id).version
    loads: list[int] = []

    def command() -> tuple[None, Sequence[Aggregate]]:
        """Loads the user, then a rival commits a change to it before this one is saved."""
        mine = _user(fleet, user_id)
        loads.append(mine.version)
        rival = _user(fleet, user_id)
        rival.replace_tags([f"rival-{len(loads)}"], cause)
        fleet.writer.submit(rival).result()
        mine.replace_tags(["mine"], cause)
        return None, [mine]

    with pytest.raises(ConcurrentModification):
        asyncio.run(run_command(fleet.writer, fleet.projections, command))

    assert loads == [before + n for n in range(ATTEMPTS)], "each rerun loads the newest state"
    user = _user(fleet, user_id)
    assert user.version == before + ATTEMPTS
    assert user.tags == [f"rival-{ATTEMPTS}"]


def test_a_command_that_loses_some_reruns_lands_once(fleet: FleetID) -> None:
    user_id = _registered(fleet, "second@example.com")
    cause = ADMIN.cause(Interface.CLI)
    before = _user(fleet, user_id).version
    rivals = 3
    runs: list[int] = []

    def command() -> tuple[int, Sequence[Aggregate]]:
        mine = _user(fleet, user_id)
        runs.append(mine.version)
        if len(runs) <= rivals:
            rival = _user(fleet, user_id)
            rival.replace_tags([f"rival-{len(runs)}"], cause)
            fleet.writer.submit(rival).result()
        mine.replace_tags(["mine"], cause)
        return len(runs), [mine]

    assert asyncio.run(run_command(fleet.writer, fleet.projections, command)) == rivals + 1
    user = _user(fleet, user_id)
    assert (user.version, user.tags) == (before + rivals + 1, ["mine"])
