"""The certificate manager's Profile API (`/api/v1/profiles`): the profiles, each with its
configuration, the parameters a batch or request may give, and its fixed subject."""

from dataclasses import dataclass
from typing import Annotated, ClassVar

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import PathParameter
from msgspec import Struct

from application.authorization import Actor
from application.organizations import require_admin
from application.profiles import ProfileCommands, ProfileQueries
from domain.profile_configs import parameters, subject_defaults
from interfaces.rest.as_of import AS_OF

ActorDep = NamedDependency[Actor]
ProfileId = Annotated[int, PathParameter(description="profile id", ge=0, le=2**53)]


class ProfileItem(Struct, rename="camel"):
    profile_id: int
    algorithms: list[str]
    ca: str


class ProfileResponse(Struct, rename="camel"):
    profile_name: str
    profile_id: int
    raw_profile_config: str
    name: str
    key_algorithm_info: str


class ProfileParameter(Struct, rename="camel"):
    name: str
    input_type: str
    required: bool
    placeholder: str | None
    validation_pattern: str | None
    message: str | None
    value: str | None
    title: str
    scopes: list[str]
    dynamic: bool


class OrganizationParameter(Struct):
    name: str
    type: str
    pattern: str
    message: str


ORGANIZATION_PARAMETERS = [
    OrganizationParameter(
        "MANUFACTURER_ID", "number", "^[0-9]{1,3}", "Field must be a number in range from 0 to 999"
    ),
    *(
        OrganizationParameter(name, "text", "^.{1,255}$", "Field must be 1 to 255 characters")
        for name in ("ORGANIZATION", "CITY", "COUNTRY", "STATE")
    ),
]
"""The document's rule for MANUFACTURER_ID, as written there (unanchored at the end)."""


@dataclass(frozen=True)
class ProfileServices:
    commands: ProfileCommands
    queries: ProfileQueries


class ProfilesController(Controller):
    path = "/api/v1/profiles"
    parameters = AS_OF
    tags = ["certificate manager: profiles"]
    services: ClassVar[ProfileServices]

    @classmethod
    def bound_to(cls, services: ProfileServices) -> type["ProfilesController"]:
        return type(cls.__name__, (cls,), {"services": services})

    @get("/", sync_to_thread=False, summary="Every profile (admins)")
    def all_profiles(self, actor: ActorDep) -> list[ProfileItem]:
        found = self.services.queries.all(actor)
        return [ProfileItem(view.number, [view.key_algorithm], view.name) for view in found]

    @get("/{profile_id:int}", sync_to_thread=False, summary="A profile and its configuration")
    def get_profile(self, profile_id: ProfileId, actor: ActorDep) -> ProfileResponse:
        view, _ = self.services.queries.get(actor, profile_id)
        return ProfileResponse(view.name, view.number, view.config, view.name, view.key_algorithm)

    @get(
        "/{profile_id:int}/parameters",
        sync_to_thread=False,
        summary="What a batch or request may give for this profile (profileParams)",
    )
    def profile_parameters(self, profile_id: ProfileId, actor: ActorDep) -> list[ProfileParameter]:
        _, config = self.services.queries.get(actor, profile_id)
        return [
            ProfileParameter(
                p.name,
                p.input_type,
                p.required,
                None,
                p.validation_pattern,
                p.message,
                p.value,
                p.title,
                list(p.scopes),
                True,
            )
            for p in parameters(config)
        ]

    @get("/{profile_id:int}/dn", sync_to_thread=False, summary="The subject the profile fixes")
    def subject_dn(self, profile_id: ProfileId, actor: ActorDep) -> dict[str, str]:
        _, config = self.services.queries.get(actor, profile_id)
        return subject_defaults(config)

    @get(
        "/organization_parameters",
        sync_to_thread=False,
        summary="The rules of organizationParameters (admins)",
    )
    def organization_parameters(self, actor: ActorDep) -> list[OrganizationParameter]:
        require_admin(actor)
        return ORGANIZATION_PARAMETERS
