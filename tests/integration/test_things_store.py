"""Things through the applications, the event log and the projections, on SQLite and PostgreSQL."""

from uuid import UUID, uuid4

import pytest

from application.authorization import Actor
from application.bulk import MAX_BULK
from application.ports.things import ThingFilter
from application.things import NewThing, SecretTaken, ThingExists
from domain.causes import Interface
from domain.errors import InvalidValue, NotFound, Unauthenticated
from domain.switchable import Status
from domain.users import Role
from interfaces.aggregates import THINGS
from interfaces.bootstrap import FleetID
from tests.helpers import blocking
from tests.integration.test_users_store import dump, raw_events, register, run_threads

CLI = Interface.CLI
ADMIN = Actor(id=UUID(int=1), role=Role.ADMIN)


def provision(fleet: FleetID, actor: Actor = ADMIN, **fields: object) -> UUID:
    thing: UUID = blocking(fleet[THINGS].commands).provision(actor, NewThing(**fields), CLI).id  # type: ignore[arg-type]
    return thing


def test_a_provisioned_thing_is_listed_found_by_secret_and_owned_by_its_creator(
    fleet: FleetID,
) -> None:
    owner = Actor(id=register(fleet, "olga@fleet.example"), role=Role.USER)
    thing_id = provision(fleet, owner, name="Boiler", tags=["heat"], secret="boiler-secret-1")

    view = fleet[THINGS].queries.get(owner, thing_id)
    assert (view.name, view.tags, view.owner, view.secret) == (
        "Boiler",
        ["heat"],
        owner.id,
        "boiler-secret-1",
    )
    assert fleet[THINGS].queries.identify("boiler-secret-1") == thing_id
    page = fleet[THINGS].queries.page(owner, ThingFilter(tag="heat"))
    assert [t.id for t in page.items] == [thing_id]


def test_a_new_secret_replaces_the_old_one_at_once(fleet: FleetID) -> None:
    thing_id = provision(fleet, secret="first-secret-1")

    blocking(fleet[THINGS].commands).change_secret(ADMIN, thing_id, "second-secret-2", CLI)

    with pytest.raises(Unauthenticated):
        fleet[THINGS].queries.identify("first-secret-1")
    assert fleet[THINGS].queries.identify("second-secret-2") == thing_id
    other = provision(fleet, secret="first-secret-1")
    assert fleet[THINGS].queries.identify("first-secret-1") == other, "the old secret is free"


def test_a_disabled_thing_cannot_be_identified(fleet: FleetID) -> None:
    thing_id = provision(fleet, secret="device-secret-9")

    blocking(fleet[THINGS].commands).disable(ADMIN, thing_id, CLI)
    with pytest.raises(Unauthenticated):
        fleet[THINGS].queries.identify("device-secret-9")

    blocking(fleet[THINGS].commands).enable(ADMIN, thing_id, CLI)
    assert fleet[THINGS].queries.identify("device-secret-9") == thing_id


def test_secrets_and_external_ids_are_unique(fleet: FleetID) -> None:
    taken_id = provision(fleet, secret="shared-secret-1")

    with pytest.raises(SecretTaken):
        provision(fleet, secret="shared-secret-1")
    with pytest.raises(ThingExists):
        provision(fleet, id=taken_id)
    with pytest.raises(ThingExists):
        provision(fleet, id=register(fleet, "ida@fleet.example"))
    assert fleet[THINGS].queries.page(ADMIN, ThingFilter()).total == 1


def test_a_bulk_request_stores_all_or_nothing_and_names_the_entry(fleet: FleetID) -> None:
    provision(fleet, secret="already-used-1")
    before = dump(fleet)
    batch = [NewThing(name="a"), NewThing(name="b"), NewThing(secret="already-used-1")]

    with pytest.raises(SecretTaken) as taken:
        blocking(fleet[THINGS].commands).provision_many(ADMIN, batch, CLI)
    assert taken.value.field == "[2].credentials.secret"
    with pytest.raises(InvalidValue) as invalid:
        blocking(fleet[THINGS].commands).provision_many(
            ADMIN, [NewThing(), NewThing(tags=[""])], CLI
        )
    assert invalid.value.field == "[1].tags"
    same = uuid4()
    with pytest.raises(ThingExists) as repeated:
        blocking(fleet[THINGS].commands).provision_many(
            ADMIN, [NewThing(id=same), NewThing(id=same)], CLI
        )
    assert repeated.value.field == "[1].id"
    with pytest.raises(InvalidValue):
        blocking(fleet[THINGS].commands).provision_many(ADMIN, [NewThing()] * (MAX_BULK + 1), CLI)
    assert dump(fleet) == before

    views = blocking(fleet[THINGS].commands).provision_many(
        ADMIN, [NewThing(name=str(i)) for i in range(50)], CLI
    )
    assert fleet[THINGS].queries.page(ADMIN, ThingFilter(limit=100)).total == 51
    assert len({v.secret for v in views}) == 50


def test_strangers_neither_see_nor_change_a_thing(fleet: FleetID) -> None:
    owner = Actor(id=register(fleet, "pia@fleet.example"), role=Role.USER)
    stranger = Actor(id=register(fleet, "quinn@fleet.example"), role=Role.USER)
    thing_id = provision(fleet, owner, name="Pump")

    with pytest.raises(NotFound):
        fleet[THINGS].queries.get(stranger, thing_id)
    with pytest.raises(NotFound):
        blocking(fleet[THINGS].commands).update(stranger, thing_id, CLI, name="Mine now")
    assert fleet[THINGS].queries.page(stranger, ThingFilter()).total == 0
    assert fleet[THINGS].queries.get(ADMIN, thing_id).name == "Pump"


def test_the_log_and_read_model_hold_no_plaintext_thing_secret(fleet: FleetID) -> None:
    thing_id = provision(fleet, secret="plain-secret-77")
    blocking(fleet[THINGS].commands).change_secret(ADMIN, thing_id, "plain-secret-88", CLI)

    everything = repr(dump(fleet)).encode() + b"".join(s for _, s in raw_events(fleet))

    assert b"plain-secret-77" not in everything
    assert b"plain-secret-88" not in everything


def test_rebuild_gives_identical_thing_tables(fleet: FleetID) -> None:
    owner = register(fleet, "rae@fleet.example")
    thing_id = provision(fleet, name="Valve", metadata={"site": "north"}, status=Status.DISABLED)
    blocking(fleet[THINGS].commands).update(
        ADMIN, thing_id, CLI, name="Valve 2", metadata={"site": "south"}
    )
    blocking(fleet[THINGS].commands).replace_tags(ADMIN, thing_id, ["water"], CLI)
    blocking(fleet[THINGS].commands).change_owner(ADMIN, thing_id, owner, CLI)
    blocking(fleet[THINGS].commands).change_secret(ADMIN, thing_id, "valve-secret-3", CLI)
    blocking(fleet[THINGS].commands).enable(ADMIN, thing_id, CLI)
    live = dump(fleet)

    fleet.projections.rebuild()

    assert dump(fleet) == live
    assert len(live["things"]) == 8, "one version per event"


def test_concurrent_claims_of_one_secret_leave_exactly_one_owner(fleet: FleetID) -> None:
    outcomes: list[str] = []

    def claim(_: int) -> None:
        try:
            provision(fleet, secret="contested-secret-1")
            outcomes.append("created")
        except SecretTaken:
            outcomes.append("taken")

    run_threads(8, claim)

    assert sorted(outcomes) == ["created"] + ["taken"] * 7
    assert fleet[THINGS].queries.page(ADMIN, ThingFilter()).total == 1
