"""The certificate manager's Generator API (`/api/v1/generators?profileId=`): the sequences a
batch of that profile may number its certificates with."""

from typing import Annotated, ClassVar

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from msgspec import Struct

from application.authorization import Actor
from application.profiles import ProfileQueries
from domain.generators import Generator, applicable

ActorDep = NamedDependency[Actor]


class GeneratorParameterInfo(Struct, rename="camel"):
    generator_parameter_id: int
    name: str
    label: str
    type: str
    required: bool
    validator: str
    message: str
    value: str


class GeneratorInfo(Struct, rename="camel"):
    generator_id: int
    name: str
    parameters: list[GeneratorParameterInfo]

    @classmethod
    def of(cls, generator: Generator) -> "GeneratorInfo":
        return cls(
            generator.number,
            generator.name,
            [
                GeneratorParameterInfo(
                    p.number, p.name, p.label, p.type, p.required, p.validator, p.message, p.value
                )
                for p in generator.parameters
            ],
        )


class GeneratorsController(Controller):
    path = "/api/v1/generators"
    tags = ["certificate manager: generators"]
    profiles: ClassVar[ProfileQueries]

    @classmethod
    def bound_to(cls, profiles: ProfileQueries) -> type["GeneratorsController"]:
        return type(cls.__name__, (cls,), {"profiles": profiles})

    @get("/", sync_to_thread=False, summary="The generators a profile's batches may use")
    def generators(
        self,
        actor: ActorDep,
        profile_id: Annotated[
            int, QueryParameter(name="profileId", description="a profile id", ge=0, le=2**53)
        ],
    ) -> list[GeneratorInfo]:
        _, config = self.profiles.get(actor, profile_id)
        takes_mac = any(element.syntax == "MACAddress" for element in config.elements)
        return [GeneratorInfo.of(g) for g in applicable(takes_mac)]
