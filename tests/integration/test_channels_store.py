"""Channels through the applications, the event log and the projections, on both databases."""

from uuid import UUID

import pytest

from application.authorization import Actor
from application.channels import ChannelExists, NewChannel
from application.ports.channels import ChannelFilter
from domain.causes import Interface
from domain.errors import NotFound
from domain.switchable import Status
from domain.users import Role
from interfaces.aggregates import CHANNELS
from interfaces.bootstrap import FleetID
from tests.helpers import blocking
from tests.integration.test_users_store import dump, register

CLI = Interface.CLI
ADMIN = Actor(id=UUID(int=1), role=Role.ADMIN)


def test_channels_are_listed_owned_and_rebuilt_identically(fleet: FleetID) -> None:
    owner = Actor(id=register(fleet, "sam@fleet.example"), role=Role.USER)
    stranger = Actor(id=register(fleet, "tia@fleet.example"), role=Role.USER)
    first = blocking(fleet[CHANNELS].commands).open(owner, NewChannel(name="Heat"), CLI).id
    blocking(fleet[CHANNELS].commands).open_many(
        owner, [NewChannel(name="Light"), NewChannel(name="Off", status=Status.DISABLED)], CLI
    )
    blocking(fleet[CHANNELS].commands).update(
        owner, first, CLI, name="Heating", description="room 4", metadata={"floor": 4}
    )

    assert fleet[CHANNELS].queries.get(owner, first).description == "room 4"
    assert fleet[CHANNELS].queries.page(owner, ChannelFilter(metadata={"floor": 4})).total == 1
    assert fleet[CHANNELS].queries.page(owner, ChannelFilter(status="all")).total == 3
    assert fleet[CHANNELS].queries.page(stranger, ChannelFilter(status="all")).total == 0
    with pytest.raises(NotFound):
        fleet[CHANNELS].queries.get(stranger, first)
    with pytest.raises(ChannelExists):
        blocking(fleet[CHANNELS].commands).open(ADMIN, NewChannel(id=first), CLI)

    live = dump(fleet)
    fleet.projections.rebuild()
    assert dump(fleet) == live
    assert len(live["channels"]) == 5, "3 opened, 1 disabled at creation, 1 update"
