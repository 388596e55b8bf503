"""Tamper evidence for the event log, in the style of Certificate Transparency (RFC 9162).

A Merkle tree over every event's exported line, in global order; signed tree heads; audit paths
that put one event in a signed tree; consistency proofs that an older tree is a prefix of a newer
one. With these and the public key, an auditor checks the log without trusting FleetID
(interfaces/verify_log.py).
"""

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from application.authorization import Actor
from domain.errors import Forbidden, InvalidValue, NotFound


@dataclass(frozen=True)
class SignedHead:
    tree_size: int
    timestamp: int
    root_hash: bytes
    signature: bytes

    def as_json(self) -> dict[str, object]:
        return {
            "tree_size": self.tree_size,
            "timestamp": self.timestamp,
            "root_hash": _b64(self.root_hash),
            "signature": _b64(self.signature),
        }


class MerkleLog(Protocol):
    def size(self) -> int: ...

    def sign(self) -> SignedHead: ...

    def latest(self) -> SignedHead | None: ...

    def leaf_of(self, position: int) -> int | None: ...

    def leaf_hash(self, index: int) -> bytes: ...

    def inclusion(self, index: int, size: int) -> list[bytes]: ...

    def consistency(self, first: int, second: int) -> list[bytes]: ...

    def leaves(self, size: int) -> Iterator[tuple[int, bytes]]: ...

    def public_key_pem(self) -> str: ...


class LogProofs:
    def __init__(self, log: MerkleLog) -> None:
        self._log = log

    def public_key(self) -> str:
        return self._log.public_key_pem()

    def latest_head(self, actor: Actor) -> SignedHead:
        _require(actor)
        head = self._log.latest()
        if head is None:
            raise NotFound("no tree head has been signed yet")
        return head

    def sign_head(self, actor: Actor) -> SignedHead:
        _require(actor)
        return self._log.sign()

    def inclusion(self, actor: Actor, position: int, size: int | None) -> dict[str, object]:
        _require(actor)
        size = self._size(size, "tree_size")
        index = self._log.leaf_of(position)
        if index is None or index >= size:
            raise NotFound(f"no event at position {position} in the tree of {size} events")
        return {
            "position": position,
            "leaf_index": index,
            "tree_size": size,
            "leaf_hash": _b64(self._log.leaf_hash(index)),
            "audit_path": [_b64(h) for h in self._log.inclusion(index, size)],
        }

    def consistency(self, actor: Actor, first: int, second: int | None) -> dict[str, object]:
        _require(actor)
        latest = second is None
        second = self._size(second, "second")
        if latest and first > second:
            raise NotFound(f"the latest signed tree holds {second} events", field="first")
        if not 0 < first <= second:
            raise InvalidValue("first must be between 1 and second", field="first")
        proof = self._log.consistency(first, second)
        return {"first": first, "second": second, "proof": [_b64(h) for h in proof]}

    def leaves(self, actor: Actor, size: int | None) -> Iterator[tuple[int, bytes]]:
        _require(actor)
        return self._log.leaves(self._size(size, "tree_size"))

    def _size(self, size: int | None, field: str) -> int:
        """A tree size, defaulting to the latest signed head's: proofs are for signed trees."""
        if size is None:
            head = self._log.latest()
            if head is None:
                raise NotFound("no tree head has been signed yet")
            return head.tree_size
        if size > self._log.size():
            held = self._log.size()
            raise NotFound(f"the log holds {held} events: no tree of {size}", field=field)
        return size


def _require(actor: Actor) -> None:
    if not actor.reads_the_log:
        raise Forbidden("only auditors and admins read the event log's proofs")


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()
