"""The certificate manager's users' read model (`members`, beside `users`)."""

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from domain.memberships import Contact, Membership, Privilege


@dataclass(frozen=True)
class MemberView:
    user_id: UUID
    number: int
    login: str | None
    """The FleetID identity; None once erased."""
    contact: Contact | None
    """None once erased."""
    privileges: tuple[Privilege, ...]
    admin: bool
    """A FleetID admin: the certificate manager's ADMIN."""
    status: str

    @property
    def membership(self) -> Membership:
        return Membership(self.number, self.contact, self.privileges)


class MemberViews(Protocol):
    def by_number(self, number: int) -> MemberView | None: ...

    def by_user(self, user_id: UUID) -> MemberView | None: ...

    def of_organization(self, organization: int) -> list[MemberView]:
        """By number."""
        ...

    def ecosystem_admins(self, ecosystem: int) -> list[MemberView]:
        """Who holds an ECO_ADMIN privilege of the ecosystem, and the FleetID admins; by number."""
        ...

    def email_taken(self, email: str) -> bool:
        """In any letter case."""
        ...
