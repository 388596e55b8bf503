"""Every rule of the User aggregate, checked on the state it reaches and the events it records."""

from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest

from domain.causes import ActorKind, Cause, Interface
from domain.errors import Conflict, InvalidValue
from domain.users import (
    MAX_IDENTITY_LENGTH,
    MAX_SECRET_LENGTH,
    MIN_SECRET_LENGTH,
    Role,
    Status,
    User,
    UserErased,
    check_identity,
    check_password,
)
from domain.values import MAX_METADATA_KEYS, MAX_NAME_LENGTH, MAX_TAGS

REGISTRAR = Cause(actor="admin-1", kind=ActorKind.USER, via=Interface.REST)
EDITOR = Cause(actor="thing-7", kind=ActorKind.THING, via=Interface.MQTT)
OPERATOR = Cause.system(Interface.CLI)


def register(**overrides: Any) -> User:
    fields: dict[str, Any] = {
        "id": uuid4(),
        "identity": "ada@fleet.example",
        "secret_hash": "hash-1",
        "name": "Ada",
        "tags": ["ops"],
        "metadata": {"floor": 3},
        "role": Role.USER,
        "owner": None,
        "cause": REGISTRAR,
    }
    fields.update(overrides)
    return User.register(**fields)


@pytest.fixture
def user() -> User:
    """A registered user whose creation event has already been collected."""
    registered = register()
    registered.collect_events()
    return registered


def only_event(user: User) -> Any:
    events = user.collect_events()
    assert len(events) == 1, events
    return events[0]


def fields_of(event: Any) -> dict[str, Any]:
    """The event's own fields, without the bookkeeping every event has."""
    skip = {"originator_id", "originator_version", "timestamp"}
    return {k: v for k, v in vars(event).items() if k not in skip}


# Registration


def test_register_records_one_registered_event_with_every_field() -> None:
    user_id, owner = uuid4(), uuid4()
    user = register(
        id=user_id,
        tags=["b", "a", "b"],
        metadata={"k": [1, 2]},
        role=Role.ADMIN,
        owner=owner,
    )

    event = only_event(user)
    assert type(event) is User.Registered
    assert event.originator_id == user_id
    assert event.originator_version == 1
    assert fields_of(event) == {
        "originator_topic": "domain.users:User",
        "identity": "ada@fleet.example",
        "secret_hash": "hash-1",
        "name": "Ada",
        "tags": ["b", "a"],
        "metadata": {"k": [1, 2]},
        "role": Role.ADMIN,
        "owner": owner,
        "cause": REGISTRAR,
    }


def test_registered_user_starts_enabled_and_unchanged() -> None:
    owner = uuid4()
    user = register(owner=owner, tags=["x", "x"], role=Role.ADMIN)

    assert user.version == 1
    assert user.identity == "ada@fleet.example"
    assert user.secret_hash == "hash-1"
    assert user.name == "Ada"
    assert user.tags == ["x"]
    assert user.metadata == {"floor": 3}
    assert user.role is Role.ADMIN
    assert user.owner == owner
    assert user.status is Status.ENABLED
    assert not user.is_erased
    assert user.updated_by is None
    assert user.created_on == user.modified_on


def test_the_id_is_the_one_chosen_by_the_caller() -> None:
    chosen = uuid4()
    assert register(id=chosen).id == chosen


def test_role_given_as_text_becomes_a_role() -> None:
    assert register(role="admin").role is Role.ADMIN


@pytest.mark.parametrize(
    "identity",
    [
        "",
        "x" * (MAX_IDENTITY_LENGTH + 1),
        " ada@fleet.example",
        "ada@fleet.example ",
        "ada @fleet.example",
        "ada\t@fleet.example",
        "ada@fleet.example\n",
        "ada\u00a0@fleet.example",  # no-break space
        "ada\u200b@fleet.example",  # zero-width space: looks identical, compares different
        "ada\x00@fleet.example",
        "ada\x1b@fleet.example",
    ],
)
def test_register_refuses_a_bad_identity(identity: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        register(identity=identity)
    assert caught.value.field == "identity"


@pytest.mark.parametrize(
    "identity", ["a", "x" * MAX_IDENTITY_LENGTH, "Ada.König@fleet.example", "thing:42"]
)
def test_check_identity_accepts_printable_identities_unchanged(identity: str) -> None:
    assert check_identity(identity) == identity


def test_register_refuses_a_name_that_is_too_long() -> None:
    with pytest.raises(InvalidValue) as caught:
        register(name="n" * (MAX_NAME_LENGTH + 1))
    assert caught.value.field == "name"


def test_register_accepts_an_empty_name() -> None:
    assert register(name="").name == ""


@pytest.mark.parametrize("tags", [[f"t{i}" for i in range(MAX_TAGS + 1)], ["ok", ""]])
def test_register_refuses_bad_tags(tags: list[str]) -> None:
    with pytest.raises(InvalidValue) as caught:
        register(tags=tags)
    assert caught.value.field == "tags"


def test_register_refuses_too_much_metadata() -> None:
    with pytest.raises(InvalidValue) as caught:
        register(metadata={str(i): i for i in range(MAX_METADATA_KEYS + 1)})
    assert caught.value.field == "metadata"


# Secrets


@pytest.mark.parametrize("length", [MIN_SECRET_LENGTH, MAX_SECRET_LENGTH])
def test_check_secret_accepts_the_bounds(length: int) -> None:
    assert check_password("s" * length) == "s" * length


@pytest.mark.parametrize("length", [0, MIN_SECRET_LENGTH - 1, MAX_SECRET_LENGTH + 1])
def test_check_secret_refuses_outside_the_bounds(length: int) -> None:
    with pytest.raises(InvalidValue) as caught:
        check_password("s" * length)
    assert caught.value.field == "secret"


def test_check_secret_reports_the_field_it_was_given() -> None:
    with pytest.raises(InvalidValue) as caught:
        check_password("short", field="new_secret")
    assert caught.value.field == "new_secret"


def test_secret_bounds_are_the_documented_ones() -> None:
    assert (MIN_SECRET_LENGTH, MAX_SECRET_LENGTH, MAX_IDENTITY_LENGTH) == (8, 256, 254)


# Changes: each method records one event of its class, with its fields and cause


def test_rename(user: User) -> None:
    user.rename("Ada King", EDITOR)

    event = only_event(user)
    assert type(event) is User.Renamed
    assert event.originator_version == 2
    assert fields_of(event) == {"name": "Ada King", "cause": EDITOR}
    assert user.name == "Ada King"
    assert user.updated_by == "thing-7"
    assert user.version == 2
    assert user.modified_on == event.timestamp


SIMPLE_CHANGES = {
    "replace_metadata": (
        lambda u: u.replace_metadata({"phone": "+1"}, EDITOR),
        User.MetadataReplaced,
        {"metadata": {"phone": "+1"}},
        ("metadata", {"phone": "+1"}),
    ),
    "replace_tags_deduplicated": (
        lambda u: u.replace_tags(["a", "b", "a"], EDITOR),
        User.TagsReplaced,
        {"tags": ["a", "b"]},
        ("tags", ["a", "b"]),
    ),
    "change_identity": (
        lambda u: u.change_identity("ada.king@fleet.example", EDITOR),
        User.IdentityChanged,
        {"identity": "ada.king@fleet.example"},
        ("identity", "ada.king@fleet.example"),
    ),
    "change_secret": (
        lambda u: u.change_secret("hash-2", EDITOR),
        User.SecretChanged,
        {"secret_hash": "hash-2"},
        ("secret_hash", "hash-2"),
    ),
    "disable_an_enabled_user": (
        lambda u: u.disable(EDITOR),
        User.Disabled,
        {},
        ("status", Status.DISABLED),
    ),
}


@pytest.mark.parametrize(
    ("change", "event_class", "fields", "state"),
    SIMPLE_CHANGES.values(),
    ids=SIMPLE_CHANGES.keys(),
)
def test_each_change_records_one_event_and_updates_state(
    user: User,
    change: Callable[[User], None],
    event_class: type,
    fields: dict[str, Any],
    state: tuple[str, Any],
) -> None:
    change(user)

    event = only_event(user)
    assert type(event) is event_class
    assert fields_of(event) == {**fields, "cause": EDITOR}
    assert getattr(user, state[0]) == state[1]
    assert user.updated_by == "thing-7"


def test_replace_metadata_with_nothing_clears_it(user: User) -> None:
    user.replace_metadata({}, EDITOR)

    assert fields_of(only_event(user)) == {"metadata": {}, "cause": EDITOR}
    assert user.metadata == {}


def test_change_owner(user: User) -> None:
    owner = uuid4()
    user.change_owner(owner, EDITOR)

    event = only_event(user)
    assert type(event) is User.OwnerChanged
    assert fields_of(event) == {"owner": owner, "cause": EDITOR}
    assert user.owner == owner
    assert user.updated_by == "thing-7"


def test_change_owner_to_none_removes_the_owner() -> None:
    user = register(owner=uuid4())
    user.collect_events()

    user.change_owner(None, EDITOR)

    assert fields_of(only_event(user)) == {"owner": None, "cause": EDITOR}
    assert user.owner is None


def test_enable_a_disabled_user(user: User) -> None:
    user.disable(REGISTRAR)
    user.collect_events()

    user.enable(EDITOR)

    event = only_event(user)
    assert type(event) is User.Enabled
    assert fields_of(event) == {"cause": EDITOR}
    assert user.status is Status.ENABLED
    assert user.updated_by == "thing-7"


def test_enable_an_enabled_user_records_nothing(user: User) -> None:
    user.enable(EDITOR)

    assert user.collect_events() == []
    assert user.status is Status.ENABLED
    assert user.version == 1
    assert user.updated_by is None


def test_disable_a_disabled_user_records_nothing(user: User) -> None:
    user.disable(REGISTRAR)
    user.collect_events()

    user.disable(EDITOR)

    assert user.collect_events() == []
    assert user.status is Status.DISABLED
    assert user.version == 2
    assert user.updated_by == "admin-1"


def test_a_disabled_user_can_still_be_changed(user: User) -> None:
    user.disable(REGISTRAR)
    user.rename("Still Ada", EDITOR)

    assert user.name == "Still Ada"
    assert user.status is Status.DISABLED


def test_erase_forgets_personal_data(user: User) -> None:
    user.erase(OPERATOR)

    event = only_event(user)
    assert type(event) is User.Erased
    assert fields_of(event) == {"cause": OPERATOR}
    assert user.status is Status.ERASED
    assert user.is_erased
    assert user.identity is None
    assert user.name is None
    assert user.metadata == {}
    assert user.updated_by == "system"


def test_erase_a_disabled_user(user: User) -> None:
    user.disable(REGISTRAR)
    user.erase(OPERATOR)

    assert user.status is Status.ERASED


def test_versions_count_every_recorded_event(user: User) -> None:
    user.rename("B", EDITOR)
    user.enable(EDITOR)  # no-op: records nothing, so no version
    user.disable(EDITOR)
    user.replace_tags([], EDITOR)

    events = user.collect_events()
    assert [e.originator_version for e in events] == [2, 3, 4]
    assert user.version == 4


# Refusals record nothing and leave the state as it was


def test_a_user_cannot_own_itself(user: User) -> None:
    with pytest.raises(InvalidValue) as caught:
        user.change_owner(user.id, EDITOR)

    assert caught.value.field == "owner"
    assert user.collect_events() == []
    assert user.owner is None


def test_a_user_cannot_be_registered_as_its_own_owner() -> None:
    """The rule change_owner enforces must hold from the start: the id is the caller's choice."""
    user_id = uuid4()

    with pytest.raises(InvalidValue) as caught:
        register(id=user_id, owner=user_id)

    assert caught.value.field == "owner"


@pytest.mark.parametrize(
    ("change", "field", "attribute", "before"),
    [
        (lambda u: u.rename("n" * (MAX_NAME_LENGTH + 1), EDITOR), "name", "name", "Ada"),
        (
            lambda u: u.replace_metadata({str(i): i for i in range(MAX_METADATA_KEYS + 1)}, EDITOR),
            "metadata",
            "metadata",
            {"floor": 3},
        ),
        (lambda u: u.replace_tags(["ok", ""], EDITOR), "tags", "tags", ["ops"]),
        (lambda u: u.change_identity("", EDITOR), "identity", "identity", "ada@fleet.example"),
        (
            lambda u: u.change_identity("ada @fleet.example", EDITOR),
            "identity",
            "identity",
            "ada@fleet.example",
        ),
    ],
    ids=["name", "metadata", "tags", "empty-identity", "spaced-identity"],
)
def test_invalid_change_is_refused_and_records_nothing(
    user: User,
    change: Callable[[User], None],
    field: str,
    attribute: str,
    before: Any,
) -> None:
    with pytest.raises(InvalidValue) as caught:
        change(user)

    assert caught.value.field == field
    assert user.collect_events() == []
    assert getattr(user, attribute) == before
    assert user.version == 1


EVERY_CHANGE: dict[str, Callable[[User], None]] = {
    "rename": lambda u: u.rename("Again", EDITOR),
    "replace_metadata": lambda u: u.replace_metadata({"a": 1}, EDITOR),
    "replace_tags": lambda u: u.replace_tags(["a"], EDITOR),
    "change_owner": lambda u: u.change_owner(uuid4(), EDITOR),
    "change_owner_to_none": lambda u: u.change_owner(None, EDITOR),
    "change_identity": lambda u: u.change_identity("new@fleet.example", EDITOR),
    "change_secret": lambda u: u.change_secret("hash-3", EDITOR),
    "enable": lambda u: u.enable(EDITOR),
    "disable": lambda u: u.disable(EDITOR),
    "erase": lambda u: u.erase(EDITOR),
}


@pytest.mark.parametrize("change", EVERY_CHANGE.values(), ids=EVERY_CHANGE.keys())
def test_an_erased_user_refuses_every_change(user: User, change: Callable[[User], None]) -> None:
    user.erase(OPERATOR)
    user.collect_events()
    state = dict(vars(user))

    with pytest.raises(UserErased) as caught:
        change(user)

    assert caught.value.reason == "user_erased"
    assert isinstance(caught.value, Conflict)
    assert user.collect_events() == []
    assert vars(user) == state


def test_an_erased_user_refuses_even_invalid_changes_as_erased(user: User) -> None:
    """Being erased is checked first, so the client learns the user is gone, not a field error."""
    user.erase(OPERATOR)

    with pytest.raises(UserErased):
        user.change_identity("", EDITOR)
    with pytest.raises(UserErased):
        user.change_owner(user.id, EDITOR)
