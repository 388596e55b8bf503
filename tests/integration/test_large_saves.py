"""A save of tens of MiB (a mass operation stored whole) is committed, in order, on either
database: on PostgreSQL the recorder splits it into statements of a few MiB, since one
parameter of about 16 MiB in psycopg's pipeline mode waits for ever."""

import asyncio
import threading
from typing import Any
from uuid import UUID

from application.authorization import Actor
from domain.users import Role
from infrastructure.postgres_recorder import STATEMENT_BYTES
from interfaces.aggregates import MASS_OPERATIONS
from interfaces.bootstrap import FleetID
from interfaces.rest.mass_operation_schemas import stored_item
from tests.twin_keys import create, key_entry, key_pair

ITEMS = 60_000
DEADLINE_SECONDS = 120


def test_a_save_of_tens_of_mib_is_committed_whole_and_in_order(fleet: FleetID) -> None:
    pair = key_pair()
    items = [
        stored_item(create(f"large-{n:05}", keys=[key_entry(pair, description="x" * 100)]))
        for n in range(ITEMS)
    ]
    actor = Actor(UUID(int=7), Role.ADMIN)
    outcome: dict[str, Any] = {}

    def submit() -> None:
        try:
            outcome["id"] = asyncio.run(fleet[MASS_OPERATIONS].commands.submit(actor, items))
        except Exception as error:  # reported below, in the test's thread
            outcome["error"] = error

    worker = threading.Thread(target=submit, daemon=True)
    worker.start()
    worker.join(DEADLINE_SECONDS)
    assert not worker.is_alive(), "the save never returned"
    assert "error" not in outcome, outcome
    stored = fleet.log.recorder.select_events(outcome["id"])
    assert sum(len(event.state) for event in stored) > 4 * STATEMENT_BYTES
    assert [event.originator_version for event in stored] == list(range(1, len(stored) + 1))
    loaded = fleet.log.get(outcome["id"])
    assert [item["objectId"] for item in loaded.items] == [  # type: ignore[union-attr]
        f"large-{n:05}" for n in range(ITEMS)
    ]
