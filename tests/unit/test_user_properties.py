"""Invariants of the user domain over random command sequences (docs/architecture.md §9).

(a) Replaying the recorded events rebuilds exactly the live aggregate, after every step.
(b) Driven the way the application drives them (claim on register and on identity change,
    release on change and erasure, all or nothing per command), identity indexes never let two
    live users hold the same identity, compared casefolded.
"""

import copy
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    multiple,
    rule,
)

from domain.aggregate import FleetAggregate
from domain.causes import ActorKind, Cause, Interface
from domain.errors import DomainError
from domain.identities import IdentityIndex, IdentityTaken
from domain.switchable import Status
from domain.users import Role, User, UserErased
from domain.values import MAX_METADATA_KEYS, MAX_NAME_LENGTH

USER_ID = UUID("00000000-0000-4000-8000-000000000001")
OTHER_USER = UUID("00000000-0000-4000-8000-000000000002")
SELF = "self"  # stands for the user's own id, which change_owner must refuse

causes = st.builds(
    Cause,
    actor=st.text(min_size=1, max_size=6),
    kind=st.sampled_from(ActorKind),
    via=st.sampled_from(Interface),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=6,
)
VISIBLE = st.characters(blacklist_categories=("Cc", "Cs"))
"""Registration must succeed: its own refusals are covered by the step commands."""
identities = st.text(max_size=8) | st.sampled_from(["ada@x.io", "ADA@x.io", " ada", "x" * 255])
names = st.text(max_size=12) | st.just("n" * (MAX_NAME_LENGTH + 1))
metadatas = st.dictionaries(st.text(max_size=4), json_values, max_size=4) | st.just(
    {str(i): i for i in range(MAX_METADATA_KEYS + 1)}
)
tag_lists = st.lists(st.text(max_size=4), max_size=6)
owners = st.sampled_from([None, OTHER_USER, SELF])

commands = st.one_of(
    st.tuples(st.just("rename"), names),
    st.tuples(st.just("replace_metadata"), metadatas),
    st.tuples(st.just("replace_tags"), tag_lists),
    st.tuples(st.just("change_owner"), owners),
    st.tuples(st.just("change_identity"), identities),
    st.tuples(st.just("change_secret"), st.text(max_size=8)),
    st.tuples(st.sampled_from(["enable", "disable", "erase"]), st.none()),
)


def state_of(aggregate: FleetAggregate) -> dict[str, Any]:
    """Everything the aggregate knows, id, version and timestamps included; pending events are
    in flight, not state."""
    return copy.deepcopy({k: v for k, v in vars(aggregate).items() if k != "_pending_events"})


def replay(events: Sequence[Any]) -> Any:
    aggregate = events[0].mutate(None)
    for event in events[1:]:
        aggregate = event.mutate(aggregate)
    return aggregate


def apply(user: User, name: str, arg: Any, cause: Cause) -> None:
    if name == "change_owner":
        user.change_owner(user.id if arg == SELF else arg, cause)
    elif name in {"enable", "disable", "erase"}:
        getattr(user, name)(cause)
    else:
        getattr(user, name)(arg, cause)


@settings(max_examples=100, deadline=None)
@given(
    steps=st.lists(st.tuples(commands, causes), max_size=25),
    tags=st.lists(st.text(VISIBLE, min_size=1, max_size=4), max_size=6),
    metadata=st.dictionaries(st.text(VISIBLE, max_size=4), st.text(VISIBLE), max_size=3),
)
def test_replay_rebuilds_the_live_user_after_every_step(
    steps: list[tuple[tuple[str, Any], Cause]], tags: list[str], metadata: dict[str, Any]
) -> None:
    user = User.register(
        id=USER_ID,
        identity="ada@x.io",
        secret_hash="h",
        name="Ada",
        tags=tags,
        metadata=metadata,
        role=Role.USER,
        owner=None,
        cause=Cause.system(Interface.CLI),
    )
    recorded: list[Any] = list(user.collect_events())
    states = [state_of(user)]

    for (name, arg), cause in steps:
        before = state_of(user)
        was_erased = user.is_erased
        refusal: DomainError | None = None
        try:
            apply(user, name, arg, cause)
        except DomainError as error:
            refusal = error
        if refusal is not None:
            # A refused command changes nothing and records nothing.
            assert state_of(user) == before
            assert user.collect_events() == []
            assert not was_erased or isinstance(refusal, UserErased)
            continue
        assert not was_erased, "an erased user accepted a change"
        new = user.collect_events()
        assert len(new) <= 1
        if not new:
            # Only enabling an enabled user or disabling a disabled one may record nothing.
            assert (name, user.status) in {("enable", Status.ENABLED), ("disable", Status.DISABLED)}
            assert state_of(user) == before
            continue
        recorded.extend(new)
        states.append(state_of(user))

    assert [e.originator_version for e in recorded] == list(range(1, len(recorded) + 1))
    for count, expected in enumerate(states, start=1):
        assert state_of(replay(recorded[:count])) == expected


class EventStore:
    """An in-memory event store: aggregates are rebuilt from their events on every load, and a
    save appends all of its aggregates' new events or none of them."""

    def __init__(self) -> None:
        self.streams: dict[UUID, list[Any]] = {}

    def get(self, aggregate_id: UUID) -> Any:
        events = self.streams.get(aggregate_id)
        return replay(events) if events else None

    def user(self, user_id: UUID) -> User:
        user = self.get(user_id)
        assert isinstance(user, User)
        return user

    def index(self, index_id: UUID) -> IdentityIndex | None:
        index = self.get(index_id)
        assert index is None or isinstance(index, IdentityIndex)
        return index

    def save(self, *aggregates: FleetAggregate) -> None:
        pending = {a.id: a.collect_events() for a in aggregates}
        for aggregate_id, events in pending.items():
            if events:  # optimistic concurrency: the new events must follow the stored ones
                assert events[0].originator_version == len(self.streams.get(aggregate_id, [])) + 1
        for aggregate_id, events in pending.items():
            self.streams.setdefault(aggregate_id, []).extend(events)


def index_id(identity: str) -> UUID:
    """The application keys the index on a keyed hash of the casefolded identity; the casefolded
    identity itself is an equally injective key for these tests."""
    return IdentityIndex.create_id(identity.casefold())


class UserIdentities:
    """The application's identity rules (application/users.py), over the in-memory store."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.cause = Cause.system(Interface.REST)

    def register(self, user_id: UUID, identity: str) -> None:
        user = User.register(
            id=user_id,
            identity=identity,
            secret_hash="h",
            name="",
            tags=[],
            metadata={},
            role=Role.USER,
            owner=None,
            cause=self.cause,
        )
        self.store.save(user, self._claim(identity, user.id))

    def change_identity(self, user_id: UUID, identity: str) -> None:
        user = self.store.user(user_id)
        old = user.identity
        user.change_identity(identity, self.cause)
        if old is not None and index_id(old) == index_id(identity):
            self.store.save(user)
            return
        released = self._release(old)
        claimed = self._claim(identity, user.id)
        self.store.save(user, claimed, *released)

    def erase(self, user_id: UUID) -> None:
        user = self.store.user(user_id)
        released = self._release(user.identity)
        user.erase(self.cause)
        self.store.save(user, *released)

    def _claim(self, identity: str, holder: UUID) -> IdentityIndex:
        index = self.store.index(index_id(identity))
        if index is None:
            return IdentityIndex(key=identity.casefold(), holder=holder, cause=self.cause)
        index.reclaim(holder, self.cause)
        return index

    def _release(self, identity: str | None) -> list[IdentityIndex]:
        index = self.store.index(index_id(identity)) if identity is not None else None
        if index is None:
            return []
        index.release(self.cause)
        return [index]


# Case variants collide, including ones only casefolding joins ("ß" and "ss").
IDENTITY_POOL = ["ada@x.io", "ADA@x.io", "Ada@X.io", "bob@x.io", "BOB@x.io", "ß@x.io", "SS@x.io"]


class IdentityMachine(RuleBasedStateMachine):
    live = Bundle("live")

    def __init__(self) -> None:
        super().__init__()
        self.store = EventStore()
        self.app = UserIdentities(self.store)
        self.next_id = 1
        self.created: list[UUID] = []
        # The expected outcome, kept independently of the indexes: live user -> its identity.
        self.model: dict[UUID, str] = {}

    def _held_by_other(self, identity: str, user_id: UUID | None) -> bool:
        key = identity.casefold()
        return any(i.casefold() == key for u, i in self.model.items() if u != user_id)

    @rule(target=live, identity=st.sampled_from(IDENTITY_POOL))
    def register(self, identity: str) -> Any:
        user_id = UUID(int=self.next_id)
        self.next_id += 1
        taken = self._held_by_other(identity, None)
        try:
            self.app.register(user_id, identity)
        except IdentityTaken:
            assert taken, f"{identity!r} refused although free"
            assert self.store.get(user_id) is None
            return multiple()
        assert not taken, f"{identity!r} registered although taken"
        self.created.append(user_id)
        self.model[user_id] = identity
        return user_id

    @rule(user_id=live, identity=st.sampled_from(IDENTITY_POOL))
    def change_identity(self, user_id: UUID, identity: str) -> None:
        taken = self._held_by_other(identity, user_id)
        before = self.store.user(user_id).version
        try:
            self.app.change_identity(user_id, identity)
        except IdentityTaken:
            assert taken, f"{identity!r} refused although free"
            assert self.store.user(user_id).version == before
            return
        assert not taken, f"{identity!r} taken over from another user"
        self.model[user_id] = identity

    @rule(user_id=consumes(live))
    def erase(self, user_id: UUID) -> None:
        self.app.erase(user_id)
        del self.model[user_id]

    @invariant()
    def live_users_are_the_expected_ones(self) -> None:
        users = [self.store.user(u) for u in self.created]
        live = {u.id: u.identity for u in users if not u.is_erased}
        assert live == self.model
        assert all(u.identity is None for u in users if u.is_erased)

    @invariant()
    def no_two_live_users_share_an_identity(self) -> None:
        folded = [i.casefold() for i in self.model.values()]
        assert len(folded) == len(set(folded))

    @invariant()
    def every_live_identity_is_held_by_its_user(self) -> None:
        for user_id, identity in self.model.items():
            index = self.store.get(index_id(identity))
            assert isinstance(index, IdentityIndex)
            assert index.holder == user_id
            assert index.key == identity.casefold()

    @invariant()
    def every_held_index_belongs_to_a_live_user_with_that_identity(self) -> None:
        for aggregate_id in self.store.streams:
            index = self.store.get(aggregate_id)
            if isinstance(index, IdentityIndex) and index.holder is not None:
                assert index.holder in self.model, "an erased or unknown user holds an identity"
                assert self.model[index.holder].casefold() == index.key


IdentityMachine.TestCase.settings = settings(
    max_examples=100, stateful_step_count=30, deadline=None
)
TestIdentityUniqueness = IdentityMachine.TestCase
