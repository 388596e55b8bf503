"""Reads on an event loop keep one connection: it must see every commit at once, and a dead one
must cost a single failed read, not every read after it."""

import asyncio
from typing import Any
from uuid import UUID

import psycopg
import pytest
import sqlalchemy as sa

from application.authorization import Actor
from application.users import NewUser
from domain.causes import Interface
from domain.users import Role
from infrastructure.prepared import PreparedSelect
from infrastructure.schema import users
from interfaces.aggregates import USERS
from interfaces.bootstrap import FleetID
from tests.conftest import POSTGRES_ADMIN_URL

ADMIN = Actor(id=UUID(int=1), role=Role.ADMIN)
COUNT = sa.select(sa.func.count().label("n")).select_from(users).where(users.c.valid_to.is_(None))


def test_a_loop_reader_sees_each_commit_as_soon_as_the_command_returns(fleet: FleetID) -> None:
    count = PreparedSelect(fleet.reads, COUNT)

    async def scenario() -> list[Any]:
        seen = [count.scalar({})]
        for n in range(3):
            new = NewUser(identity=f"fresh{n}@example.com", secret="correct horse battery")
            await fleet[USERS].commands.register(new, ADMIN, Interface.CLI)
            seen.append(count.scalar({}))
        return seen

    first, *after = asyncio.run(scenario())
    assert after == [first + 1, first + 2, first + 3]


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_loop_reader_recovers_after_its_connection_is_killed(fleet: FleetID) -> None:
    count = PreparedSelect(fleet.reads, COUNT)
    database = fleet.engine.url.database

    async def scenario() -> tuple[Any, Any]:
        before = count.scalar({})
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            killed = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (database,),
            ).fetchone()
        assert killed is not None
        assert killed[0] >= 1
        with pytest.raises(psycopg.OperationalError):
            count.scalar({})
        return before, count.scalar({})

    before, after = asyncio.run(scenario())
    assert after == before
