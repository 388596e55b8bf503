"""Users through the applications, the event log and the projections, on SQLite and PostgreSQL."""

import json
import threading
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa

from application.authorization import Actor
from application.identity_keys import IdentityKeys
from application.ports.users import UserFilter
from application.users import NewUser
from domain.causes import ActorKind, Cause, Interface
from domain.errors import Conflict, Forbidden, NotFound
from domain.identities import IdentityIndex, IdentityTaken
from domain.users import Role, User
from infrastructure.blind_index import HmacBlindIndex
from infrastructure.keyfiles import random_key
from infrastructure.log_entries import entry_of
from infrastructure.schema import metadata
from infrastructure.settings import Settings
from interfaces.aggregates import USERS
from interfaces.bootstrap import FleetID, build
from tests.helpers import blocking

CLI = Interface.CLI
ADMIN = Actor(id=UUID(int=1), role=Role.ADMIN)


def register(fleet: FleetID, identity: str, **fields: Any) -> UUID:
    new = NewUser(identity=identity, secret="correct horse battery", **fields)
    return blocking(fleet[USERS].commands).register(new, ADMIN, CLI).id


def run_threads(count: int, target: Callable[[int], None]) -> None:
    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def dump(fleet: FleetID) -> dict[str, list[tuple[Any, ...]]]:
    """Every table projections and commands write; not the audit trail's (`log_…`), which
    follows the log in the background and is never rebuilt."""
    with fleet.engine.connect() as conn:
        return {
            name: [
                tuple(row) for row in conn.execute(sa.select(table).order_by(*table.primary_key))
            ]
            for name, table in metadata.tables.items()
            if name != "subject_keys" and not name.startswith("log_")
        }


def raw_events(fleet: FleetID) -> list[tuple[str, bytes]]:
    table = fleet.log.recorder.events_table_name  # type: ignore[attr-defined]
    with fleet.engine.connect() as conn:
        rows = conn.execute(sa.text(f"SELECT topic, state FROM {table}")).all()
    return [(row[0], bytes(row[1])) for row in rows]


def test_a_write_is_visible_to_the_next_query(fleet: FleetID) -> None:
    user_id = register(fleet, "ann@fleet.example", name="Ann", tags=["ops"])

    blocking(fleet[USERS].commands).replace_tags(ADMIN, user_id, ["ops", "night"], CLI)
    page = fleet[USERS].queries.page(ADMIN, UserFilter(tag="night"))

    assert [u.id for u in page.items] == [user_id]
    assert page.items[0].tags == ["ops", "night"]


def test_every_event_records_its_cause(fleet: FleetID) -> None:
    user_id = register(fleet, "bob@fleet.example")
    blocking(fleet[USERS].commands).disable(ADMIN, user_id, Interface.REST)

    user = fleet.log.repository.get(user_id)
    events = fleet.log.repository.event_store.get(user_id)

    assert isinstance(user, User)
    causes = [e.cause for e in events]  # type: ignore[attr-defined]
    assert causes == [
        Cause(str(ADMIN.id), ActorKind.USER, CLI),
        Cause(str(ADMIN.id), ActorKind.USER, Interface.REST),
    ]


def test_concurrent_commands_on_many_users_are_group_committed(fleet: FleetID) -> None:
    ids = [register(fleet, f"user{i}@fleet.example") for i in range(20)]
    errors: list[BaseException] = []

    def update(i: int) -> None:
        try:
            for round_ in range(5):
                blocking(fleet[USERS].commands).replace_tags(
                    ADMIN, ids[i], [f"round-{round_}"], CLI
                )
        except BaseException as error:
            errors.append(error)

    run_threads(20, update)

    assert errors == []
    page = fleet[USERS].queries.page(ADMIN, UserFilter(tag="round-4", limit=100))
    assert {u.id for u in page.items} == set(ids)


def test_concurrent_commands_on_one_user_are_retried_not_lost(fleet: FleetID) -> None:
    user_id = register(fleet, "busy@fleet.example")
    errors: list[BaseException] = []

    def rename(i: int) -> None:
        try:
            blocking(fleet[USERS].commands).update(ADMIN, user_id, CLI, name=f"name-{i}")
        except BaseException as error:
            errors.append(error)

    run_threads(8, rename)

    assert errors == []
    user = fleet.log.repository.get(user_id)
    assert user.version == 1 + 8


def registered_once_by_racers(fleet: FleetID, identity: str) -> None:
    """Eight threads register `identity` at once: one wins, the others are told it is taken."""
    outcomes: list[str] = []

    def attempt(_: int) -> None:
        try:
            register(fleet, identity)
            outcomes.append("created")
        except Conflict:
            outcomes.append("conflict")

    run_threads(8, attempt)

    assert sorted(outcomes) == ["conflict"] * 7 + ["created"]
    assert fleet[USERS].queries.page(ADMIN, UserFilter(identity=identity)).total == 1


def test_one_identity_can_be_registered_once_under_concurrency(fleet: FleetID) -> None:
    registered_once_by_racers(fleet, "race@fleet.example")


def test_rebuild_gives_tables_identical_to_the_live_ones(fleet: FleetID) -> None:
    first = register(fleet, "cat@fleet.example", name="Cat", metadata={"site": "north"})
    second = register(fleet, "dan@fleet.example")
    blocking(fleet[USERS].commands).update(
        ADMIN, first, CLI, name="Catherine", metadata={"site": "south"}
    )
    blocking(fleet[USERS].commands).change_identity(ADMIN, second, "daniel@fleet.example", CLI)
    blocking(fleet[USERS].commands).disable(ADMIN, second, CLI)
    blocking(fleet[USERS].commands).change_owner(ADMIN, second, first, CLI)
    live = dump(fleet)

    replayed = fleet.projections.rebuild()

    assert replayed == fleet.log.recorder.max_notification_id()
    assert dump(fleet) == live


def test_read_models_resume_where_they_stopped(settings: Settings) -> None:
    fleet = build(settings)
    try:
        register(fleet, "eve@fleet.example")
        before = dump(fleet)
    finally:
        fleet.close()
    fleet = build(settings, follow=False)
    try:
        assert fleet.projections.catch_up() == 0
        assert dump(fleet) == before
    finally:
        fleet.close()


PERSONAL = ["frank.sample@fleet.example", "Frank Sample", "Flat 3, Elm Street", "sup3r-secret"]


def test_the_log_holds_no_plaintext_secret_or_personal_data(fleet: FleetID) -> None:
    user_id = (
        blocking(fleet[USERS].commands)
        .register(
            NewUser(
                identity=PERSONAL[0],
                secret=PERSONAL[3],
                name=PERSONAL[1],
                metadata={"address": PERSONAL[2]},
            ),
            None,
            Interface.REST,
        )
        .id
    )
    blocking(fleet[USERS].commands).change_identity(ADMIN, user_id, "frank.new@fleet.example", CLI)

    log = b"".join(topic.encode() + state for topic, state in raw_events(fleet))

    for value in [*PERSONAL, "frank.new@fleet.example"]:
        assert value.encode() not in log
        assert value.casefold().encode() not in log.lower()


def test_erasure_forgets_one_user_and_keeps_the_log_replayable(
    fleet: FleetID, tmp_path: Path
) -> None:
    gone = register(fleet, "gina@fleet.example", name="Gina", metadata={"phone": "+44 1234"})
    blocking(fleet[USERS].commands).update(ADMIN, gone, CLI, name="Gina Green")
    kept = register(fleet, "hal@fleet.example", name="Hal")

    blocking(fleet[USERS].commands).erase(gone, Cause.system(CLI))

    with pytest.raises(NotFound):
        fleet[USERS].queries.get(ADMIN, gone)
    assert fleet[USERS].queries.get(ADMIN, kept).name == "Hal"
    everything = repr(dump(fleet)).encode() + b"".join(s for _, s in raw_events(fleet))
    for value in ["gina@fleet.example", "Gina", "+44 1234"]:
        assert value.encode() not in everything
    replayed = fleet.log.repository.get(gone)
    assert (replayed.identity, replayed.name, replayed.metadata) == (None, None, {})
    live = dump(fleet)
    fleet.projections.rebuild()
    assert dump(fleet) == live
    assert register(fleet, "gina@fleet.example") != gone, "the identity is free again"


def test_owning_an_admin_grants_no_power_over_it(fleet: FleetID) -> None:
    owner_id = register(fleet, "owner@fleet.example")
    admin_id = (
        blocking(fleet[USERS].commands)
        .register(
            NewUser("second.admin@fleet.example", "correct horse battery", role=Role.ADMIN),
            ADMIN,
            CLI,
        )
        .id
    )
    blocking(fleet[USERS].commands).change_owner(ADMIN, admin_id, owner_id, CLI)
    owner = Actor(id=owner_id, role=Role.USER)

    with pytest.raises(Forbidden):
        blocking(fleet[USERS].commands).disable(owner, admin_id, CLI)
    with pytest.raises(Forbidden):
        blocking(fleet[USERS].commands).update(owner, admin_id, CLI, name="taken over")
    assert fleet[USERS].queries.get(ADMIN, admin_id).status == "enabled"


def test_identities_that_differ_only_in_compatibility_forms_are_one_user(fleet: FleetID) -> None:
    alice = register(fleet, "alice@fleet.example")

    for twin in ("\uff41lice@fleet.example", "ALICE@\uff46leet.example", "alice@\ufb02eet.example"):
        with pytest.raises(IdentityTaken):
            register(fleet, twin)
    bob = blocking(fleet[USERS].commands).register(
        NewUser(identity="\uff42ob@\uff46leet.example", secret="correct horse battery"), ADMIN, CLI
    )

    assert bob.identity == "bob@fleet.example"
    assert fleet.services.sessions.issue("\uff41lice@fleet.example", "correct horse battery")
    assert (
        fleet.services.sessions.authenticate(
            fleet.services.sessions.issue(
                "\uff41lice@fleet.example", "correct horse battery"
            ).access_token
        ).id
        == alice
    )
    page = fleet[USERS].queries.page(ADMIN, UserFilter(identity="\uff42ob@fleet.example"))
    assert [user.id for user in page.items] == [bob.id]


def test_a_stored_ascii_identity_keeps_its_index_key(fleet: FleetID) -> None:
    """Events already stored were indexed under the key of the identity's NFC, casefolded form;
    that form is unchanged wherever NFKC changes nothing, so those users still sign in."""
    identity = "Old.User@Fleet.Example"
    blind = HmacBlindIndex(random_key(fleet.settings.data_dir / "keys" / "index.key"))
    key = IdentityKeys(blind, fleet.log).key(identity)
    assert key == blind.key(unicodedata.normalize("NFC", identity).casefold())


def identity_indexes(fleet: FleetID, holder: UUID) -> set[str]:
    """The index entries whose events ever named `holder`, as an auditor reads the log."""
    lines = [json.loads(entry_of(n).line) for n in fleet.raw_log.after(0, 10**6)]
    return {
        line["aggregate_id"]
        for line in lines
        if line["aggregate_type"] == "IdentityIndex" and line["data"].get("holder") == str(holder)
    }


def test_a_reregistered_identity_is_not_linked_to_the_erased_person(fleet: FleetID) -> None:
    gone = register(fleet, "ida@fleet.example")
    blocking(fleet[USERS].commands).erase(gone, Cause.system(CLI))

    again = register(fleet, "ida@fleet.example")
    with pytest.raises(IdentityTaken):
        register(fleet, "IDA@fleet.example")

    assert (
        fleet.services.sessions.authenticate(
            fleet.services.sessions.issue("ida@fleet.example", "correct horse battery").access_token
        ).id
        == again
    )
    old, new = identity_indexes(fleet, gone), identity_indexes(fleet, again)
    assert old
    assert new
    assert not old & new
    lines = [entry_of(n).line for n in fleet.raw_log.after(0, 10**6)]
    assert not [
        line for line in lines if str(gone).encode() in line and str(again).encode() in line
    ]
    keys = [json.loads(line)["data"].get("key") for line in lines if b'"Claimed"' in line]
    assert len(keys) == len(set(keys))

    blocking(fleet[USERS].commands).erase(again, Cause.system(CLI))
    third = register(fleet, "ida@fleet.example")
    assert identity_indexes(fleet, third).isdisjoint(old | new)


def test_an_identity_changed_away_from_and_back_keeps_one_index(fleet: FleetID) -> None:
    """Only erasure retires an index entry: a live user's own history stays in one place."""
    user = register(fleet, "jo@fleet.example")
    blocking(fleet[USERS].commands).change_identity(ADMIN, user, "joanna@fleet.example", CLI)
    other = register(fleet, "jo@fleet.example")
    blocking(fleet[USERS].commands).change_identity(ADMIN, other, "jo2@fleet.example", CLI)
    blocking(fleet[USERS].commands).change_identity(ADMIN, user, "jo@fleet.example", CLI)

    mine, theirs = identity_indexes(fleet, user), identity_indexes(fleet, other)
    assert (len(mine), len(theirs), len(mine & theirs)) == (2, 2, 1)


def test_a_user_indexed_by_an_earlier_build_under_a_compatibility_form_still_signs_in(
    fleet: FleetID,
) -> None:
    """Earlier builds keyed the index on NFC alone: `\\uff41lice@…` had a key of its own."""
    typed = "\uff41l\ufb01e@fleet.example"
    user = register(fleet, "placeholder@fleet.example")
    blind = HmacBlindIndex(random_key(fleet.settings.data_dir / "keys" / "index.key"))
    old_key = blind.key(unicodedata.normalize("NFC", typed).casefold())
    cause = Cause.system(CLI)
    blocking_submit = fleet.writer.submit(IdentityIndex(key=old_key, holder=user, cause=cause))
    blocking_submit.result(timeout=10)

    tokens = fleet.services.sessions.issue(typed, "correct horse battery")

    assert fleet.services.sessions.authenticate(tokens.access_token).id == user


def test_an_erased_identity_is_registered_again_once_under_concurrency(fleet: FleetID) -> None:
    blocking(fleet[USERS].commands).erase(
        register(fleet, "erased-race@fleet.example"), Cause.system(CLI)
    )
    registered_once_by_racers(fleet, "erased-race@fleet.example")
