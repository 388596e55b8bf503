"""Balances under concurrency, on SQLite and PostgreSQL: threads (standing for workers) racing
to reserve never take more than the balance, and random interleavings of reserve, commit,
release and balance changes leave no version of the balance negative, with the read model
agreeing with the log."""

import asyncio
import contextlib
import itertools
from concurrent.futures import ThreadPoolExecutor
from uuid import uuid4

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.authorization import Actor
from application.consistency import ConcurrentModification
from domain.allocations import InsufficientBalance, allocation_id
from domain.causes import Cause, Interface
from domain.errors import DomainError
from domain.organizations import OrganizationDetails
from domain.users import Role
from infrastructure.schema import allocations
from interfaces.aggregates import ALLOCATIONS, ORGANIZATIONS
from interfaces.bootstrap import FleetID, ensure_certificate_authorities, ensure_shipped_profiles

CAUSE = Cause.system(Interface.CLI)
ADMIN = Actor(id=uuid4(), role=Role.ADMIN)
DETAILS = OrganizationDetails(
    "Street 1", "John", "j@example.com", "+38 012 345 6789", "", "", "ACTIVE"
)
names = itertools.count(1)


@pytest.fixture
def authority(fleet: FleetID) -> int:
    ensure_shipped_profiles(fleet)
    ensure_certificate_authorities(fleet)
    return 1


def organization_with(fleet: FleetID, authority: int, balance: int) -> int:
    organizations, allocations_ = fleet[ORGANIZATIONS].commands, fleet[ALLOCATIONS].commands
    number = asyncio.run(organizations.create(ADMIN, f"Org {next(names)}", DETAILS, Interface.CLI))
    asyncio.run(allocations_.grant(ADMIN, number, authority, Interface.CLI))
    asyncio.run(allocations_.change(ADMIN, number, authority, balance, True, Interface.CLI))
    return number


def versions(fleet: FleetID, organization: int) -> list[sa.Row[tuple[int, int, int, int]]]:
    query = sa.select(
        allocations.c.balance, allocations.c.used, allocations.c.reserved, allocations.c.valid_to
    ).where(allocations.c.organization == organization)
    with fleet.engine.connect() as conn:
        return list(conn.execute(query))


def test_racing_reservations_take_exactly_the_balance(fleet: FleetID, authority: int) -> None:
    organization = organization_with(fleet, authority, 50)
    commands = fleet[ALLOCATIONS].commands

    def reserve(n: int) -> bool:
        """As a client does: "try again" (a command that kept losing the race to the same
        allocation, on a loaded machine) is tried again; a refusal is final."""
        while True:
            try:
                asyncio.run(commands.reserve(organization, authority, f"b{n}", "u", 1, CAUSE))
            except InsufficientBalance:
                return False
            except ConcurrentModification:
                continue
            return True

    with ThreadPoolExecutor(8) as pool:
        taken = list(pool.map(reserve, range(80)))
    assert taken.count(True) == 50
    view = fleet[ALLOCATIONS].queries.views.get(organization, authority)
    assert view is not None
    assert (view.reserved, view.available) == (50, 0)
    assert all(b - u - r >= 0 for b, u, r, _ in versions(fleet, organization))


Operation = tuple[str, int, int]
operations = st.lists(
    st.tuples(
        st.sampled_from(["reserve", "commit", "release", "change"]),
        st.integers(0, 5),
        st.integers(0, 12),
    ),
    min_size=1,
    max_size=24,
)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations, st.integers(0, 20), st.integers(2, 4))
def test_no_interleaving_makes_a_balance_negative(
    fleet: FleetID, authority: int, ops: list[Operation], balance: int, threads: int
) -> None:
    organization = organization_with(fleet, authority, balance)
    commands = fleet[ALLOCATIONS].commands

    def run(op: Operation) -> None:
        kind, batch, count = op
        name = f"batch-{batch}"
        calls = {
            "reserve": lambda: commands.reserve(organization, authority, name, "u", count, CAUSE),
            "commit": lambda: commands.commit(organization, authority, name, count, CAUSE),
            "release": lambda: commands.release(organization, authority, name, CAUSE),
            "change": lambda: commands.change(
                ADMIN, organization, authority, count, True, Interface.CLI
            ),
        }
        with contextlib.suppress(DomainError):
            asyncio.run(calls[kind]())

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(run, ops))

    rows = versions(fleet, organization)
    assert all(b - u - r >= 0 and u >= 0 and r >= 0 for b, u, r, _ in rows)
    [current] = [(b, u, r) for b, u, r, valid_to in rows if valid_to is None]
    aggregate = fleet.log.get(allocation_id(organization, authority))
    assert current == (aggregate.balance, aggregate.used, aggregate.reserved_total)
