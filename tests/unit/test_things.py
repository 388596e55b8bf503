"""Every rule of the Thing aggregate, checked on the state it reaches and the events it records."""

from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.causes import ActorKind, Cause, Interface
from domain.errors import InvalidValue
from domain.things import (
    MAX_IDENTITY_LENGTH,
    MAX_SECRET_LENGTH,
    MIN_SECRET_LENGTH,
    SealedSecret,
    Status,
    Thing,
    check_thing_secret,
)

OWNER = Cause(actor="user-1", kind=ActorKind.USER, via=Interface.REST)
FIRST = SealedSecret(lookup="a1" * 32, sealed="c2VhbGVkLTE=")
SECOND = SealedSecret(lookup="b2" * 32, sealed="c2VhbGVkLTI=")


def provision(**overrides: Any) -> Thing:
    fields: dict[str, Any] = {
        "id": uuid4(),
        "identity": "boiler-7",
        "name": "Boiler",
        "tags": ["heat"],
        "metadata": {"floor": 3},
        "owner": uuid4(),
        "secret": FIRST,
        "cause": OWNER,
    }
    return Thing.provision(**(fields | overrides))


def replayed(thing: Thing) -> Thing:
    events = thing.collect_events()
    copy: Thing | None = None
    for event in events:
        copy = event.mutate(copy)  # type: ignore[assignment]
    assert copy is not None
    return copy


def test_provisioning_records_everything_but_the_plain_secret() -> None:
    thing = provision()

    (event,) = thing.pending_events
    assert isinstance(event, Thing.Provisioned)
    assert (event.secret_lookup, event.sealed_secret) == (FIRST.lookup, FIRST.sealed)
    assert thing.status is Status.ENABLED
    assert thing.secret == FIRST


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "x" * 2000}, "name"),
        ({"tags": [""]}, "tags"),
        ({"metadata": {"k": "nul\x00"}}, "metadata"),
        ({"identity": "i" * (MAX_IDENTITY_LENGTH + 1)}, "identity"),
        ({"identity": "bell\x07"}, "identity"),
    ],
)
def test_invalid_fields_are_refused_by_name(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        provision(**overrides)
    assert refused.value.field == field


@pytest.mark.parametrize(
    "secret",
    ["s" * (MIN_SECRET_LENGTH - 1), "s" * (MAX_SECRET_LENGTH + 1), "has space", "tab\there1", ""],
)
def test_secrets_that_cannot_travel_in_a_header_are_refused(secret: str) -> None:
    with pytest.raises(InvalidValue):
        check_thing_secret(secret)


def test_unchanged_status_and_owner_record_nothing() -> None:
    thing = provision()
    thing.collect_events()

    thing.enable(OWNER)
    thing.change_owner(thing.owner, OWNER)  # type: ignore[arg-type]

    assert thing.pending_events == []
    thing.disable(OWNER)
    thing.disable(OWNER)
    assert [type(e) for e in thing.collect_events()] == [Thing.Disabled]


def test_changes_record_who_made_them_and_replay_to_the_same_state() -> None:
    device = Cause(actor="thing-9", kind=ActorKind.THING, via=Interface.MQTT)
    thing = provision()
    thing.rename("Boiler 2", OWNER)
    thing.replace_metadata({"floor": 4}, OWNER)
    thing.replace_tags(["heat", "heat", "eu"], device)
    thing.change_secret(SECOND, OWNER)
    thing.disable(OWNER)
    state = dict(vars(thing))

    copy = replayed(thing)

    assert thing.tags == ["heat", "eu"], "duplicate tags collapse"
    assert thing.updated_by == "user-1"
    assert {k: v for k, v in vars(copy).items() if k != "_pending_events"} == {
        k: v for k, v in state.items() if k != "_pending_events"
    }


@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("rename"), st.text(max_size=20).filter(str.isprintable)),
            st.tuples(st.just("tags"), st.lists(st.sampled_from(["a", "b", "c"]), max_size=4)),
            st.tuples(st.just("status"), st.booleans()),
            st.tuples(st.just("secret"), st.sampled_from([FIRST, SECOND])),
        ),
        max_size=20,
    )
)
def test_any_command_sequence_replays_to_the_same_state(commands: list[tuple[str, Any]]) -> None:
    thing = provision()
    for kind, value in commands:
        if kind == "rename":
            thing.rename(value, OWNER)
        elif kind == "tags":
            thing.replace_tags(value, OWNER)
        elif kind == "status":
            (thing.enable if value else thing.disable)(OWNER)
        else:
            thing.change_secret(value, OWNER)
    state = {k: v for k, v in vars(thing).items() if k != "_pending_events"}

    copy = replayed(thing)

    assert {k: v for k, v in vars(copy).items() if k != "_pending_events"} == state
