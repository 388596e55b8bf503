"""The service-layer tier: command and query scenarios run on FleetID's services.

Each scenario runs twice: on the in-memory fakes of tests/fakes (the fast tier: the whole of it
takes seconds), and on a real SQLite database built by the composition root, with only the
mailer replaced. Both answering the same keeps the fakes true to the adapters they stand for.
"""

import asyncio
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest

from application.authorization import Actor
from domain.causes import Interface
from domain.users import Role
from infrastructure.settings import Settings
from interfaces.aggregates import USERS
from interfaces.bootstrap import build
from interfaces.registry import Key
from interfaces.services import Services
from tests.conftest import ADMIN_IDENTITY, ADMIN_SECRET, make_settings
from tests.fakes import memory_services
from tests.fakes.outside import MemoryMailer

T = TypeVar("T")
VIA = Interface.REST


@dataclass(frozen=True)
class World:
    """The services of one FleetID, its outbox, and its first admin."""

    services: Services
    mailer: MemoryMailer
    admin: Actor

    def __getitem__(self, key: Key[T]) -> T:
        return self.services[key]

    @staticmethod
    def run(command: Awaitable[T]) -> T:
        """Commands are coroutines; a scenario awaits each before the next, as a client does."""
        return asyncio.run(_awaited(command))


async def _awaited(command: Awaitable[T]) -> T:
    return await command


def _with_admin(services: Services, mailer: MemoryMailer) -> World:
    made = World.run(services[USERS].commands.ensure_admin(ADMIN_IDENTITY, ADMIN_SECRET, VIA))
    assert made is not None
    return World(services, mailer, Actor(made.id, Role.ADMIN))


@pytest.fixture(params=["memory", "sqlite"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    settings: Settings = make_settings(tmp_path / "data", f"sqlite:///{tmp_path / 'fleetid.db'}")
    if request.param == "memory":
        fakes = memory_services(settings)
        yield _with_admin(fakes.services, fakes.mailer)
        return
    mailer = MemoryMailer()
    fleet = build(settings, ports={"mailer": mailer})
    try:
        yield _with_admin(fleet.services, mailer)
    finally:
        fleet.close()
