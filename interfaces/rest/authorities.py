"""The certificate authorities' certificates (`/api/v1/authorities/{authorityId}/certificate`):
public, so that anyone can check what FleetID issues. Authority 0 is the root."""

from dataclasses import dataclass
from typing import Annotated, ClassVar

from litestar import Controller, Response, get
from litestar.params import PathParameter

from application.authorities import AuthorityCommands, AuthorityQueries
from interfaces.rest.as_of import AS_OF

AuthorityId = Annotated[int, PathParameter(description="authority id; 0: the root", ge=0, le=2**53)]
PEM = "application/x-pem-file"


@dataclass(frozen=True)
class AuthorityServices:
    commands: AuthorityCommands
    queries: AuthorityQueries


class AuthoritiesController(Controller):
    path = "/api/v1/authorities"
    parameters = AS_OF
    tags = ["certificate manager: authorities"]
    queries: ClassVar[AuthorityQueries]

    @classmethod
    def bound_to(cls, queries: AuthorityQueries) -> type["AuthoritiesController"]:
        return type(cls.__name__, (cls,), {"queries": queries})

    @get(
        "/{authority_id:int}/certificate",
        sync_to_thread=False,
        media_type=PEM,
        summary="The authority's certificate and the root's, PEM (no sign-in needed)",
    )
    def certificate(self, authority_id: AuthorityId) -> Response[str]:
        return Response(self.queries.chain(authority_id), media_type=PEM)
