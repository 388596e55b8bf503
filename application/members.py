"""The certificate manager's users: FleetID users with a number, contact details and
privileges (domain/memberships.py). Creating one registers the FleetID account (the login is
its identity, the password its secret) and enrolls it, in one save; removing one withdraws it
and disables the account, so that it signs in nowhere."""

from dataclasses import dataclass, replace
from uuid import UUID

from eventsourcing.domain import Aggregate

from application.authorization import Actor
from application.consistency import run_command
from application.identity_keys import IdentityKeys
from application.member_rules import Standing, standing_of
from application.numbering import next_number
from application.ports.members import MemberView, MemberViews
from application.ports.security import BlindIndex
from application.ports.storage import AggregateReader, EventWriter, ReadModelSync
from application.users import NewUser, UserCommands
from domain.causes import Cause, Interface
from domain.errors import Forbidden, InvalidValue, NotFound
from domain.memberships import (
    Contact,
    MemberRole,
    Privilege,
    check_login,
    check_member_password,
    check_privileges,
)
from domain.organizations import ECOSYSTEM, Organization, organization_id
from domain.profiles import Profile, profile_id
from domain.users import MIN_SECRET_LENGTH, Role, User

NOT_FOUND = "user not found"


@dataclass(frozen=True)
class NewMember:
    login: str
    password: str
    contact: Contact
    privileges: list[Privilege]


class MemberCommands:
    def __init__(
        self,
        reader: AggregateReader,
        writer: EventWriter,
        sync: ReadModelSync,
        blind: BlindIndex,
        users: UserCommands,
        views: MemberViews,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._sync = sync
        self._identities = IdentityKeys(blind, reader)
        self._users = users
        self._views = views

    async def create(self, actor: Actor, new: NewMember, via: Interface) -> int:
        """The new user's number."""
        check_login(new.login)
        check_member_password(new.password, MIN_SECRET_LENGTH, "credentials.password")
        contact = new.contact.checked()
        standing = self._standing(actor)
        if not standing.administers_any:
            raise Forbidden("only an admin may create users")
        privileges = self._grantable(standing, new.privileges)
        if not standing.admin and not privileges:
            raise InvalidValue("name the privileges the user gets", field="userPrivileges")
        account = NewUser(identity=new.login, secret=new.password, name=new.login)

        def enroll(user: User, cause: Cause) -> tuple[int, list[Aggregate]]:
            numbers, number = next_number(self._reader, "member", cause)
            user.enroll(number, contact, privileges, cause)
            return number, [numbers]

        return await self._users.register_with(account, actor.cause(via), enroll)

    async def update(
        self,
        actor: Actor,
        number: int,
        contact: Contact,
        privileges: list[Privilege],
        via: Interface,
        *,
        ecosystem_admin: bool = False,
    ) -> None:
        """`ecosystem_admin`: the user must be one of the ecosystem's admins (404 otherwise)."""
        contact.checked()

        def command() -> tuple[None, list[User]]:
            standing = self._standing(actor)
            user = self._managed(standing, number)
            if ecosystem_admin and not _administers_ecosystem(user):
                raise NotFound("no ecosystem admin has this number", field="userId")
            granted = self._grantable(standing, privileges)
            if not standing.admin and not granted:
                raise InvalidValue("name the privileges the user keeps", field="userPrivileges")
            cause = actor.cause(via)
            user.change_contact(contact, cause)
            user.change_privileges(granted, cause)
            return None, [user]

        await run_command(self._writer, self._sync, command)

    async def update_own(self, actor: Actor, contact: Contact, via: Interface) -> None:
        contact.checked()

        def command() -> tuple[None, list[User]]:
            user = self._user(actor.id)
            user.change_contact(contact, actor.cause(via))
            return None, [user]

        await run_command(self._writer, self._sync, command)

    async def update_own_email(self, actor: Actor, email: str, via: Interface) -> None:
        def command() -> tuple[None, list[User]]:
            user = self._user(actor.id)
            contact = None if user.membership is None else user.membership.contact
            if contact is None:
                raise NotFound(NOT_FOUND, field="userId")
            user.change_contact(replace(contact, email=email), actor.cause(via))
            return None, [user]

        await run_command(self._writer, self._sync, command)

    async def remove(self, actor: Actor, number: int, via: Interface) -> None:
        def command() -> tuple[None, list[User]]:
            standing = self._standing(actor)
            user = self._managed(standing, number)
            if user.id == actor.id:
                raise Forbidden("a user cannot remove itself", field="userId")
            cause = actor.cause(via)
            user.withdraw(cause)
            user.disable(cause)
            return None, [user]

        await run_command(self._writer, self._sync, command)

    async def ensure_enrolled(self, identity: str, via: Interface) -> None:
        """The first admin joins the certificate manager at start, as its ADMIN."""

        def command() -> tuple[None, list[Aggregate]]:
            holder = self._identities.holder(identity)
            user = None if holder is None else self._reader.get(holder)
            if (
                not isinstance(user, User)
                or user.role is not Role.ADMIN
                or user.is_erased
                or user.membership is not None
            ):
                return None, []
            cause = Cause.system(via)
            numbers, number = next_number(self._reader, "member", cause)
            user.enroll(number, None, (), cause)
            return None, [user, numbers]

        await run_command(self._writer, self._sync, command)

    def login_taken(self, actor: Actor, login: str) -> bool:
        if not self._standing(actor).administers_any:
            raise Forbidden("only an admin may check logins")
        return self._identities.holder(login) is not None

    def _standing(self, actor: Actor) -> Standing:
        user = self._reader.get(actor.id)
        membership = user.membership if isinstance(user, User) else None
        number = 0 if membership is None else membership.number
        return Standing(actor.is_admin, membership, number)

    def _user(self, user_id: UUID) -> User:
        user = self._reader.get(user_id)
        if not isinstance(user, User) or user.is_erased or user.membership is None:
            raise NotFound(NOT_FOUND, field="userId")
        return user

    def _managed(self, standing: Standing, number: int) -> User:
        """A number is given once and never moves, so the read model may name its user."""
        view = self._views.by_number(number)
        user = None if view is None else self._user(view.user_id)
        target = None if user is None else user.membership
        if user is None or target is None:
            raise NotFound(NOT_FOUND, field="userId")
        admin = user.role is Role.ADMIN
        if not standing.sees(number, target, admin):
            raise NotFound(NOT_FOUND, field="userId")
        if not standing.manages(target, admin):
            raise Forbidden("this user has rights beyond the caller's", field="userId")
        return user

    def _grantable(self, standing: Standing, privileges: list[Privilege]) -> tuple[Privilege, ...]:
        """Checked whole, placed in their ecosystem, each one the actor may grant and naming
        what exists. Rights are checked before existence, so that a caller learns nothing of
        what it may not use."""
        checked = check_privileges(privileges)
        placed = tuple(_placed(privilege, index) for index, privilege in enumerate(checked))
        for index, privilege in enumerate(placed):
            if not standing.may_grant(privilege):
                raise Forbidden(
                    "may grant only rights the caller holds", field=f"userPrivileges[{index}]"
                )
        for index, privilege in enumerate(placed):
            field = f"userPrivileges[{index}]"
            if privilege.organization and not isinstance(
                self._reader.get(organization_id(privilege.organization)), Organization
            ):
                raise NotFound("organization not found", field=f"{field}.organizationId")
            for position, profile in enumerate(privilege.profiles):
                if not isinstance(self._reader.get(profile_id(profile)), Profile):
                    raise NotFound(
                        "profile not found", field=f"{field}.accessibleProfiles[{position}]"
                    )
        return placed


def _administers_ecosystem(user: User) -> bool:
    administered = set() if user.membership is None else user.membership.ecosystems_administered()
    return user.role is Role.ADMIN or ECOSYSTEM in administered


def _placed(privilege: Privilege, index: int) -> Privilege:
    """An organization's privilege is in that organization's ecosystem; 0 says so too."""
    if privilege.role is MemberRole.ECO_ADMIN or privilege.ecosystem in (0, ECOSYSTEM):
        if privilege.ecosystem != ECOSYSTEM:
            if privilege.role is MemberRole.ECO_ADMIN:
                raise NotFound("ecosystem not found", field=f"userPrivileges[{index}].ecosystemId")
            return replace(privilege, ecosystem=ECOSYSTEM)
        return privilege
    raise InvalidValue(
        "must be the organization's ecosystem, or 0", field=f"userPrivileges[{index}].ecosystemId"
    )


@dataclass(frozen=True)
class MemberQueries:
    views: MemberViews

    def current(self, actor: Actor) -> MemberView:
        found = self.views.by_user(actor.id)
        if found is None:
            raise NotFound(NOT_FOUND, field="userId")
        return found

    def get(self, actor: Actor, number: int, organization: int | None) -> MemberView:
        standing = self.standing(actor)
        found = self.views.by_number(number)
        if (
            found is None
            or not standing.sees(number, found.membership, found.admin)
            or (organization is not None and found.membership.organization != organization)
        ):
            raise NotFound(NOT_FOUND, field="userId")
        return found

    def of_organization(
        self, actor: Actor, organization: int, role: MemberRole | None, search: str
    ) -> list[MemberView]:
        standing = self.standing(actor)
        if not standing.manages_organization(organization):
            if standing.belongs_to(organization):
                raise Forbidden("only an admin may list an organization's users")
            raise NotFound("organization not found", field="organizationId")
        return [
            view
            for view in self.views.of_organization(organization)
            if (role is None or any(p.role is role for p in view.privileges))
            and matches(view, search)
        ]

    def email_taken(self, actor: Actor, email: str) -> bool:
        standing = self.standing(actor)
        if not standing.admin and standing.membership is None:
            raise Forbidden("only the certificate manager's users may check e-mails")
        return self.views.email_taken(email)

    def standing(self, actor: Actor) -> Standing:
        return standing_of(self.views, actor)


def matches(view: MemberView, search: str) -> bool:
    """The search line is found, in any letter case, in the login, a name or the e-mail."""
    if not search:
        return True
    needle = search.casefold()
    contact = view.contact
    texts = [view.login or ""]
    if contact is not None:
        texts += [contact.first_name, contact.last_name, contact.email]
    return any(needle in text.casefold() for text in texts)
