"""Organizations' certificate balances per authority: admins grant, change and remove them;
batches reserve, commit (what they issued) and release (what they did not). A balance never
goes negative: each change is decided on the allocation as it stands, and two changes at once
meet on its version (application/consistency.py)."""

from collections.abc import Callable
from dataclasses import dataclass

from application.authorization import Actor
from application.consistency import run_command
from application.organizations import require_admin
from application.ports.allocations import AllocationView, AllocationViews
from application.ports.storage import AggregateReader, EventWriter, ReadModelSync
from domain.allocations import Allocation, allocation_id
from domain.authorities import ROOT, Authority, authority_id
from domain.causes import Cause, Interface
from domain.errors import NotFound
from domain.organizations import Organization, organization_id


class AllocationCommands:
    def __init__(self, reader: AggregateReader, writer: EventWriter, sync: ReadModelSync) -> None:
        self._reader = reader
        self._writer = writer
        self._sync = sync

    async def grant(self, actor: Actor, organization: int, authority: int, via: Interface) -> None:
        """Let the organization use the authority (from a balance of 0, or as it was)."""
        require_admin(actor)
        self._require_parties(organization, authority)

        def command() -> tuple[None, list[Allocation]]:
            found = self._find(organization, authority)
            if found is None:
                return None, [Allocation.grant(organization, authority, actor.cause(via))]
            found.regrant(actor.cause(via))
            return None, [found]

        await run_command(self._writer, self._sync, command)

    async def change(
        self,
        actor: Actor,
        organization: int,
        authority: int,
        balance: int,
        enabled: bool,
        via: Interface,
    ) -> None:
        require_admin(actor)
        await self._on(
            organization, authority, lambda a: a.change(balance, enabled, actor.cause(via))
        )

    async def remove(self, actor: Actor, organization: int, authority: int, via: Interface) -> None:
        require_admin(actor)
        await self._on(organization, authority, lambda a: a.remove(actor.cause(via)))

    async def reserve(
        self, organization: int, authority: int, batch: str, user: str, count: int, cause: Cause
    ) -> None:
        await self._on(organization, authority, lambda a: a.reserve(batch, user, count, cause))

    async def commit(
        self, organization: int, authority: int, batch: str, count: int, cause: Cause
    ) -> None:
        await self._on(organization, authority, lambda a: a.commit(batch, count, cause))

    async def release(self, organization: int, authority: int, batch: str, cause: Cause) -> None:
        await self._on(organization, authority, lambda a: a.release(batch, cause))

    async def _on(
        self, organization: int, authority: int, change: Callable[[Allocation], None]
    ) -> None:
        def command() -> tuple[None, list[Allocation]]:
            found = self._find(organization, authority)
            if found is None or found.removed:
                raise NotFound("the organization has no such authority", field="authorityId")
            change(found)
            return None, [found]

        await run_command(self._writer, self._sync, command)

    def _find(self, organization: int, authority: int) -> Allocation | None:
        found = self._reader.get(allocation_id(organization, authority))
        return found if isinstance(found, Allocation) else None

    def _require_parties(self, organization: int, authority: int) -> None:
        if not isinstance(self._reader.get(organization_id(organization)), Organization):
            raise NotFound("organization not found", field="organizationId")
        found = self._reader.get(authority_id(authority))
        if authority == ROOT or not isinstance(found, Authority):
            raise NotFound("authority not found", field="authorityId")


@dataclass(frozen=True)
class AllocationQueries:
    views: AllocationViews

    def of_organization(self, actor: Actor, organization: int) -> list[AllocationView]:
        require_admin(actor)
        return self.views.of_organization(organization)

    def get(self, actor: Actor, organization: int, authority: int) -> AllocationView:
        require_admin(actor)
        found = self.views.get(organization, authority)
        if found is None or found.status == "removed":
            raise NotFound("the organization has no such authority", field="authorityId")
        return found

    def authority_total(self, authority: int) -> int:
        return self.views.authority_total(authority)
