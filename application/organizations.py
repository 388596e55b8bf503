"""The certificate manager's organizations: created and changed by admins, read by number.

A name is unique in the whole system whatever its letter case: creation claims a uniqueness
entry keyed by a keyed hash of the name, in the same save as the organization and the number
it takes."""

from dataclasses import dataclass

from application.authorization import Actor
from application.consistency import run_command
from application.identity_keys import index_entry
from application.member_rules import standing_of
from application.numbering import next_number
from application.ports.members import MemberViews
from application.ports.organizations import OrganizationView, OrganizationViews
from application.ports.security import BlindIndex
from application.ports.storage import AggregateReader, EventWriter, ReadModelSync
from domain.aggregate import FleetAggregate
from domain.causes import Interface
from domain.errors import Conflict, Forbidden, InvalidValue, NotFound
from domain.identities import IdentityIndex, IdentityTaken, comparable
from domain.organizations import ECOSYSTEM, Organization, OrganizationDetails, organization_id

MAX_PAGE = 50
"""The document's bound on a page ("Maximum value is 50")."""


class NameTaken(Conflict):
    reason = "organization_name_taken"


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("only an admin may do this")


class OrganizationCommands:
    def __init__(
        self, reader: AggregateReader, writer: EventWriter, sync: ReadModelSync, blind: BlindIndex
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._sync = sync
        self._blind = blind

    async def create(
        self, actor: Actor, name: str, details: OrganizationDetails, via: Interface
    ) -> int:
        """The new organization's number."""
        require_admin(actor)

        def command() -> tuple[int, list[FleetAggregate]]:
            cause = actor.cause(via)
            key = self.name_key(name)
            numbers, number = next_number(self._reader, "organization", cause)
            organization = Organization.found(number, name, details, cause)
            try:
                claim = IdentityIndex.claim(
                    index_entry(self._reader, key), key, organization.id, cause
                )
            except IdentityTaken:
                raise NameTaken(
                    "organization name must be unique for whole system", field="organizationName"
                ) from None
            return number, [numbers, organization, claim]

        return await run_command(self._writer, self._sync, command)

    async def update(
        self,
        actor: Actor,
        number: int,
        details: OrganizationDetails,
        parameters: dict[str, str] | None,
        via: Interface,
    ) -> None:
        require_admin(actor)

        def command() -> tuple[None, list[Organization]]:
            organization = self._reader.get(organization_id(number))
            if not isinstance(organization, Organization):
                raise NotFound("organization not found", field="organizationId")
            organization.update(details, parameters, actor.cause(via))
            return None, [organization]

        await run_command(self._writer, self._sync, command)

    def name_taken(self, actor: Actor, name: str) -> bool:
        require_admin(actor)
        entry = index_entry(self._reader, self.name_key(name))
        return entry is not None and entry.holder is not None

    def name_key(self, name: str) -> str:
        return self._blind.key(f"organization-name\x00{comparable(name)}")


@dataclass(frozen=True)
class OrganizationQueries:
    views: OrganizationViews
    members: MemberViews

    def get(self, actor: Actor, number: int) -> OrganizationView:
        """Admins read any; its users and its administrators read it. Any other answers as an
        unknown number does."""
        standing = standing_of(self.members, actor)
        readable = standing.manages_organization(number) or standing.belongs_to(number)
        found = self.views.get(number) if readable else None
        if found is None:
            raise NotFound("organization not found", field="organizationId")
        return found

    def of_current_user(self, actor: Actor) -> OrganizationView:
        found = self.views.get(standing_of(self.members, actor).organization)
        if found is None:
            raise NotFound("the user belongs to no organization", field="organizationId")
        return found

    def page(
        self, actor: Actor, page: int, size: int, *, bounded: bool = True
    ) -> list[OrganizationView]:
        """`bounded`: at most MAX_PAGE (the API's pages); the select list asks for more.
        Admins and the ecosystem's admins list them all."""
        standing = standing_of(self.members, actor)
        if not standing.admin and (
            standing.membership is None
            or ECOSYSTEM not in standing.membership.ecosystems_administered()
        ):
            raise Forbidden("only an admin may list organizations")
        if page < 0:
            raise InvalidValue("must be 0 or more", field="page")
        if size < 1 or (bounded and size > MAX_PAGE):
            raise InvalidValue(f"must be 1 to {MAX_PAGE}", field="size")
        return self.views.page(page * size, size)
