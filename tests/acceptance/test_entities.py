"""Identity entities on the service layer: any sequence of creates (with new wallets or shared
ones) and deletes ends as a plain model says, whatever the order."""

from dataclasses import dataclass, field
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.entities import NewEntity
from domain.causes import ActorKind, Cause, Interface
from domain.entities import EntityGone, EntityRole
from domain.wallets import WalletGone
from interfaces.aggregates import ENTITIES, WALLET_VIEWS
from tests.acceptance.conftest import World

ADMIN = Cause(actor="admin-key", kind=ActorKind.ADMIN_KEY, via=Interface.REST)
Step = tuple[str, int]
"""(`caller`, _) makes an entity with a wallet of its own, (`worker`, n) one on the n-th wallet
made so far, (`delete`, n) deletes the n-th entity made so far."""
STEPS = st.lists(
    st.tuples(
        st.sampled_from(["caller", "worker", "worker", "delete", "delete"]), st.integers(0, 7)
    ),
    max_size=10,
)


@dataclass
class Model:
    wallets: list[UUID] = field(default_factory=list)
    entities: list[UUID] = field(default_factory=list)
    holders: dict[UUID, set[UUID]] = field(default_factory=dict)
    """Each wallet's present entities."""
    destroyed: set[UUID] = field(default_factory=set)
    deleted: set[UUID] = field(default_factory=set)
    dids: set[str] = field(default_factory=set)


@pytest.mark.parametrize("world", ["memory", "sqlite"], indirect=True)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=STEPS)
def test_entities_and_wallets_end_as_the_model_says(world: World, steps: list[Step]) -> None:
    services = world[ENTITIES]
    model = Model()
    for kind, n in steps:
        if kind == "caller":
            made = world.run(services.commands.create(NewEntity("c", EntityRole.CALLER), ADMIN))
            _made(model, made.wallet, made.entity, made.long_did)
        elif kind == "worker" and model.wallets:
            wallet = model.wallets[n % len(model.wallets)]
            new = NewEntity("w", EntityRole.WORKER, wallet)
            if wallet in model.destroyed:
                with pytest.raises(WalletGone):
                    world.run(services.commands.create(new, ADMIN))
                continue
            made = world.run(services.commands.create(new, ADMIN))
            _made(model, wallet, made.entity, made.long_did)
        elif kind == "delete" and model.entities:
            entity = model.entities[n % len(model.entities)]
            if entity in model.deleted:
                with pytest.raises(EntityGone):
                    world.run(services.commands.delete(entity, ADMIN))
                continue
            world.run(services.commands.delete(entity, ADMIN))
            model.deleted.add(entity)
            for wallet, holders in model.holders.items():
                holders.discard(entity)
                if not holders:
                    model.destroyed.add(wallet)

    present = [e for e in model.entities if e not in model.deleted]
    listed = services.queries.page(0, 1000).items
    assert [e.id for e in listed if e.id in set(model.entities)] == present
    for wallet in model.wallets:
        found = world[WALLET_VIEWS].get(wallet)
        assert (found is None) == (wallet in model.destroyed), wallet


def _made(model: Model, wallet: UUID, entity: UUID, did: str) -> None:
    assert did not in model.dids, "no two entities share a DID"
    model.dids.add(did)
    if wallet not in model.holders:
        model.wallets.append(wallet)
        model.holders[wallet] = set()
    model.holders[wallet].add(entity)
    model.entities.append(entity)
