"""SQL over the `users` read model (current versions only)."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from application.ports.users import SessionState, UserFilter, UserPage, UserView
from domain.identities import normalized
from infrastructure.listing import (
    Listing,
    contains,
    has_tag,
    like_pattern,
    metadata_key,
    name_like,
    status_is,
)
from infrastructure.prepared import PreparedSelect
from infrastructure.read_connections import ReadConnections
from infrastructure.schema import policies, users

CURRENT = users.c.valid_to.is_(None)
BY_ID = sa.select(users).where(users.c.id == sa.bindparam("user_id"), CURRENT)
SESSION_STATE = sa.select(users.c.status, users.c.role, users.c.sessions_since).where(
    users.c.id == sa.bindparam("user_id"), CURRENT
)


class SqlUserViews:
    def __init__(self, reads: ReadConnections) -> None:
        self._engine = reads.engine
        self._postgres = reads.dialect.name == "postgresql"
        self._by_id = PreparedSelect(reads, BY_ID)
        self._session_state = PreparedSelect(reads, SESSION_STATE)
        self._listing = Listing(reads, users, self._conditions)

    def get(self, user_id: UUID) -> UserView | None:
        row = self._by_id.one({"user_id": str(user_id)})
        if row is None or row["status"] == "erased":
            return None
        return _view(row)

    def session_state(self, user_id: UUID) -> SessionState | None:
        row = self._session_state.one({"user_id": str(user_id)})
        if row is None:
            return None
        return SessionState(row["status"], row["role"], row["sessions_since"])

    def admin_exists(self) -> bool:
        admins = sa.select(users.c.id).where(
            CURRENT, users.c.role == "admin", users.c.status != "erased"
        )
        with self._engine.connect() as conn:
            return conn.execute(admins.limit(1)).first() is not None

    def page(self, query: UserFilter) -> UserPage:
        shape = _Shape(
            every_status=query.status == "all",
            identity=query.identity is not None,
            name=query.name is not None,
            tag=query.tag is not None,
            visible_to=query.visible_to is not None,
            owner=query.owner is not None,
            member_of=query.member_of is not None,
            metadata=metadata_key(query.metadata),
        )
        params: dict[str, Any] = {"status": query.status}
        if query.identity is not None:
            params["identity"] = normalized(query.identity).lower()
        if query.name is not None:
            params["name"] = like_pattern(query.name)
        if query.tag is not None:
            params["tag"] = query.tag
        if query.visible_to is not None:
            params["me"] = str(query.visible_to)
        if query.owner is not None:
            params["owner"] = str(query.owner)
        if query.member_of is not None:
            params["group"] = str(query.member_of)
        total, rows = self._listing.page(shape, params, query.offset, query.limit)
        return UserPage(total, query.offset, query.limit, [_view(row) for row in rows])

    def _conditions(self, shape: "_Shape") -> list[sa.ColumnElement[bool]]:
        conditions = [status_is(users.c.status, shape.every_status, hidden="erased")]
        if shape.identity:
            conditions.append(sa.func.lower(users.c.identity) == sa.bindparam("identity"))
        if shape.name:
            conditions.append(name_like(users.c.name))
        if shape.tag:
            conditions.append(has_tag(users.c.tags, self._postgres))
        if shape.metadata is not None:
            conditions.append(contains(users.c["metadata"], shape.metadata, self._postgres))
        if shape.visible_to:
            me = sa.bindparam("me", type_=sa.String)
            conditions.append(sa.or_(users.c.id == me, users.c.owner == me))
        if shape.owner:
            conditions.append(users.c.owner == sa.bindparam("owner", type_=sa.String))
        if shape.member_of:
            group = sa.bindparam("group", type_=sa.String)
            members = sa.select(policies.c.subject).where(
                policies.c.object == group, policies.c.valid_to.is_(None)
            )
            conditions.append(users.c.id.in_(members))
        return conditions


@dataclass(frozen=True)
class _Shape:
    every_status: bool
    identity: bool
    name: bool
    tag: bool
    visible_to: bool
    owner: bool
    member_of: bool
    metadata: str | None


def _view(row: Mapping[str, Any]) -> UserView:
    return UserView(
        id=UUID(row["id"]),
        identity=row["identity"],
        name=row["name"],
        tags=list(row["tags"] or []),
        metadata=dict(row["metadata"] or {}),
        role=row["role"],
        status=row["status"],
        owner=UUID(row["owner"]) if row["owner"] else None,
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        updated_by=row["updated_by"],
    )
