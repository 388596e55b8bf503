"""Bodies of the certificate manager's User API, under the document's names. Fields the
document marks deprecated are answered and, on input, accepted and set aside: roles come from
`userPrivileges` alone."""

from typing import Annotated, Any, Literal

from msgspec import Meta, Struct

from application.ports.members import MemberView
from domain.memberships import LOGIN, NAME, Contact, MemberRole, Privilege
from domain.users import MAX_SECRET_LENGTH
from interfaces.rest.certificate_auth import NewPassword as Password
from interfaces.rest.organization_schemas import Email, MaybeNumber, Number, Phone
from interfaces.rest.value_schemas import documented

PersonName = Annotated[str, Meta(min_length=1, max_length=50, pattern=f"^{NAME.pattern}$")]
Login = Annotated[str, Meta(min_length=5, max_length=30, pattern=f"^{LOGIN.pattern}$")]
SEARCH = r"^[!#$%&'*+\-/=?^_`{|}~\.\w@]{0,}$"
"""The document's rule for a search line."""
SearchLine = Annotated[str, Meta(max_length=254, pattern=SEARCH)]
Role = Literal["USER", "ORG_ADMIN", "ECO_ADMIN"]
NUMBER_SCHEMA = {"type": "integer", "minimum": 0, "maximum": 2**53}
Numbers = Annotated[list[Number], Meta(max_length=1_000), documented(items=NUMBER_SCHEMA)]
SetAside = Annotated[Any, Meta(description="accepted, and set aside (deprecated)")]


class PrivilegeBody(Struct, rename="camel", kw_only=True):
    """`id` is the privilege's place in the user's list; a client sends it back, unread."""

    id: Annotated[Any, Meta(description="its place in the user's list; sent back, not read")] = None
    user_role: Role
    ecosystem_id: Number = 0
    organization_id: Number = 0
    accessible_profiles: Numbers = []

    def privilege(self) -> Privilege:
        return Privilege(
            MemberRole(self.user_role),
            self.ecosystem_id,
            self.organization_id,
            tuple(self.accessible_profiles),
        )


Privileges = Annotated[list[PrivilegeBody], Meta(max_length=100)]


class ContactBody(Struct, rename="camel", kw_only=True):
    first_name: PersonName
    last_name: PersonName
    phone: Phone
    email: Email

    def contact(self) -> Contact:
        return Contact(self.first_name, self.last_name, self.phone, self.email)


class MemberUpdate(ContactBody, kw_only=True):
    user_privileges: Privileges


class Credentials(Struct):
    login: Login
    password: Password


class NewMemberBody(ContactBody, kw_only=True):
    credentials: Credentials
    user_privileges: Privileges = []
    user_id: SetAside = None
    organization_id: MaybeNumber = None
    organization_name: SetAside = None
    ecosystem_id: SetAside = None
    is_admin: SetAside = None

    def privileges(self) -> list[Privilege]:
        """With no privileges, the deprecated `organizationId` makes the user one of its
        USERs, as clients written before privileges existed expect."""
        if not self.user_privileges and self.organization_id:
            return [Privilege(MemberRole.USER, 0, self.organization_id, ())]
        return [body.privilege() for body in self.user_privileges]


class EmailBody(Struct):
    email: Email


class PasswordChange(Struct, rename="camel"):
    current_password: Annotated[str, Meta(max_length=MAX_SECRET_LENGTH)]
    new_password: Password
    repeated_new_password: Password


class SearchBody(Struct, rename="camel"):
    search_line: SearchLine = ""


class LoginAnswer(Struct):
    login: str


class PrivilegeAnswer(Struct, rename="camel"):
    id: int
    user_role: str
    ecosystem_id: int
    organization_id: int
    accessible_profiles: list[int]


class MemberResponse(Struct, rename="camel"):
    user_id: int
    first_name: str
    last_name: str
    phone: str
    email: str
    organization_id: int
    organization_name: str
    credentials: LoginAnswer
    user_privileges: list[PrivilegeAnswer]
    ecosystem_id: int
    is_admin: bool

    @classmethod
    def of(cls, view: MemberView, organization_name: str) -> "MemberResponse":
        """Empty texts where no contact is known (the first admin) or it was erased."""
        contact = view.contact or Contact("", "", "", "")
        privileges = [
            PrivilegeAnswer(index + 1, p.role.value, p.ecosystem, p.organization, list(p.profiles))
            for index, p in enumerate(view.privileges)
        ]
        return cls(
            view.number,
            contact.first_name,
            contact.last_name,
            contact.phone,
            contact.email,
            view.membership.organization,
            organization_name,
            LoginAnswer(view.login or ""),
            privileges,
            next((p.ecosystem for p in view.privileges), 0),
            view.admin,
        )
