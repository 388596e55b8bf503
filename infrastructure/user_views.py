"""SQL over the `users` read model (current versions only)."""

from collections.abc import Mapping
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from application.ports import SessionState, UserFilter, UserPage, UserView
from infrastructure import sqlite_json
from infrastructure.prepared import PreparedSelect
from infrastructure.schema import users

CURRENT = users.c.valid_to.is_(None)
BY_ID = sa.select(users).where(users.c.id == sa.bindparam("user_id"), CURRENT)
SESSION_STATE = sa.select(users.c.status, users.c.role, users.c.sessions_since).where(
    users.c.id == sa.bindparam("user_id"), CURRENT
)


class SqlUserViews:
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"
        self._by_id = PreparedSelect(engine, BY_ID)
        self._session_state = PreparedSelect(engine, SESSION_STATE)

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
        conditions: list[sa.ColumnElement[bool]] = [CURRENT]
        conditions.append(
            users.c.status != "erased" if query.status == "all" else users.c.status == query.status
        )
        if query.identity is not None:
            conditions.append(sa.func.lower(users.c.identity) == query.identity.lower())
        if query.name is not None:
            conditions.append(users.c.name.ilike(f"%{_escape_like(query.name)}%", escape="\\"))
        if query.tag is not None:
            conditions.append(self._has_tag(query.tag))
        if query.metadata:
            conditions.append(self._contains_metadata(query.metadata))
        if query.visible_to is not None:
            me = str(query.visible_to)
            conditions.append(sa.or_(users.c.id == me, users.c.owner == me))
        where = sa.and_(*conditions)
        with self._engine.connect() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(users).where(where))
            rows = conn.execute(
                sa.select(users)
                .where(where)
                .order_by(users.c.created_at, users.c.id)
                .offset(query.offset)
                .limit(query.limit)
            ).all()
            count = int(total.scalar_one())
        return UserPage(count, query.offset, query.limit, [_view(dict(r._mapping)) for r in rows])

    def _has_tag(self, tag: str) -> sa.ColumnElement[bool]:
        if self._postgres:
            return sa.type_coerce(users.c.tags, JSONB).contains([tag])
        each = sa.func.json_each(users.c.tags).table_valued("value")
        return sa.exists(sa.select(1).select_from(each).where(each.c.value == tag))

    def _contains_metadata(self, wanted: dict[str, Any]) -> sa.ColumnElement[bool]:
        """Rows whose metadata contains the given object (JSON containment, as `@>`)."""
        if self._postgres:
            return sa.type_coerce(users.c["metadata"], JSONB).contains(wanted)
        return sqlite_json.contains(users.c["metadata"], wanted)


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


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
