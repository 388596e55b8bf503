"""The IdentityIndex aggregate: one holder per identity key, released and reclaimed over time."""

from typing import Any
from uuid import UUID, uuid4, uuid5

import pytest

from domain.causes import ActorKind, Cause, Interface
from domain.errors import Conflict
from domain.identities import NAMESPACE, IdentityIndex, IdentityTaken

KEY = "3f" * 32
CLAIMER = Cause(actor="admin-1", kind=ActorKind.USER, via=Interface.REST)
RELEASER = Cause.system(Interface.CLI)
RECLAIMER = Cause(actor="thing-9", kind=ActorKind.THING, via=Interface.MQTT)


def fields_of(event: Any) -> dict[str, Any]:
    skip = {"originator_id", "originator_version", "timestamp"}
    return {k: v for k, v in vars(event).items() if k not in skip}


def claimed(holder: UUID) -> IdentityIndex:
    index = IdentityIndex(key=KEY, holder=holder, cause=CLAIMER)
    index.collect_events()
    return index


def released(holder: UUID) -> IdentityIndex:
    index = claimed(holder)
    index.release(RELEASER)
    index.collect_events()
    return index


def test_the_index_id_derives_from_the_key_alone() -> None:
    """The application finds the index by its key without any lookup table."""
    assert IdentityIndex.create_id(KEY) == uuid5(NAMESPACE, KEY)
    assert IdentityIndex.create_id(KEY) == IdentityIndex.create_id(KEY)
    assert IdentityIndex.create_id(KEY) != IdentityIndex.create_id(KEY.upper())


def test_the_namespace_is_stable() -> None:
    """Changing it would orphan every stored index, letting identities be claimed twice."""
    assert UUID("8a0e4b8e-6a53-4f0c-9f37-5b8f3d1f2a10") == NAMESPACE


def test_claim_records_claimed_with_key_holder_and_cause() -> None:
    holder = uuid4()
    index = IdentityIndex(key=KEY, holder=holder, cause=CLAIMER)

    [event] = index.collect_events()
    assert type(event) is IdentityIndex.Claimed
    assert event.originator_id == IdentityIndex.create_id(KEY)
    assert event.originator_version == 1
    assert fields_of(event) == {
        "originator_topic": "domain.identities:IdentityIndex",
        "key": KEY,
        "holder": holder,
        "cause": CLAIMER,
    }
    assert index.id == IdentityIndex.create_id(KEY)
    assert index.key == KEY
    assert index.holder == holder


def test_release_records_released_and_frees_the_index() -> None:
    index = claimed(uuid4())

    index.release(RELEASER)

    [event] = index.collect_events()
    assert type(event) is IdentityIndex.Released
    assert event.originator_version == 2
    assert fields_of(event) == {"cause": RELEASER}
    assert index.holder is None
    assert index.key == KEY


def test_release_of_a_free_index_records_nothing() -> None:
    index = released(uuid4())

    index.release(RELEASER)

    assert index.collect_events() == []
    assert index.holder is None
    assert index.version == 2


def test_reclaim_of_a_free_index_records_reclaimed_for_the_new_holder() -> None:
    newcomer = uuid4()
    index = released(uuid4())

    index.reclaim(newcomer, RECLAIMER)

    [event] = index.collect_events()
    assert type(event) is IdentityIndex.Reclaimed
    assert event.originator_version == 3
    assert fields_of(event) == {"holder": newcomer, "cause": RECLAIMER}
    assert index.holder == newcomer


def test_the_former_holder_may_reclaim_a_released_identity() -> None:
    holder = uuid4()
    index = released(holder)

    index.reclaim(holder, RECLAIMER)

    assert index.holder == holder
    assert len(index.collect_events()) == 1


def test_reclaim_by_the_current_holder_records_nothing() -> None:
    """Idempotent, so a retried command does not fail on its own earlier claim."""
    holder = uuid4()
    index = claimed(holder)

    index.reclaim(holder, RECLAIMER)

    assert index.collect_events() == []
    assert index.holder == holder
    assert index.version == 1


def test_reclaim_of_a_held_index_by_someone_else_is_identity_taken() -> None:
    holder = uuid4()
    index = claimed(holder)

    with pytest.raises(IdentityTaken) as caught:
        index.reclaim(uuid4(), RECLAIMER)

    assert caught.value.field == "identity"
    assert caught.value.reason == "identity_taken"
    assert isinstance(caught.value, Conflict)
    assert index.collect_events() == []
    assert index.holder == holder


def test_an_index_can_change_hands_many_times() -> None:
    holders = [uuid4() for _ in range(3)]
    index = IdentityIndex(key=KEY, holder=holders[0], cause=CLAIMER)
    for holder in holders[1:]:
        index.release(RELEASER)
        index.reclaim(holder, RECLAIMER)

    events = index.collect_events()
    assert [type(e) for e in events] == [
        IdentityIndex.Claimed,
        IdentityIndex.Released,
        IdentityIndex.Reclaimed,
        IdentityIndex.Released,
        IdentityIndex.Reclaimed,
    ]
    assert [e.originator_version for e in events] == [1, 2, 3, 4, 5]
    assert index.holder == holders[-1]
