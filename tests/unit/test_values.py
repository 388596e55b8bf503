"""Rules for the descriptive fields every entity shares: name, tags, metadata."""

import pytest

from domain.errors import DomainError, InvalidValue
from domain.values import (
    MAX_METADATA_KEYS,
    MAX_NAME_LENGTH,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    check_metadata,
    check_name,
    check_tags,
)


def test_limits_are_the_documented_ones() -> None:
    """Clients rely on these numbers; changing one is an API change."""
    assert (MAX_NAME_LENGTH, MAX_TAGS, MAX_TAG_LENGTH, MAX_METADATA_KEYS) == (1024, 64, 128, 256)


@pytest.mark.parametrize("name", ["", "Ada", "x" * MAX_NAME_LENGTH, "Zoë 🚀"])
def test_name_within_the_limit_is_kept_as_given(name: str) -> None:
    assert check_name(name) == name


def test_name_over_the_limit_is_refused_on_the_name_field() -> None:
    with pytest.raises(InvalidValue) as caught:
        check_name("x" * (MAX_NAME_LENGTH + 1))
    assert caught.value.field == "name"
    assert caught.value.reason == "invalid_value"
    assert isinstance(caught.value, DomainError)


def test_tags_keep_their_order_and_drop_later_duplicates() -> None:
    assert check_tags(["b", "a", "b", "c", "a"]) == ["b", "a", "c"]


def test_tags_are_case_sensitive() -> None:
    assert check_tags(["Ops", "ops"]) == ["Ops", "ops"]


def test_tags_result_is_a_new_list() -> None:
    """The caller's list must not become aggregate state that it could still mutate."""
    given = ["a", "b"]
    result = check_tags(given)
    given.append("c")
    assert result == ["a", "b"]


def test_no_tags_is_allowed() -> None:
    assert check_tags([]) == []


def test_the_maximum_number_of_tags_is_allowed() -> None:
    tags = [f"t{i}" for i in range(MAX_TAGS)]
    assert check_tags(tags) == tags


def test_too_many_tags_are_refused() -> None:
    with pytest.raises(InvalidValue) as caught:
        check_tags([f"t{i}" for i in range(MAX_TAGS + 1)])
    assert caught.value.field == "tags"


@pytest.mark.parametrize("tag", ["", "x" * (MAX_TAG_LENGTH + 1)])
def test_empty_or_overlong_tag_is_refused(tag: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        check_tags(["fine", tag])
    assert caught.value.field == "tags"


def test_tag_of_maximum_length_is_allowed() -> None:
    assert check_tags(["x" * MAX_TAG_LENGTH]) == ["x" * MAX_TAG_LENGTH]


def test_metadata_with_the_maximum_number_of_keys_is_allowed() -> None:
    metadata = {f"k{i}": i for i in range(MAX_METADATA_KEYS)}
    assert check_metadata(metadata) == metadata


def test_metadata_values_may_nest() -> None:
    metadata = {"location": {"lat": 52.5, "lon": 13.4}, "labels": ["a", None, True]}
    assert check_metadata(metadata) == metadata


def test_metadata_with_too_many_keys_is_refused() -> None:
    with pytest.raises(InvalidValue) as caught:
        check_metadata({f"k{i}": i for i in range(MAX_METADATA_KEYS + 1)})
    assert caught.value.field == "metadata"
