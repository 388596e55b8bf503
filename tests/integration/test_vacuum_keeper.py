"""On PostgreSQL the projecting process vacuums a read-model table once enough of its row
versions were closed, so list pages do not wade through dead versions until autovacuum."""

import time
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import psycopg
import pytest

from application.authorization import Actor
from application.things import NewThing
from domain.causes import Interface
from domain.users import Role
from interfaces.aggregates import THINGS
from interfaces.bootstrap import FleetID, build
from tests.conftest import _postgres_database, make_settings
from tests.helpers import blocking

CLI = Interface.CLI
ADMIN = Actor(id=UUID(int=1), role=Role.ADMIN)
pytestmark = pytest.mark.postgres


@pytest.fixture
def postgres_url() -> Iterator[str]:
    yield from _postgres_database()


def _vacuums(url: str, table: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = %s", (table,)
        ).fetchone()
        return int(row[0]) if row else 0


def _rename_things(fleet: FleetID, times: int) -> None:
    things = blocking(fleet[THINGS].commands)
    made = [things.provision(ADMIN, NewThing(name=f"t{i}"), CLI).id for i in range(10)]
    for round_ in range(times):
        for thing in made:
            things.update(ADMIN, thing, CLI, name=f"t{round_}")


def _wait_for_vacuum(url: str, table: str, before: int, seconds: float) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        count = _vacuums(url, table)  # the statistics collector reports within a second
        if count > before:
            return count
        time.sleep(0.2)
    return _vacuums(url, table)


def test_a_table_with_enough_closed_versions_is_vacuumed(tmp_path: Path, postgres_url: str) -> None:
    fleet = build(make_settings(tmp_path / "data", postgres_url, vacuum_after=50))
    try:
        before = _vacuums(postgres_url, "things")
        _rename_things(fleet, 6)
        assert _wait_for_vacuum(postgres_url, "things", before, 10) > before
        assert _vacuums(postgres_url, "users") == 0, "no version of users was closed"
    finally:
        fleet.close()


def test_no_vacuum_below_the_threshold_or_when_turned_off(
    tmp_path: Path, postgres_url: str
) -> None:
    for after in (1000, 0):
        fleet = build(make_settings(tmp_path / f"data{after}", postgres_url, vacuum_after=after))
        try:
            _rename_things(fleet, 6)
        finally:
            fleet.close()
    assert _wait_for_vacuum(postgres_url, "things", 0, 3) == 0
