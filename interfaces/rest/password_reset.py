"""`POST /password/reset-request` and `PUT /password/reset`, Magistrala's reset flow (see
application/password_reset.py for what FleetID does differently, and why)."""

from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

from litestar import Controller, Request, Response, post, put
from litestar.params import JSONBody
from msgspec import Meta, Struct

from application.password_reset import PasswordReset
from application.throttling import Throttle
from domain.users import MAX_IDENTITY_LENGTH
from interfaces.rest.client_address import client_address
from interfaces.rest.json_bodies import EMPTY_IS_ABSENT
from interfaces.rest.user_schemas import NewSecret

MAIL_SENT = "Email with reset link is sent"
Token = Annotated[str, Meta(min_length=1, max_length=4096)]
Email = Annotated[str, Meta(min_length=1, max_length=MAX_IDENTITY_LENGTH)]
"""Any text: what is not a user's identity gets the same answer and no mail."""


class ResetRequest(Struct, kw_only=True):
    email: Email
    host: str = ""
    """Ignored: the link's page is the operator's setting (FLEETID_PASSWORD_RESET_LINK)."""


class ResetRequestResponse(Struct):
    msg: str


class Reset(Struct, kw_only=True):
    token: Token
    password: NewSecret
    confirm_password: NewSecret


class Done(Struct):
    """Magistrala answers an empty object."""


@dataclass(frozen=True)
class ResetServices:
    reset: PasswordReset
    throttle: Throttle


class PasswordResetController(Controller):
    path = "/password"
    tags = ["users"]
    opt = EMPTY_IS_ABSENT
    services: ClassVar[ResetServices]

    @classmethod
    def bound_to(cls, services: ResetServices) -> type["PasswordResetController"]:
        return type(cls.__name__, (cls,), {"services": services})

    @post(
        "/reset-request",
        status_code=201,
        sync_to_thread=True,
        summary="Mail a reset link (the same answer whether or not the identity is registered)",
    )
    def request_reset(
        self, request: Request[Any, Any, Any], data: JSONBody[ResetRequest]
    ) -> ResetRequestResponse:
        self.services.throttle.spend(client_address(request), data.email)
        self.services.reset.request(data.email)
        return ResetRequestResponse(MAIL_SENT)

    @put("/reset", status_code=201, summary="Set a new password with a reset token")
    async def reset(self, request: Request[Any, Any, Any], data: JSONBody[Reset]) -> Response[Done]:
        with self.services.throttle.guarding(client_address(request)):
            await self.services.reset.reset(data.token, data.password, data.confirm_password)
        return Response(Done(), status_code=201)
