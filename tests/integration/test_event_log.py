"""The event log as auditors read it, on SQLite and PostgreSQL: every event indexed in global
order with its cause, pages and filters over the index, lines built from the stored rows."""

import json
import time
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from application.authorization import Actor
from application.ports.event_log import EventFilter
from application.users import NewUser
from domain.causes import Interface
from domain.errors import Forbidden, InvalidValue
from domain.users import Role
from infrastructure.log_entries import entry_of
from infrastructure.settings import Settings
from interfaces import verify_log
from interfaces.aggregates import USERS
from interfaces.bootstrap import FleetID, build
from tests.helpers import blocking
from tests.integration.test_mqtt_access import thing
from tests.integration.test_users_store import ADMIN, CLI, register

AUDITOR = Actor(id=UUID(int=7), role=Role.AUDITOR)


def indexed(fleet: FleetID) -> int:
    """Wait for the trail (it follows the log in the background) to index every event."""
    target = fleet.raw_log.last_position()
    deadline = time.monotonic() + 10
    while fleet.audit_trail.indexed_to() < target:
        assert time.monotonic() < deadline, "the audit trail did not catch up"
        time.sleep(0.02)
    return target


def events(fleet: FleetID, **filters: Any) -> list[dict[str, Any]]:
    """Every matching event, walking the pages as a client would (small pages on purpose)."""
    found: list[dict[str, Any]] = []
    after = 0
    while True:
        page = fleet.services.event_log.page(AUDITOR, EventFilter(after=after, limit=3, **filters))
        found += [json.loads(line) for line in page.lines]
        after = page.next
        if not page.more:
            return found


def test_every_event_is_indexed_in_order_with_its_cause(fleet: FleetID) -> None:
    user = register(fleet, "ida@fleet.example", name="Ida")
    blocking(fleet[USERS].commands).update(ADMIN, user, Interface.REST, name="Ida Black")
    device = thing(fleet, "device-secret-1")
    last = indexed(fleet)

    everything = events(fleet)

    assert [e["position"] for e in everything] == list(range(1, last + 1))
    mine = [e for e in everything if e["aggregate_id"] == str(user)]
    assert [(e["aggregate_type"], e["event_type"], e["version"]) for e in mine] == [
        ("User", "Registered", 1),
        ("User", "Renamed", 2),
    ]
    assert [(e["actor"], e["actor_kind"], e["interface"]) for e in mine] == [
        (str(ADMIN.id), "user", "cli"),
        (str(ADMIN.id), "user", "rest"),
    ]
    assert all(datetime.fromisoformat(e["recorded_at"]).tzinfo for e in everything)
    assert any(e["aggregate_id"] == str(device) for e in everything)


def test_filters_select_by_aggregate_type_actor_and_time(fleet: FleetID) -> None:
    first = register(fleet, "jon@fleet.example")
    second = register(fleet, "kim@fleet.example")
    blocking(fleet[USERS].commands).disable(ADMIN, second, CLI)
    device = thing(fleet, "device-secret-2")
    indexed(fleet)

    assert {e["aggregate_id"] for e in events(fleet, aggregate_id=second)} == {str(second)}
    assert [e["event_type"] for e in events(fleet, aggregate_id=second)] == [
        "Registered",
        "Disabled",
    ]
    assert [e["aggregate_id"] for e in events(fleet, event_type="Disabled")] == [str(second)]
    users = {e["aggregate_id"] for e in events(fleet, aggregate_type="User")}
    assert {str(first), str(second)} <= users
    assert str(device) not in users
    by_admin = events(fleet, actor=str(ADMIN.id))
    assert by_admin
    assert {e["actor"] for e in by_admin} == {str(ADMIN.id)}
    times = [datetime.fromisoformat(e["recorded_at"]) for e in events(fleet)]
    middle = sorted(times)[len(times) // 2]
    later = events(fleet, since=middle)
    earlier = events(fleet, until=middle)
    assert len(later) + len(earlier) == len(times)
    assert all(datetime.fromisoformat(e["recorded_at"]) >= middle for e in later)
    assert events(fleet, since=middle + timedelta(days=1)) == []


def test_personal_data_stays_sealed_in_the_lines(fleet: FleetID) -> None:
    blocking(fleet[USERS].commands).register(
        NewUser(identity="liv.secret@fleet.example", secret="sup3r-secret", name="Liv Person"),
        None,
        Interface.REST,
    )
    indexed(fleet)

    lines = b"".join(fleet.services.event_log.page(AUDITOR, EventFilter(limit=1000)).lines)

    for plain in (b"liv.secret@fleet.example", b"Liv Person", b"sup3r-secret"):
        assert plain not in lines
    assert b'"interface":"rest"' in lines


def test_only_auditors_and_admins_read_the_log_and_bad_pages_are_refused(fleet: FleetID) -> None:
    user = Actor(id=UUID(int=9), role=Role.USER)
    with pytest.raises(Forbidden):
        fleet.services.event_log.page(user, EventFilter())
    assert fleet.services.event_log.page(ADMIN, EventFilter()).more is False
    for bad in (EventFilter(limit=0), EventFilter(limit=1001), EventFilter(after=-1)):
        with pytest.raises(InvalidValue):
            fleet.services.event_log.page(AUDITOR, bad)


def test_two_processes_indexing_in_turn_keep_one_tree(fleet: FleetID, settings: Settings) -> None:
    """Each trail remembers the tree's edge after its own append; an append by another process
    (here the second trail, as a CLI or a new leader would) must not make it extend a stale
    one."""
    fleet.audit_trail.close()
    other = build(settings)
    try:
        for trail, users in (
            (fleet.audit_trail, 3),
            (other.audit_trail, 5),
            (fleet.audit_trail, 2),
        ):
            for _ in range(users):
                register(fleet, f"{uuid4().hex}@example.com")
            trail.catch_up()
            assert trail.indexed_to() == fleet.raw_log.last_position()
        size = fleet.log_tree.size()
        lines = [entry_of(n).leaf_hash for n in fleet.raw_log.after(0, size + 1)]
        assert len(lines) == size
        assert fleet.log_tree.tree.root(size) == verify_log.root_of(lines)
    finally:
        other.close()


def test_the_trail_indexes_what_was_committed_whichever_process_stored_it(
    fleet: FleetID, settings: Settings
) -> None:
    """The leader's own saves reach the trail as committed, so an alteration of the row before
    it is indexed is caught; another process's saves are read from the store."""
    from tests.integration.test_log_tamper import modify  # which imports this module

    fleet.audit_trail.close()
    follower = build(settings)
    try:
        register(fleet, f"{uuid4().hex}@example.com")
        register(follower, f"{uuid4().hex}@example.com")
        mine = fleet.raw_log.last_position()
        register(fleet, f"{uuid4().hex}@example.com")
        assert follower.audit_trail.indexed_to() == 0
        modify(fleet, mine + 1)
        fleet.audit_trail.catch_up()
    finally:
        follower.close()
    size = fleet.log_tree.size()
    stored = fleet.raw_log.after(0, size + 1)
    assert [n.id for n in stored] == [e["position"] for e in events(fleet)], (
        "every stored event is indexed, in order"
    )
    hashes = [entry_of(n).leaf_hash for n in stored]
    tree = [fleet.log_tree.leaf_hash(i) for i in range(size)]
    differing = [n.id for n, h, t in zip(stored, hashes, tree, strict=True) if h != t]
    assert differing == [mine + 1], "only the row altered after its commit differs"
