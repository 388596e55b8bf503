"""Who may do what among the certificate manager's users.

FleetID's admins are the document's ADMIN. An ECO_ADMIN acts as one within its ecosystem, an
ORG_ADMIN within its organization, and neither can reach past its own rights: a user whose
privileges it could not grant is one it can neither change nor remove, and it grants only the
profiles it may use itself. Who may not see a user gets the answer an unknown number gets."""

from dataclasses import dataclass

from application.authorization import Actor
from application.ports.members import MemberViews
from application.read_time import at_present
from domain.memberships import MemberRole, Membership, Privilege
from domain.organizations import ECOSYSTEM


@dataclass(frozen=True)
class Standing:
    admin: bool
    membership: Membership | None
    number: int = 0
    """The actor's own number; 0 when it has none."""

    def manages_organization(self, organization: int) -> bool:
        if self.admin:
            return True
        return self.membership is not None and self.membership.administers(organization, ECOSYSTEM)

    def belongs_to(self, organization: int) -> bool:
        return self.membership is not None and self.membership.organization == organization

    def may_grant(self, privilege: Privilege) -> bool:
        if self.admin:
            return True
        mine = self.membership
        if mine is None or not set(privilege.profiles) <= mine.profiles():
            return False
        if privilege.role is MemberRole.ECO_ADMIN:
            return privilege.ecosystem in mine.ecosystems_administered()
        return mine.administers(privilege.organization, privilege.ecosystem)

    def sees(self, number: int, target: Membership, target_admin: bool) -> bool:
        if self.admin or number == self.number:
            return True
        if target_admin or self.membership is None:
            return False
        if target.organization and self.manages_organization(target.organization):
            return True
        return bool(target.ecosystems_administered() & self.membership.ecosystems_administered())

    def manages(self, target: Membership, target_admin: bool) -> bool:
        """Changing or removing a user: only one whose every privilege the actor could grant."""
        if self.admin:
            return True
        if target_admin or not target.privileges:
            return False
        return all(self.may_grant(privilege) for privilege in target.privileges)

    def uses_profile(self, profile: int) -> bool:
        return self.admin or (self.membership is not None and profile in self.membership.profiles())

    @property
    def organization(self) -> int:
        """The actor's organization; 0 when it has none."""
        return 0 if self.membership is None else self.membership.organization

    @property
    def administers_any(self) -> bool:
        return self.admin or (
            self.membership is not None
            and any(p.role is not MemberRole.USER for p in self.membership.privileges)
        )


def standing_of(views: MemberViews, actor: Actor) -> Standing:
    """From the read model as it is now, for queries (commands read the actor's user instead):
    a read `as_of` a past position answers with the rights the actor has now, not those it
    had then."""
    with at_present():
        mine = views.by_user(actor.id)
    if mine is None:
        return Standing(actor.is_admin, None)
    return Standing(actor.is_admin, mine.membership, mine.number)
