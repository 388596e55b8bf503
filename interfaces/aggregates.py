"""Each aggregate FleetID keeps a read model of, declared once.

The composition root and the REST app wire from this list: the projection the runner keeps,
the kind and table access explanations read, and the path prefixes whose reads take `as_of`.
An aggregate left out, or declared with a piece missing, fails loudly:
tests/integration/test_aggregate_wiring.py names what is missing.
"""

from collections.abc import Callable
from dataclasses import dataclass

from application.projections.channels import ChannelsProjection
from application.projections.groups import GroupsProjection
from application.projections.policies import PoliciesProjection
from application.projections.things import ThingsProjection
from application.projections.users import UsersProjection
from domain.aggregate import FleetAggregate
from domain.channels import Channel
from domain.groups import Group
from domain.identities import IdentityIndex
from domain.module_commands import ModuleCommand
from domain.policies import Policy
from domain.things import Thing
from domain.users import User
from infrastructure.projection_runner import Projection


@dataclass(frozen=True)
class AggregateModule:
    aggregate: type[FleetAggregate]
    projection: Callable[[], Projection]
    """A fresh instance of the projection that builds its read model."""
    kind: str | None
    """How access explanations name an entity of it (`thing`); None: they never ask for one."""
    paths: tuple[str, ...]
    """REST path prefixes of its reads, which take `as_of`."""

    @property
    def table(self) -> str:
        """The table its entities live in: the first its projection keeps."""
        return self.projection().tables[0]


MODULES: tuple[AggregateModule, ...] = (
    AggregateModule(User, UsersProjection, "user", ("/users",)),
    AggregateModule(Thing, ThingsProjection, "thing", ("/things",)),
    AggregateModule(Channel, ChannelsProjection, "channel", ("/channels",)),
    AggregateModule(Group, GroupsProjection, "group", ("/groups",)),
    AggregateModule(Policy, PoliciesProjection, None, ()),
)
WITHOUT_READ_MODEL: tuple[type[FleetAggregate], ...] = (IdentityIndex, ModuleCommand)
"""Aggregates read only from the log: uniqueness claims and the gateways' command records."""
AS_OF_ALSO = ("/access",)
"""Reads that are not one aggregate's and still answer as of a position (explanations)."""


def projections() -> list[Projection]:
    """A fresh instance of every projection, for a runner (live, or a verified rebuild's)."""
    return [module.projection() for module in MODULES]


def as_of_paths() -> tuple[str, ...]:
    return tuple(path for module in MODULES for path in module.paths) + AS_OF_ALSO


def explained_kinds() -> dict[str, str]:
    """Kind -> table, for access explanations."""
    return {module.kind: module.table for module in MODULES if module.kind is not None}
