"""Organizations' certificate balances per authority: admins grant, change and remove them;
batches reserve, commit (what they issued) and release (what they did not). A balance never
goes negative: each change is decided on the allocation as it stands, and two changes at once
meet on its version (application/consistency.py)."""

from collections.abc import Callable
from dataclasses import dataclass

from application.authorization import Actor
from application.consistency import run_command
from application.member_rules import Standing, standing_of
from application.organizations import require_admin
from application.ports.allocations import AllocationView, AllocationViews
from application.ports.members import MemberViews
from application.ports.storage import AggregateReader, EventWriter, ReadModelSync
from domain.allocations import MAX_BALANCE, Allocation, allocation_id
from domain.authorities import ROOT, Authority, authority_id
from domain.causes import Cause, Interface
from domain.errors import Conflict, Forbidden, NotFound
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

    async def top_up(
        self,
        actor: Actor,
        organization: int,
        authority: int,
        added: int,
        enabled: bool,
        via: Interface,
    ) -> None:
        """Let the organization use the authority if it may not yet, and add to its balance
        (a negative addition takes away, never below what is used and reserved)."""
        require_admin(actor)
        self._require_parties(organization, authority, field="id")

        def command() -> tuple[None, list[Allocation]]:
            cause = actor.cause(via)
            found = self._find(organization, authority)
            if found is None:
                found = Allocation.grant(organization, authority, cause)
            found.regrant(cause)
            balance = found.balance + added
            floor = found.used + found.reserved_total
            if not floor <= balance <= MAX_BALANCE:
                raise Conflict(
                    f"must leave a balance of {floor} to {MAX_BALANCE}", field="addedBalance"
                )
            found.change(balance, enabled, cause)
            return None, [found]

        await run_command(self._writer, self._sync, command)

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

    def _require_parties(
        self, organization: int, authority: int, *, field: str = "authorityId"
    ) -> None:
        if not isinstance(self._reader.get(organization_id(organization)), Organization):
            raise NotFound("organization not found", field="organizationId")
        found = self._reader.get(authority_id(authority))
        if authority == ROOT or not isinstance(found, Authority):
            raise NotFound("authority not found", field=field)


@dataclass(frozen=True)
class AllocationQueries:
    """An organization's balances are read by admins, its administrators and its users."""

    views: AllocationViews
    members: MemberViews

    def of_organization(self, actor: Actor, organization: int) -> list[AllocationView]:
        self._require_reader(actor, organization)
        return self.views.of_organization(organization)

    def get(self, actor: Actor, organization: int, authority: int) -> AllocationView:
        self._require_reader(actor, organization)
        found = self.views.get(organization, authority)
        if found is None or found.status == "removed":
            raise NotFound("the organization has no such authority", field="authorityId")
        return found

    def used(self, actor: Actor, organization: int, authority: int, user: int | None) -> int:
        """What the organization used, or only what user `user` (a number) used: 0 for a
        number that used nothing here, known or not, so that it tells nothing of who exists."""
        found = self.get(actor, organization, authority)
        if user is None:
            return found.used
        member = self.members.by_number(user)
        return 0 if member is None else found.used_by.get(str(member.user_id), 0)

    def own(
        self, actor: Actor, *, enabled_only: bool = True
    ) -> tuple[Standing, list[AllocationView]]:
        """The actor's standing, and the balances of its organization (the enabled ones, unless
        asked); none for an admin outside organizations."""
        standing = standing_of(self.members, actor)
        if standing.organization:
            found = self.views.of_organization(standing.organization)
            return standing, [v for v in found if v.status == "enabled" or not enabled_only]
        if not standing.admin:
            raise Forbidden("only the certificate manager's users have balances")
        return standing, []

    def authority_total(self, authority: int) -> int:
        return self.views.authority_total(authority)

    def _require_reader(self, actor: Actor, organization: int) -> None:
        standing = standing_of(self.members, actor)
        if not (standing.manages_organization(organization) or standing.belongs_to(organization)):
            raise Forbidden("only the organization's users and admins may read its balances")
