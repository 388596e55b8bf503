"""Policy rules: the predefined actions only, and grant, change, revoke and grant again."""

from uuid import uuid4

import pytest

from domain.causes import ActorKind, Cause, Interface
from domain.errors import InvalidValue
from domain.policies import ACTIONS, Kind, Policy, check_actions

OWNER = Cause(actor="user-1", kind=ActorKind.USER, via=Interface.REST)


def grant(actions: list[str]) -> Policy:
    return Policy.grant(
        subject=uuid4(),
        subject_kind=Kind.THING,
        object=uuid4(),
        object_kind=Kind.CHANNEL,
        actions=actions,
        owner=uuid4(),
        cause=OWNER,
    )


def test_exactly_the_predefined_actions_are_accepted() -> None:
    assert check_actions(list(ACTIONS)) == list(ACTIONS)
    assert check_actions(["m_read", "m_read", "m_write"]) == ["m_read", "m_write"]
    for bad in (["M_READ"], ["read"], [], ["m_read", "admin"]):
        with pytest.raises(InvalidValue) as refused:
            check_actions(bad)
        assert refused.value.field == "actions"


def test_the_id_is_the_pair_and_the_life_cycle_is_recorded() -> None:
    policy = grant(["m_read"])
    assert policy.id == Policy.id_for(policy.subject, policy.object)
    assert policy.permits("m_read")
    assert not policy.permits("m_write")

    policy.allow(["m_read"], policy.owner, OWNER)
    policy.change_actions(["m_read"], OWNER)
    policy.revoke(OWNER)
    policy.revoke(OWNER)
    assert not policy.permits("m_read")
    policy.allow(["m_write"], policy.owner, OWNER)

    kinds = [type(e) for e in policy.collect_events()]
    assert kinds == [Policy.Granted, Policy.Revoked, Policy.Regranted]
    assert policy.permits("m_write")
