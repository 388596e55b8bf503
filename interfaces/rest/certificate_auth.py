"""The certificate manager's sign-in and password reset (`/auth/...`), on FleetID's own users:
one identity (`username`) and one password, whichever API a client signs in through."""

from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

from litestar import Controller, Request, Response, post
from litestar.params import JSONBody, QueryParameter
from msgspec import Meta, Struct

from application.reset_codes import CodeReset
from application.sessions import Sessions
from application.throttling import Throttle
from domain.errors import Unauthenticated
from domain.memberships import MAX_PASSWORD
from domain.users import MAX_IDENTITY_LENGTH, MAX_SECRET_LENGTH, MIN_SECRET_LENGTH
from interfaces.rest.client_address import client_address

MAX_TOKEN = 4096
RAW_TOKEN_MEDIA_TYPES = ("", "text/plain", "application/json")
"""The refresh token comes as the whole body: the document's example names no media type, and
clients that send a string say text/plain or JSON."""
Login = Annotated[str, Meta(min_length=1, max_length=MAX_IDENTITY_LENGTH)]
Code = Annotated[str, Meta(min_length=1, max_length=64)]
NewPassword = Annotated[
    str,
    Meta(
        min_length=MIN_SECRET_LENGTH,
        max_length=MAX_PASSWORD,
        pattern=r"^.*[0-9].*$",
        description=f"{MIN_SECRET_LENGTH} to {MAX_PASSWORD} characters, at least one a digit",
    ),
]


class SignIn(Struct, forbid_unknown_fields=False):
    username: Login
    password: Annotated[str, Meta(max_length=MAX_SECRET_LENGTH)]


class SignedIn(Struct, rename="camel"):
    access_token: str
    refresh_token: str


class Refreshed(Struct, rename="camel"):
    access_token: str


class UpdatedPassword(Struct, rename="camel"):
    new_password: NewPassword
    repeated_new_password: NewPassword


class PasswordUpdate(Struct, rename="camel"):
    updated_password: UpdatedPassword
    code: Code


@dataclass(frozen=True)
class CertificateAuthServices:
    sessions: Sessions
    reset: CodeReset
    throttle: Throttle


class CertificateAuthController(Controller):
    path = "/auth"
    tags = ["certificate manager: authentication"]
    services: ClassVar[CertificateAuthServices]

    @classmethod
    def bound_to(cls, services: CertificateAuthServices) -> type["CertificateAuthController"]:
        return type(cls.__name__, (cls,), {"services": services})

    @post(
        "/pwd", status_code=200, sync_to_thread=True, summary="Sign in: access and refresh tokens"
    )
    def sign_in(self, request: Request[Any, Any, Any], data: JSONBody[SignIn]) -> SignedIn:
        with self.services.throttle.guarding(client_address(request), data.username):
            pair = self.services.sessions.issue(data.username, data.password)
        return SignedIn(pair.access_token, pair.refresh_token)

    @post(
        "/refresh",
        status_code=200,
        summary="A new access token for a refresh token, sent alone as the request body",
        opt={"body_media_types": RAW_TOKEN_MEDIA_TYPES},
    )
    async def refresh(self, request: Request[Any, Any, Any]) -> Refreshed:
        body = await request.body()
        if len(body) > MAX_TOKEN:
            raise Unauthenticated("not a refresh token")
        try:
            token = body.decode().strip().strip('"')
        except UnicodeDecodeError:
            raise Unauthenticated("not a refresh token") from None
        if not token:
            raise Unauthenticated("the body must be the refresh token")
        return Refreshed(self.services.sessions.refresh(token).access_token)

    @post(
        "/reset",
        status_code=200,
        summary="Mail a reset code; false when one was asked for within the last 15 minutes",
    )
    async def request_reset(
        self,
        request: Request[Any, Any, Any],
        login: Annotated[Login, QueryParameter(description="the user's login")],
    ) -> bool:
        self.services.throttle.spend(client_address(request), login)
        return await self.services.reset.request(login)

    @post("/update", status_code=204, summary="Set a new password with a reset code")
    async def update(
        self, request: Request[Any, Any, Any], data: JSONBody[PasswordUpdate]
    ) -> Response[None]:
        passwords = data.updated_password
        with self.services.throttle.guarding(client_address(request)):
            await self.services.reset.update(
                data.code, passwords.new_password, passwords.repeated_new_password
            )
        return Response(None, status_code=204)

    @post(
        "/validate-code",
        status_code=200,
        sync_to_thread=True,
        summary="Whether a reset code is valid: known, unused and not expired",
    )
    def validate_code(
        self, code: Annotated[Code, QueryParameter(description="the reset code")]
    ) -> bool:
        return self.services.reset.valid(code)
