"""`/log/…`: signed tree heads and proofs over the event log (RFC 9162), for auditors.

The public key is public; everything else needs an auditor or an admin. Hashes and signatures
are base64. `interfaces/verify_log.py` checks every answer without FleetID's code.
"""

from collections.abc import Iterator
from typing import Annotated, Any, ClassVar

import msgspec
from litestar import Controller, MediaType, Response, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Stream

from application.authorization import Actor
from application.log_proofs import LogProofs

BEYOND = 2**62
"""Sizes and positions are bound to the databases at most this; any beyond the log is 404."""
Size = Annotated[
    int | None, QueryParameter(ge=1, description="default: latest head; beyond the log: 404")
]
Position = Annotated[int, QueryParameter(ge=1, description="beyond the log: 404")]


def _bounded(number: int | None) -> int | None:
    return None if number is None else min(number, BEYOND)


class TreeHeadResponse(msgspec.Struct):
    tree_size: int
    timestamp: int
    root_hash: str
    signature: str


PEM = "application/x-pem-file"


class InclusionResponse(msgspec.Struct):
    position: int
    leaf_index: int
    tree_size: int
    leaf_hash: str
    audit_path: list[str]


class ConsistencyResponse(msgspec.Struct):
    first: int
    second: int
    proof: list[str]


class LogProofsController(Controller):
    path = "/log"
    tags = ["event log"]
    proofs: ClassVar[LogProofs]

    @classmethod
    def bound_to(cls, proofs: LogProofs) -> type["LogProofsController"]:
        return type(cls.__name__, (cls,), {"proofs": proofs})

    @get(
        "/public-key",
        sync_to_thread=False,
        summary="The log's Ed25519 public key, PEM (no token needed)",
        description="The body is the PEM file itself: save it as it is for verify_log.py.",
        media_type=PEM,
    )
    def public_key(self) -> Response[str]:
        return Response(self.proofs.public_key(), media_type=PEM)

    @get("/tree-head", sync_to_thread=False, summary="The latest signed tree head")
    def tree_head(self, actor: NamedDependency[Actor]) -> TreeHeadResponse:
        return msgspec.convert(self.proofs.latest_head(actor).as_json(), TreeHeadResponse)

    @post("/tree-head", status_code=200, summary="Sign a tree head for the log as it is now")
    async def sign(self, actor: NamedDependency[Actor]) -> TreeHeadResponse:
        head = self.proofs.sign_head(actor)
        return msgspec.convert(head.as_json(), TreeHeadResponse)

    @get("/proofs/inclusion", sync_to_thread=False, summary="An event's audit path")
    def inclusion(
        self,
        actor: NamedDependency[Actor],
        position: Position,
        tree_size: Size = None,
    ) -> InclusionResponse:
        proof = self.proofs.inclusion(actor, min(position, BEYOND), _bounded(tree_size))
        return msgspec.convert(proof, InclusionResponse)

    @get("/proofs/consistency", sync_to_thread=False, summary="Proof that a tree extends another")
    def consistency(
        self,
        actor: NamedDependency[Actor],
        first: Position,
        second: Size = None,
    ) -> ConsistencyResponse:
        proof = self.proofs.consistency(actor, min(first, BEYOND), _bounded(second))
        return msgspec.convert(proof, ConsistencyResponse)

    @get(
        "/leaves",
        sync_to_thread=False,
        summary="Every leaf of a signed tree: 'position hex-hash' per line",
        media_type=MediaType.TEXT,
    )
    def leaves(self, actor: NamedDependency[Actor], tree_size: Size = None) -> Response[Any]:
        rows = self.proofs.leaves(actor, _bounded(tree_size))

        def lines() -> Iterator[bytes]:
            for position, digest in rows:
                yield f"{position} {digest.hex()}\n".encode()

        return Stream(lines(), media_type=MediaType.TEXT)
