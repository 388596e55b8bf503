"""SQL over the `policies` read model for the policy listings (current versions only)."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from application.ports.policies import PolicyFilter, PolicyPage, PolicyView
from infrastructure.listing import Listing, has_tag
from infrastructure.read_connections import ReadConnections
from infrastructure.schema import policies


@dataclass(frozen=True)
class _Shape:
    subject: bool
    object: bool
    action: bool
    owner: bool


class SqlPolicyViews:
    def __init__(self, reads: ReadConnections) -> None:
        self._postgres = reads.dialect.name == "postgresql"
        self._listing = Listing(reads, policies, self._conditions)

    def page(self, query: PolicyFilter) -> PolicyPage:
        shape = _Shape(
            subject=query.subject is not None,
            object=query.object is not None,
            action=query.action is not None,
            owner=query.owner is not None,
        )
        params: dict[str, Any] = {
            "kind": query.subject_kind,
            "subject": str(query.subject),
            "object": str(query.object),
            "action": query.action,
            "owner": str(query.owner),
        }
        total, rows = self._listing.page(shape, params, query.offset, query.limit)
        return PolicyPage(total, query.offset, query.limit, [_view(row) for row in rows])

    def _conditions(self, shape: _Shape) -> list[sa.ColumnElement[bool]]:
        p = policies.c
        conditions = [p.subject_kind == sa.bindparam("kind", type_=sa.String)]
        if shape.subject:
            conditions.append(p.subject == sa.bindparam("subject", type_=sa.String))
        if shape.object:
            conditions.append(p.object == sa.bindparam("object", type_=sa.String))
        if shape.action:
            conditions.append(has_tag(p.actions, self._postgres, bind="action"))
        if shape.owner:
            conditions.append(p.owner == sa.bindparam("owner", type_=sa.String))
        return conditions


def _view(row: Mapping[str, Any]) -> PolicyView:
    return PolicyView(
        subject=UUID(row["subject"]),
        object=UUID(row["object"]),
        actions=list(row["actions"]),
        owner=UUID(row["owner"]) if row["owner"] else None,
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        updated_by=row["updated_by"],
    )
