"""The certificate manager's Batch API (`/api/v1/batches`), so far its preview."""

from typing import Annotated, ClassVar

from litestar import Controller, put
from litestar.di import NamedDependency
from litestar.params import JSONBody
from msgspec import Meta, Struct

from application.authorization import Actor
from application.batches import BatchQueries, BatchRequest
from domain.generators import MAX_COUNT

ActorDep = NamedDependency[Actor]
Parameters = Annotated[dict[str, str | int], Meta(max_length=64)]
"""The document shows every parameter as text; a number is read as its text. The domain names
a faulty key or value (`profileParams.years`)."""


class BatchBody(Struct, rename="camel", kw_only=True):
    authority_id: Annotated[int, Meta(ge=0, le=2**53)]
    batch_name: Annotated[str, Meta(max_length=255)] = ""
    generator_id: Annotated[int, Meta(ge=1, le=2**31)]
    generator_params: Parameters
    batch_size: Annotated[int, Meta(ge=1, le=MAX_COUNT)]
    profile_params: Parameters = {}

    def request(self) -> BatchRequest:
        return BatchRequest(
            self.authority_id,
            self.batch_name,
            self.generator_id,
            _texts(self.generator_params),
            self.batch_size,
            _texts(self.profile_params),
        )


def _texts(parameters: dict[str, str | int]) -> dict[str, str]:
    return {key: str(value) for key, value in parameters.items()}


class BatchesController(Controller):
    path = "/api/v1/batches"
    tags = ["certificate manager: batches"]
    queries: ClassVar[BatchQueries]

    @classmethod
    def bound_to(cls, queries: BatchQueries) -> type["BatchesController"]:
        return type(cls.__name__, (cls,), {"queries": queries})

    @put(
        "/preview",
        status_code=200,
        summary="What the batch's first certificate would be given, and the batch's serials",
    )
    async def preview(self, data: JSONBody[BatchBody], actor: ActorDep) -> dict[str, str]:
        values = self.queries.preview(actor, data.request())
        serials = values.serials()
        shown = serials[0] if len(serials) == 1 else f"{serials[0]} - {serials[-1]}"
        return {**values.first(), "serials": shown}
