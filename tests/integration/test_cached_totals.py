"""Page totals are remembered between requests, and counted again as soon as anything they count
changes: through this process, another process, or a table the listing only filters on."""

from collections.abc import Iterator
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa

from application.authorization import Actor
from application.groups import NewGroup
from application.ports.messages import MessageFilter
from application.ports.things import ThingFilter
from application.ports.users import UserFilter
from application.read_time import AS_OF
from application.things import NewThing
from domain.causes import Interface
from domain.senml import Measurement
from domain.users import Role
from infrastructure.message_views import SqlMessageViews
from infrastructure.schema import change_marks
from infrastructure.settings import Settings
from interfaces.aggregates import GROUPS, THINGS, USERS
from interfaces.bootstrap import FleetID, build
from tests.helpers import blocking
from tests.integration.test_users_store import register

CLI = Interface.CLI
ADMIN = Actor(id=UUID(int=1), role=Role.ADMIN)


@pytest.fixture
def other_process(fleet: FleetID, settings: Settings) -> Iterator[FleetID]:
    """A second FleetID on the same database, as another worker process would be."""
    other = build(settings)
    try:
        yield other
    finally:
        other.close()


def _things(fleet: FleetID, **filters: object) -> int:
    return fleet[THINGS].queries.page(ADMIN, ThingFilter(**filters)).total  # type: ignore[arg-type]


def _mark(fleet: FleetID, subject: str) -> int:
    with fleet.engine.connect() as conn:
        found = conn.execute(
            sa.select(change_marks.c.mark).where(change_marks.c.subject == subject)
        ).scalar_one()
        return int(found)


def test_a_total_follows_creations_made_here_and_in_another_process(
    fleet: FleetID, other_process: FleetID
) -> None:
    for name in ("a", "b"):
        blocking(fleet[THINGS].commands).provision(ADMIN, NewThing(name=name), CLI)
    assert _things(fleet) == 2
    assert _things(other_process) == 2
    blocking(other_process[THINGS].commands).provision(ADMIN, NewThing(name="c"), CLI)
    assert _things(fleet) == 3
    assert _things(other_process) == 3
    before = _mark(fleet, "things")
    blocking(fleet[THINGS].commands).provision(ADMIN, NewThing(name="d"), CLI)
    assert before < _mark(fleet, "things") <= fleet.projections.position
    assert _things(other_process) == 4
    assert _things(fleet, offset=10) == 4, "an empty page past the end still counts"


def test_a_total_filtered_on_another_table_follows_that_table(fleet: FleetID) -> None:
    """Members of a group: the users table does not change when someone joins."""
    group = blocking(fleet[GROUPS].commands).form(ADMIN, NewGroup(name="ops"), CLI).id
    people = [register(fleet, f"member{i}@fleet.example") for i in range(3)]
    members = UserFilter(member_of=group)
    assert fleet[USERS].queries.page(ADMIN, members).total == 0
    for count, person in enumerate(people, start=1):
        blocking(fleet[GROUPS].commands).assign(ADMIN, person, group, ["g_list"], CLI)
        assert fleet[USERS].queries.page(ADMIN, members).total == count


def test_a_read_of_the_past_counts_then_not_now(fleet: FleetID) -> None:
    blocking(fleet[THINGS].commands).provision(ADMIN, NewThing(name="early"), CLI)
    then = fleet.projections.position
    blocking(fleet[THINGS].commands).provision(ADMIN, NewThing(name="late"), CLI)
    assert _things(fleet) == 2
    token = AS_OF.set(then)
    try:
        assert _things(fleet) == 1
    finally:
        AS_OF.reset(token)
    assert _things(fleet) == 2


def test_a_channel_total_follows_its_messages_and_no_others(fleet: FleetID) -> None:
    views = SqlMessageViews(fleet.reads)
    channel, elsewhere, publisher = uuid4(), uuid4(), uuid4()

    def store(on: UUID, count: int, start: float) -> None:
        records = [Measurement("temp", "Cel", start + i, value=float(i)) for i in range(count)]
        fleet.message_writer.append(on, publisher, "http", start, records).result()

    store(channel, 5, 1000.0)
    assert views.page(MessageFilter(channel)).total == 5
    assert views.aggregate(MessageFilter(channel), "count", 2.0).total == 3
    store(elsewhere, 7, 1000.0)
    assert views.page(MessageFilter(channel)).total == 5
    store(channel, 2, 2000.0)
    assert views.page(MessageFilter(channel)).total == 7
    assert views.page(MessageFilter(channel, name="temp", offset=50)).total == 7
    assert views.aggregate(MessageFilter(channel), "count", 2.0).total == 4
