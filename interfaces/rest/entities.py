"""The admin API of identity entities (`/api/v1/admin`, header `x-admin-api-key`) and an
entity's own routes (`/api/v1/entity`, header `apikey`), shaped as the seed document shows:
`{"data": …}` envelopes, and its field names as written (`walletId` and `id_wallet` alike)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, PathParameter, QueryParameter
from msgspec import Meta, Struct

from application.admin_access import AdminAccess, AdminCaller, AdminKeyCommands, EntityAccess
from application.authorization import Actor
from application.entities import EntityCommands, EntityQueries, MadeEntity, NewEntity
from application.ports.entities import EntityView
from application.read_time import at_present
from domain.causes import Interface
from domain.entities import EntityRole
from domain.errors import Unauthenticated
from interfaces.rest.as_of import AS_OF
from interfaces.rest.auth import ENTITY_KEY_HEADER
from interfaces.rest.client_address import client_address
from interfaces.rest.raw_headers import header

AdminDep = NamedDependency[AdminCaller]
ActorDep = NamedDependency[Actor]
EntityPath = Annotated[UUID, PathParameter(description="the entity's id")]
MAX_LIMIT = 1000
ADMIN_KEY_HEADER = b"x-admin-api-key"
WALLET_ID = (
    r"^(|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
    r"(?![\s\S])"
)
"""A wallet's id, or empty (absent)."""
ENTITY_SELF = "/iam/entities/{id}"
"""The `self` link of an entity read alone, as the document shows it (a list's are empty)."""


class AdminStatus(Struct, rename="camel"):
    is_admin: bool
    host: str
    agent: str


class AdminStatusResponse(Struct):
    data: AdminStatus


class EntityItem(Struct):
    kind: str
    self_: str = msgspec.field(name="self")
    id: str
    name: str | None
    walletId: str  # noqa: N815 - the document's spelling
    createdAt: str  # noqa: N815
    updatedAt: str  # noqa: N815


class EntityListResponse(Struct):
    data: list[EntityItem]


class EntityResponse(Struct):
    data: EntityItem


class NewEntityBody(Struct, forbid_unknown_fields=False):
    name: Annotated[
        str, Meta(min_length=1, max_length=1024, description="the entity's (and wallet's) name")
    ]
    role: Literal["caller", "worker", "provider", "admin"]
    """A caller gets a wallet of its own; the other roles name one (`id_wallet`)."""
    mnemonic: (
        Annotated[
            str,
            Meta(
                max_length=1024,
                description="24 BIP39 words (a caller only); empty or absent: FleetID makes one",
            ),
        ]
        | None
    ) = None
    id_wallet: (
        Annotated[
            str,
            Meta(
                pattern=WALLET_ID,
                description="an existing wallet: required for worker, provider and admin",
            ),
        ]
        | None
    ) = None


class MadeEntityData(Struct):
    id_entity: str
    id_wallet: str
    name: str
    role: str
    created_at: str
    key: str
    """The entity's API key (header `apikey`), shown this once."""
    public_addr: str
    longDid: str  # noqa: N815 - the document's spelling


class MadeEntityResponse(Struct):
    data: MadeEntityData


class Empty(Struct):
    pass


class MyEntity(Struct, rename="camel"):
    kind: str
    id: str
    name: str | None
    role: str
    wallet_id: str
    long_did: str
    created_at: str
    updated_at: str


class MyEntityResponse(Struct):
    data: MyEntity


@dataclass(frozen=True)
class EntityServices:
    commands: EntityCommands
    queries: EntityQueries
    admin: AdminAccess
    admin_keys: AdminKeyCommands
    entities: EntityAccess
    host: str
    agent: str


def admin_caller(services: EntityServices) -> Provide:
    def admin(request: Request[Any, Any, Any]) -> AdminCaller:
        with at_present():
            return services.admin.authenticate(
                header(request, ADMIN_KEY_HEADER), client_address(request)
            )

    return Provide(admin, sync_to_thread=False)


class AdminController(Controller):
    path = "/api/v1/admin"
    tags = ["admin: identity entities"]
    parameters = AS_OF
    services: ClassVar[EntityServices]

    @classmethod
    def bound_to(cls, services: EntityServices) -> type["AdminController"]:
        dependencies = {"admin": admin_caller(services)}
        return type(cls.__name__, (cls,), {"services": services, "dependencies": dependencies})

    @get("/", sync_to_thread=False, summary="Whether the admin key is granted; host and agent")
    def status(self, admin: AdminDep) -> AdminStatusResponse:
        return AdminStatusResponse(AdminStatus(True, self.services.host, self.services.agent))

    @get("/entities", sync_to_thread=False, summary="Identity entities")
    def list_entities(
        self,
        admin: AdminDep,
        offset: Annotated[int, QueryParameter(ge=0)] = 0,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = 100,
    ) -> EntityListResponse:
        found = self.services.queries.page(offset, limit)
        return EntityListResponse([_item(entity, "") for entity in found.items])

    @get("/entity/{id_entity:uuid}", sync_to_thread=False, summary="An entity")
    def get_entity(self, id_entity: EntityPath, admin: AdminDep) -> EntityResponse:
        found = self.services.queries.get(id_entity)
        return EntityResponse(_item(found, ENTITY_SELF.format(id=found.id)))

    @get(
        "/entity/{id_entity:uuid}/did",
        sync_to_thread=False,
        summary="An entity's DID, resolved to its DID document",
        description="The PRISM long-form DID is resolved from its own encoded state (the hash "
        "checked); see docs/identity-entities.md.",
    )
    def resolve_did(self, id_entity: EntityPath, admin: AdminDep) -> dict[str, Any]:
        return {"data": self.services.queries.resolution(id_entity)}

    @post(
        "/entity",
        status_code=201,
        summary="Make an entity with its wallet, API key and DID",
        description="A caller gets a new wallet (from `mnemonic`, or a new one); the other "
        "roles name an existing one (`id_wallet`). The API key is shown this once.",
    )
    async def create_entity(
        self, data: JSONBody[NewEntityBody], admin: AdminDep
    ) -> Response[MadeEntityResponse]:
        made = await self.services.commands.create(_new_entity(data), admin.cause(Interface.REST))
        return Response(
            MadeEntityResponse(_made(made)),
            status_code=201,
            headers={"Location": f"{self.path}/entity/{made.entity}", "Cache-Control": "no-store"},
        )

    @delete(
        "/entity/{id_entity:uuid}",
        status_code=200,
        summary="Delete an entity (its wallet too, once no entity uses it)",
    )
    async def delete_entity(self, id_entity: EntityPath, admin: AdminDep) -> Empty:
        await self.services.commands.delete(id_entity, admin.cause(Interface.REST))
        return Empty()


class EntityController(Controller):
    path = "/api/v1/entity"
    tags = ["identity entities"]
    parameters = AS_OF
    services: ClassVar[EntityServices]

    @classmethod
    def bound_to(cls, services: EntityServices) -> type["EntityController"]:
        def entity(request: Request[Any, Any, Any]) -> Actor:
            key = header(request, ENTITY_KEY_HEADER)
            if key is None:
                raise Unauthenticated("missing apikey header")
            with at_present():
                return services.entities.authenticate(key, client_address(request))

        dependencies = {"entity": Provide(entity, sync_to_thread=False)}
        return type(cls.__name__, (cls,), {"services": services, "dependencies": dependencies})

    @get("/me", sync_to_thread=False, summary="The calling entity")
    def me(self, entity: ActorDep) -> MyEntityResponse:
        found = self.services.queries.get(entity.id)
        return MyEntityResponse(
            MyEntity(
                kind="Entity",
                id=str(found.id),
                name=found.name,
                role=found.role,
                wallet_id=str(found.wallet),
                long_did=found.long_did,
                created_at=_micros(found.created_at),
                updated_at=_micros(found.updated_at),
            )
        )


def _new_entity(body: NewEntityBody) -> NewEntity:
    """Empty strings are absent, as the clients of such APIs send them."""
    wallet = UUID(body.id_wallet) if body.id_wallet else None
    return NewEntity(body.name, EntityRole(body.role), wallet, body.mnemonic or None)


def _item(entity: EntityView, link: str) -> EntityItem:
    return EntityItem(
        kind="Entity",
        self_=link,
        id=str(entity.id),
        name=entity.name,
        walletId=str(entity.wallet),
        createdAt=_micros(entity.created_at),
        updatedAt=_micros(entity.updated_at),
    )


def _made(made: MadeEntity) -> MadeEntityData:
    return MadeEntityData(
        id_entity=str(made.entity),
        id_wallet=str(made.wallet),
        name=made.name,
        role=made.role.value,
        created_at=_millis(made.created_at),
        key=made.key,
        public_addr=made.address,
        longDid=made.long_did,
    )


def _micros(at: datetime) -> str:
    """`2024-06-14T17:49:33.108886Z`, as the document's entities show times."""
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _millis(at: datetime) -> str:
    """`2024-10-03T10:28:47.667Z`, as the document's creation answer shows it."""
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"
