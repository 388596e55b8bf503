"""The policy listings' parameters and page: `GET /users/policies` (users' memberships of groups
and channels, in groups.py) and `GET /things/policies` (things' connections, in connections.py),
with Magistrala's filters and paging. An admin sees every policy, anyone else only the policies
they granted (Magistrala's rule, application/policy_queries.py)."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from litestar.openapi.spec import OpenAPIType, Schema
from litestar.params import QueryParameter
from msgspec import Meta, Struct

from application.ports.policies import PolicyPage, PolicyView
from domain.policies import ACTIONS
from interfaces.rest.user_schemas import ZERO_TIME

Subject = Annotated[UUID | None, QueryParameter(description="only this subject's policies")]
Object = Annotated[UUID | None, QueryParameter(description="only policies on this object")]
Action = Annotated[
    str | None,
    QueryParameter(
        description="only policies holding this action (empty: any)",
        schema_extra={"enum": ["", *ACTIONS]},
    ),
]
ActionName = Annotated[str, Meta(extra_json_schema={"extra": {"enum": list(ACTIONS)}})]
"""A policy action in a body; the domain refuses any other, naming the ones it allows."""
Actions = Annotated[
    list[str],
    Meta(
        extra_json_schema={
            "extra": {
                "min_items": 1,
                "items": Schema(type=OpenAPIType.STRING, enum=list(ACTIONS)),
            }
        }
    ),
]
"""The actions a policy grants: at least one (the domain says so, naming the field)."""
Owner = Annotated[UUID | None, QueryParameter(description="only policies this user granted")]


class PolicyResponse(Struct):
    owner_id: str
    subject: UUID
    object: UUID
    actions: list[str]
    created_at: datetime
    updated_at: datetime
    updated_by: str

    @classmethod
    def of(cls, view: PolicyView) -> "PolicyResponse":
        return cls(
            owner_id=str(view.owner) if view.owner else "",
            subject=view.subject,
            object=view.object,
            actions=view.actions,
            created_at=view.created_at,
            updated_at=view.updated_at or ZERO_TIME,
            updated_by=view.updated_by or "",
        )


class PolicyPageResponse(Struct):
    limit: int
    offset: int
    total: int
    policies: list[PolicyResponse]

    @classmethod
    def of(cls, page: PolicyPage) -> "PolicyPageResponse":
        policies = [PolicyResponse.of(p) for p in page.items]
        return cls(page.limit, page.offset, page.total, policies)
