"""A user's standing in the certificate manager: the number its API knows the user by, the
contact details it shows (personal data, sealed under the user's key with the rest of the
person), and the privileges that scope what the user may see and do there.

A member belongs to one organization at most: every USER and ORG_ADMIN privilege names the
same one, which is what the API's deprecated top-level `organizationId` reports. ECO_ADMIN
privileges name an ecosystem and no organization."""

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from domain.errors import InvalidValue
from domain.organizations import check_email, check_phone

NAME = re.compile(r"[A-Za-z]{1,50}")
LOGIN = re.compile(r"\w{5,30}", re.ASCII)
PASSWORD_DIGIT = re.compile(r".*[0-9].*", re.DOTALL)
MAX_PASSWORD = 50
"""The document's bound on a new password ("must be less or equal to 50")."""
MAX_PROFILES = 1_000
MAX_PRIVILEGES = 100
MAX_NUMBER = 2**53


class MemberRole(StrEnum):
    USER = "USER"
    ORG_ADMIN = "ORG_ADMIN"
    ECO_ADMIN = "ECO_ADMIN"


def check_person_name(value: str, field: str) -> str:
    if not NAME.fullmatch(value):
        raise InvalidValue("must be 1 to 50 Latin letters", field=field)
    return value


def check_login(value: str, field: str = "credentials.login") -> str:
    if not LOGIN.fullmatch(value):
        raise InvalidValue(
            "must be 5 to 30 characters, each a Latin letter, digit or underscore", field=field
        )
    return value


def check_member_password(value: str, minimum: int, field: str) -> str:
    """The document's rules: at most 50 characters and at least one digit; the minimum length
    is the deployment's."""
    if not minimum <= len(value) <= MAX_PASSWORD:
        raise InvalidValue(f"must be {minimum} to {MAX_PASSWORD} characters", field=field)
    if not PASSWORD_DIGIT.fullmatch(value):
        raise InvalidValue("must contain a digit", field=field)
    return value


@dataclass(frozen=True)
class Contact:
    first_name: str
    last_name: str
    phone: str
    email: str

    def checked(self) -> "Contact":
        """InvalidValue names the API's field."""
        check_person_name(self.first_name, "firstName")
        check_person_name(self.last_name, "lastName")
        check_phone(self.phone, "phone")
        check_email(self.email, "email")
        return self


@dataclass(frozen=True)
class Privilege:
    role: MemberRole
    ecosystem: int
    organization: int
    """0 for an ECO_ADMIN privilege."""
    profiles: tuple[int, ...]

    def recorded(self) -> dict[str, Any]:
        """As events carry it."""
        return {
            "role": self.role.value,
            "ecosystem": self.ecosystem,
            "organization": self.organization,
            "profiles": list(self.profiles),
        }

    @classmethod
    def from_recorded(cls, data: dict[str, Any]) -> "Privilege":
        return cls(
            MemberRole(data["role"]),
            int(data["ecosystem"]),
            int(data["organization"]),
            tuple(int(p) for p in data["profiles"]),
        )


def check_privileges(privileges: list[Privilege]) -> tuple[Privilege, ...]:
    """Each privilege whole, then the one-organization rule. Profiles keep their first order,
    without repeats."""
    if len(privileges) > MAX_PRIVILEGES:
        raise InvalidValue(f"at most {MAX_PRIVILEGES} privileges", field="userPrivileges")
    checked: list[Privilege] = []
    organizations: set[int] = set()
    for index, privilege in enumerate(privileges):
        field = f"userPrivileges[{index}]"
        if len(privilege.profiles) > MAX_PROFILES:
            raise InvalidValue(
                f"at most {MAX_PROFILES} profiles", field=f"{field}.accessibleProfiles"
            )
        if privilege.role is MemberRole.ECO_ADMIN:
            if privilege.ecosystem < 1:
                raise InvalidValue(
                    "an ECO_ADMIN privilege names its ecosystem", field=f"{field}.ecosystemId"
                )
            privilege = Privilege(privilege.role, privilege.ecosystem, 0, privilege.profiles)
        else:
            if privilege.organization < 1:
                raise InvalidValue(
                    f"a {privilege.role.value} privilege names its organization",
                    field=f"{field}.organizationId",
                )
            organizations.add(privilege.organization)
        if len(organizations) > 1:
            raise InvalidValue(
                "a user belongs to one organization", field=f"{field}.organizationId"
            )
        profiles = tuple(dict.fromkeys(privilege.profiles))
        checked.append(
            Privilege(privilege.role, privilege.ecosystem, privilege.organization, profiles)
        )
    return tuple(checked)


@dataclass(frozen=True)
class Membership:
    number: int
    contact: Contact | None
    """None once the person is erased."""
    privileges: tuple[Privilege, ...]

    @property
    def organization(self) -> int:
        """The organization its USER and ORG_ADMIN privileges name; 0 when none does."""
        return next((p.organization for p in self.privileges if p.organization), 0)

    def administers(self, organization: int, ecosystem: int) -> bool:
        return any(
            (p.role is MemberRole.ECO_ADMIN and p.ecosystem == ecosystem)
            or (p.role is MemberRole.ORG_ADMIN and p.organization == organization)
            for p in self.privileges
        )

    def ecosystems_administered(self) -> set[int]:
        return {p.ecosystem for p in self.privileges if p.role is MemberRole.ECO_ADMIN}

    def profiles(self) -> set[int]:
        return {profile for p in self.privileges for profile in p.profiles}
