"""Group hierarchy rules: paths follow parents, depth is bounded, cycles cannot be expressed."""

from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.causes import ActorKind, Cause, Interface
from domain.errors import InvalidValue
from domain.groups import MAX_DEPTH, Group

OWNER = Cause(actor="user-1", kind=ActorKind.USER, via=Interface.REST)


def form(parent: Group | None = None, **overrides: Any) -> Group:
    fields: dict[str, Any] = {
        "id": uuid4(),
        "name": "g",
        "description": "",
        "metadata": {},
        "owner": uuid4(),
        "parent": parent,
        "cause": OWNER,
    }
    return Group.form(**(fields | overrides))


@given(st.lists(st.integers(min_value=0), min_size=1, max_size=40))
def test_every_path_is_the_parents_path_and_the_own_id(choices: list[int]) -> None:
    """Each new group hangs below a random existing one (or is a root): the relation stays a
    forest, paths list exactly the ancestors, and levels count them."""
    made: list[Group] = []
    for choice in choices:
        parent = made[choice % len(made)] if made and choice % 3 else None
        if parent is not None and parent.level == MAX_DEPTH:
            parent = None
        made.append(form(parent))
    by_id = {g.id: g for g in made}
    for group in made:
        ancestors: list[str] = []
        node = group
        while node.parent is not None:
            node = by_id[node.parent]
            assert node is not group, "no cycle"
            ancestors.insert(0, str(node.id))
        assert group.path.split(".") == [*ancestors, str(group.id)]
        assert group.level == len(ancestors)


def test_depth_is_bounded_and_descriptions_checked() -> None:
    group = form()
    for _ in range(MAX_DEPTH):
        group = form(group)
    with pytest.raises(InvalidValue) as too_deep:
        form(group)
    assert too_deep.value.field == "parent_id"
    with pytest.raises(InvalidValue) as bad:
        form(description="bell\x07")
    assert bad.value.field == "description"


def test_put_replaces_fields_and_status_changes_are_idempotent() -> None:
    group = form(name="a", description="b", metadata={"k": 1})
    group.update("c", "", {}, OWNER)
    group.enable(OWNER)
    group.disable(OWNER)
    group.disable(OWNER)
    assert (group.name, group.description, group.metadata) == ("c", "", {})
    assert [type(e).__name__ for e in group.collect_events()] == ["Formed", "Updated", "Disabled"]
