"""`GET /access/explain`: whether a thing may do an action on a channel, or a user on a group,
channel or thing, at a position of the log (`as_of`, default now), and the events that granted
or revoked it."""

from typing import Annotated, ClassVar
from uuid import UUID

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter

from application.access_explain import AccessExplainer, Step
from application.authorization import Actor
from application.read_time import AS_OF
from domain.policies import ACTIONS
from interfaces.rest.as_of import AS_OF as AS_OF_PARAMETER


class ExplanationResponse(msgspec.Struct):
    allowed: bool
    subject: UUID
    object: UUID
    action: str
    as_of: int
    events: list[Step]


class AccessController(Controller):
    path = "/access"
    tags = ["event log"]
    parameters = AS_OF_PARAMETER
    explainer: ClassVar[AccessExplainer]

    @classmethod
    def bound_to(cls, explainer: AccessExplainer) -> type["AccessController"]:
        return type(cls.__name__, (cls,), {"explainer": explainer})

    @get(
        "/explain",
        sync_to_thread=False,
        summary="Why a subject may or may not do an action on an object (auditors and admins)",
        description="The decision FleetID makes as of the position: a thing on a channel "
        "(m_read, m_write) as the message routes decide it; a user on a group, channel or "
        "thing as the registry decides it (the actions each pair takes are in "
        "docs/event-log.md). With it, every event that changed one of the decision's inputs, "
        "oldest first, with the decision after it.",
    )
    def explain(
        self,
        actor: NamedDependency[Actor],
        subject: FromQuery[UUID],
        object_id: Annotated[UUID, QueryParameter(name="object")],
        action: Annotated[
            str,
            QueryParameter(
                description="a policy action, e.g. m_read, c_update, g_list",
                schema_extra={"enum": list(ACTIONS)},
            ),
        ],
    ) -> ExplanationResponse:
        explained = self.explainer.explain(actor, subject, object_id, action, AS_OF.get())
        return ExplanationResponse(
            explained.allowed,
            subject,
            object_id,
            action,
            explained.position,
            explained.steps,
        )
