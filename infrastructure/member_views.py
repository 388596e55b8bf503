"""SQL over the `members` read model, with each member's sign-in identity and role from
`users` (current versions only)."""

from collections.abc import Mapping
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from application.ports.members import MemberView
from domain.memberships import Contact, MemberRole, Privilege
from infrastructure.prepared import PreparedSelect
from infrastructure.read_connections import ReadConnections
from infrastructure.schema import members, users

MEMBERS = (
    sa.select(members, users.c.identity, users.c.role, users.c.status)
    .join(users, sa.and_(users.c.id == members.c.id, users.c.valid_to.is_(None)))
    .where(members.c.valid_to.is_(None))
)
BY_NUMBER = MEMBERS.where(members.c.number == sa.bindparam("number"))
BY_USER = MEMBERS.where(members.c.id == sa.bindparam("user"))
OF_ORGANIZATION = MEMBERS.where(members.c.organization == sa.bindparam("organization")).order_by(
    members.c.number
)
EVERY = MEMBERS.order_by(members.c.number)
EMAIL_TAKEN = sa.select(sa.literal(1).label("taken")).where(
    sa.func.lower(members.c.email) == sa.func.lower(sa.bindparam("email")),
    members.c.valid_to.is_(None),
)


class SqlMemberViews:
    def __init__(self, reads: ReadConnections) -> None:
        self._by_number = PreparedSelect(reads, BY_NUMBER)
        self._by_user = PreparedSelect(reads, BY_USER)
        self._of_organization = PreparedSelect(reads, OF_ORGANIZATION)
        self._every = PreparedSelect(reads, EVERY)
        self._email_taken = PreparedSelect(reads, EMAIL_TAKEN)

    def by_number(self, number: int) -> MemberView | None:
        row = self._by_number.one({"number": number})
        return None if row is None else member_view(row)

    def by_user(self, user_id: UUID) -> MemberView | None:
        row = self._by_user.one({"user": str(user_id)})
        return None if row is None else member_view(row)

    def of_organization(self, organization: int) -> list[MemberView]:
        rows = self._of_organization.all({"organization": organization})
        return [member_view(row) for row in rows]

    def ecosystem_admins(self, ecosystem: int) -> list[MemberView]:
        every = (member_view(row) for row in self._every.all({}))
        return [view for view in every if view.admin or administers(view, ecosystem)]

    def email_taken(self, email: str) -> bool:
        return self._email_taken.scalar({"email": email}) is not None


def administers(view: MemberView, ecosystem: int) -> bool:
    return any(p.role is MemberRole.ECO_ADMIN and p.ecosystem == ecosystem for p in view.privileges)


def member_view(row: Mapping[str, Any]) -> MemberView:
    """Also the in-memory fake's: rows of the same shape."""
    names = (row["first_name"], row["last_name"], row["phone"], row["email"])
    first, last, phone, email = names
    contact = None if None in names else Contact(first, last, phone, email)
    return MemberView(
        user_id=UUID(row["id"]),
        number=row["number"],
        login=row["identity"],
        contact=contact,
        privileges=tuple(Privilege.from_recorded(p) for p in row["privileges"]),
        admin=row["role"] == "admin",
        status=row["status"],
    )
