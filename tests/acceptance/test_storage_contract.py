"""What every command relies on from the log, held by the fake as by the database."""

import pytest

from application.ports.storage import StaleWrite
from domain.users import User
from interfaces.aggregates import USERS
from tests.acceptance.conftest import VIA, World
from tests.acceptance.test_accounts import register


def test_a_save_on_stale_state_is_refused_whole_and_changes_nothing(world: World) -> None:
    olga = register(world, "olga@fleet.example", name="Olga")
    ports, cause = world.services.wiring.ports, world.admin.cause(VIA)
    first, second = ports.reader.get(olga.id), ports.reader.get(olga.id)
    assert isinstance(first, User)
    assert isinstance(second, User)

    first.rename("Olga M.", cause)
    ports.writer.submit(first).result()
    second.rename("Olga K.", cause)
    second.replace_tags(["late"], cause)
    with pytest.raises(StaleWrite):
        ports.writer.submit(second).result()

    shown = world[USERS].queries.get(world.admin, olga.id)
    assert (shown.name, shown.tags) == ("Olga M.", [])


def test_positions_grow_with_each_save_and_the_read_models_reach_them(world: World) -> None:
    ports = world.services.wiring.ports
    olga = register(world, "olga@fleet.example")
    before = ports.applied()
    user = ports.reader.get(olga.id)
    assert isinstance(user, User)

    user.replace_tags(["a"], world.admin.cause(VIA))
    user.replace_tags(["b"], world.admin.cause(VIA))
    position = ports.writer.submit(user).result()

    assert position == before + 2
    world.run(ports.sync.settled(position))
    assert ports.applied() >= position
    assert world[USERS].queries.get(world.admin, olga.id).tags == ["b"]
