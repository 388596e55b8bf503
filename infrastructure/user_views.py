"""SQL over the `users` read model (current versions only)."""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
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
PAGE_SHAPES = 256
"""Compiled listing statements kept per process (filter combinations, metadata structures)."""
SESSION_STATE = sa.select(users.c.status, users.c.role, users.c.sessions_since).where(
    users.c.id == sa.bindparam("user_id"), CURRENT
)


class SqlUserViews:
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"
        self._by_id = PreparedSelect(engine, BY_ID)
        self._session_state = PreparedSelect(engine, SESSION_STATE)
        self._prepared_page = lru_cache(maxsize=PAGE_SHAPES)(self._prepare_page)

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
        shape = _PageShape(
            every_status=query.status == "all",
            identity=query.identity is not None,
            name=query.name is not None,
            tag=query.tag is not None,
            visible_to=query.visible_to is not None,
            metadata=json.dumps(query.metadata, sort_keys=True) if query.metadata else None,
        )
        count, rows = self._prepared_page(shape)
        params: dict[str, Any] = {"status": query.status}
        if query.identity is not None:
            params["identity"] = query.identity.lower()
        if query.name is not None:
            params["name"] = f"%{_escape_like(query.name)}%"
        if query.tag is not None:
            params["tag"] = query.tag
        if query.visible_to is not None:
            params["me"] = str(query.visible_to)
        total = int(count.scalar(params))
        found = rows.all({**params, "offset": query.offset, "limit": query.limit})
        return UserPage(total, query.offset, query.limit, [_view(row) for row in found])

    def _prepare_page(self, shape: "_PageShape") -> tuple[PreparedSelect, PreparedSelect]:
        """The count and page statements for one combination of filters, compiled once."""
        conditions: list[sa.ColumnElement[bool]] = [CURRENT]
        conditions.append(
            users.c.status != "erased"
            if shape.every_status
            else users.c.status == sa.bindparam("status", type_=sa.String)
        )
        if shape.identity:
            conditions.append(sa.func.lower(users.c.identity) == sa.bindparam("identity"))
        if shape.name:
            conditions.append(users.c.name.ilike(sa.bindparam("name"), escape="\\"))
        if shape.tag:
            conditions.append(self._has_tag(sa.bindparam("tag", type_=sa.String)))
        if shape.metadata is not None:
            conditions.append(self._contains_metadata(json.loads(shape.metadata)))
        if shape.visible_to:
            me = sa.bindparam("me", type_=sa.String)
            conditions.append(sa.or_(users.c.id == me, users.c.owner == me))
        where = sa.and_(*conditions)
        count = sa.select(sa.func.count().label("total")).select_from(users).where(where)
        # Deferred join: the offset walks the listing index alone; only the page's rows are read
        # (an index scan under OFFSET would otherwise fetch every skipped row from the table).
        chosen = (
            sa.select(users.c.id)
            .where(where)
            .order_by(users.c.created_at, users.c.id)
            .offset(sa.bindparam("offset", type_=sa.Integer))
            .limit(sa.bindparam("limit", type_=sa.Integer))
            .subquery("chosen")
        )
        page = (
            sa.select(users)
            .join(chosen, users.c.id == chosen.c.id)
            .where(CURRENT)
            .order_by(users.c.created_at, users.c.id)
        )
        return PreparedSelect(self._engine, count), PreparedSelect(self._engine, page)

    def _has_tag(self, tag: sa.BindParameter[str]) -> sa.ColumnElement[bool]:
        if self._postgres:
            holds: sa.ColumnElement[bool] = sa.type_coerce(users.c.tags, JSONB).has_key(tag)
            return holds
        each = sa.func.json_each(users.c.tags).table_valued("value")
        return sa.exists(sa.select(1).select_from(each).where(each.c.value == tag))

    def _contains_metadata(self, wanted: dict[str, Any]) -> sa.ColumnElement[bool]:
        """Rows whose metadata contains the given object (JSON containment, as `@>`)."""
        if self._postgres:
            return sa.type_coerce(users.c["metadata"], JSONB).contains(wanted)
        return sqlite_json.contains(users.c["metadata"], wanted)


@dataclass(frozen=True)
class _PageShape:
    """Which filters a listing uses: each combination is one compiled statement pair. The
    metadata filter's SQL follows the structure of the wanted object, so it is part of the key."""

    every_status: bool
    identity: bool
    name: bool
    tag: bool
    visible_to: bool
    metadata: str | None


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
