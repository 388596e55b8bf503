"""What HTTP workers and the writer process say to each other over the writer's Unix socket.

A request is one caller's save: its events as the log stores them (already sealed). A reply
names the request, its outcome, the position of its last event, and how far the projections
had applied when the writer answered. Frames are a 4-byte big-endian length and a MessagePack
body; the socket lives in a private directory, so only FleetID's own processes reach it.
"""

import socket
import struct
from typing import Literal
from uuid import UUID

import msgspec
from eventsourcing.persistence import StoredEvent

MAX_FRAME = 256 * 1024 * 1024
"""Above any save: the largest is a mass operation stored whole, whose events hold at most the
items of a request of FLEETID_MAX_UPLOAD_BYTES (64 MiB by default) as read. A longer length
is corruption."""

Outcome = Literal["ok", "stale", "unavailable", "failed"]


class Request(msgspec.Struct, array_like=True, frozen=True):
    id: int
    events: list[tuple[bytes, int, str, bytes]]

    @classmethod
    def of(cls, request_id: int, events: list[StoredEvent]) -> "Request":
        return cls(
            request_id,
            [
                (UUID(str(e.originator_id)).bytes, e.originator_version, e.topic, e.state)
                for e in events
            ],
        )

    def stored(self) -> list[StoredEvent]:
        return [
            StoredEvent(UUID(bytes=originator), version, topic, state)
            for originator, version, topic, state in self.events
        ]


class Reply(msgspec.Struct, array_like=True, frozen=True):
    id: int
    outcome: Outcome
    position: int = 0
    """The log position of the save's last event."""
    applied: int = 0
    """The projections' position when the writer answered: the caller's reads see at least it."""
    message: str = ""


_requests = msgspec.msgpack.Decoder(Request)
_replies = msgspec.msgpack.Decoder(Reply)
_encode = msgspec.msgpack.Encoder().encode
_LENGTH = struct.Struct(">I")


def send(sock: socket.socket, message: Request | Reply) -> None:
    body = _encode(message)
    sock.sendall(_LENGTH.pack(len(body)) + body)


def receive_request(sock: socket.socket) -> Request | None:
    frame = _frame(sock)
    return None if frame is None else _requests.decode(frame)


def receive_reply(sock: socket.socket) -> Reply | None:
    frame = _frame(sock)
    return None if frame is None else _replies.decode(frame)


def _frame(sock: socket.socket) -> bytes | None:
    """The next frame's body; None when the peer closed the connection between frames."""
    header = _exactly(sock, _LENGTH.size)
    if header is None:
        return None
    (length,) = _LENGTH.unpack(header)
    if length > MAX_FRAME:
        raise ConnectionError(f"a frame of {length} bytes: the stream is corrupt")
    body = _exactly(sock, length)
    if body is None:
        raise ConnectionError("the connection closed inside a frame")
    return body


def _exactly(sock: socket.socket, size: int) -> bytes | None:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            if chunks:
                raise ConnectionError("the connection closed inside a frame")
            return None
        chunks += chunk
    return bytes(chunks)
