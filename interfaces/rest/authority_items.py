"""How the certificate manager's API shows an organization's authorities: in an organization
(`authorities`), in the list a user may issue with (`/api/v1/authorities/allowed`), and in
the organization's balance management (AuthorityManagementItem)."""

from dataclasses import dataclass

from msgspec import Struct

from application.ports.allocations import AllocationView, AllocationViews
from application.ports.authorities import AuthorityViews
from application.ports.ecosystems import EcosystemViews
from application.ports.profiles import ProfileViews
from domain.ecosystems import DEFAULT_NAME
from domain.organizations import ECOSYSTEM


class OrganizationAuthority(Struct, rename="camel"):
    id: int
    ecosystem_id: int
    signer_certificate_id: int
    """The authority's own number: its certificate is `/api/v1/authorities/{id}/certificate`."""
    ecosystem_name: str
    balance: int
    enabled: bool
    profile_id: int
    profile_name: str


class AuthorityManagementItem(Struct, rename="camel"):
    id: int
    enabled: bool
    balance: int
    used_balance: int
    available_balance: int
    profile_id: int
    profile_name: str
    total_ecosystem_balance: int


class UpdatedAuthority(Struct, rename="camel"):
    id: int
    ecosystem_id: int
    signer_certificate_id: int
    ecosystem_name: str
    balance: int
    enabled: bool
    used_balance: int
    profile_id: int
    profile_name: str
    total_ecosystem_balance: int


@dataclass(frozen=True)
class AuthorityItems:
    allocations: AllocationViews
    authorities: AuthorityViews
    profiles: ProfileViews
    ecosystems: EcosystemViews

    @property
    def ecosystem_name(self) -> str:
        found = self.ecosystems.get(ECOSYSTEM)
        return DEFAULT_NAME if found is None else found.name

    def profile_of(self, authority: int) -> tuple[int, str]:
        """The number and name of the profile the authority issues for; (0, "") for none."""
        found = self.authorities.get(authority)
        number = found.profile if found is not None and found.profile else 0
        profile = self.profiles.get(number) if number else None
        return number, "" if profile is None else profile.name

    def granted(self, view: AllocationView) -> OrganizationAuthority:
        profile, name = self.profile_of(view.authority)
        enabled = view.status == "enabled"
        return OrganizationAuthority(
            view.authority,
            ECOSYSTEM,
            view.authority,
            self.ecosystem_name,
            view.balance,
            enabled,
            profile,
            name,
        )

    def of_organization(self, organization: int) -> list[OrganizationAuthority]:
        return [self.granted(view) for view in self.allocations.of_organization(organization)]

    def managed(self, view: AllocationView) -> AuthorityManagementItem:
        profile, name = self.profile_of(view.authority)
        return AuthorityManagementItem(
            view.authority,
            view.status == "enabled",
            view.balance,
            view.used,
            view.available,
            profile,
            name,
            self.allocations.authority_total(view.authority),
        )

    def updated(self, view: AllocationView) -> UpdatedAuthority:
        profile, name = self.profile_of(view.authority)
        return UpdatedAuthority(
            view.authority,
            ECOSYSTEM,
            view.authority,
            self.ecosystem_name,
            view.balance,
            view.status == "enabled",
            view.used,
            profile,
            name,
            self.allocations.authority_total(view.authority),
        )
