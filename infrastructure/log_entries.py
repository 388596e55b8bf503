"""The event log as auditors read it: one JSON line per event.

`fleetid log export`, `GET /events` and the leaves of the log's Merkle tree all use these bytes,
built from the stored row alone, so an auditor can hash an exported line and compare it with
what FleetID signed. Personal fields stay as they are stored: sealed under their subject's key,
which erasure destroys without touching the line. Password hashes are sealed too; one an
earlier build stored in the clear is withheld from the line (see `_withheld`). A row that no
longer decodes (tampered with) still gets a line, carrying its raw state, so that verification
can point at it.
"""

import base64
from dataclasses import dataclass
from typing import Any

import msgspec
from eventsourcing.persistence import Notification

from infrastructure.merkle import leaf_hash

_encoder = msgspec.json.Encoder()
HASHED_SECRETS = ("secret_hash",)
"""Event fields that hold a password's hash: sealed since it was learned that auditors read
them; a text value there is a hash an earlier build stored in the clear."""
WITHHELD = "withheld"


@dataclass(frozen=True)
class LogEntry:
    position: int
    aggregate_id: str
    aggregate_type: str
    version: int
    event_type: str
    recorded_at: str | None
    actor: str | None
    actor_kind: str | None
    interface: str | None
    line: bytes
    leaf_hash: bytes
    """The hash of the line as stored: for a line with a hash withheld, of the line with it."""


def entry_of(notification: Notification) -> LogEntry:
    _module, _, qualname = notification.topic.partition(":")
    aggregate_type, _, event_type = qualname.rpartition(".")
    try:
        state = msgspec.json.decode(notification.state)
    except msgspec.DecodeError:
        state = None
    if not isinstance(state, dict):
        state = {"undecodable_state": base64.b64encode(notification.state).decode()}
    recorded_at = state.pop("timestamp", None)
    cause = state.pop("cause", None)
    cause = cause if isinstance(cause, dict) else {}
    entry: dict[str, Any] = {
        "position": notification.id,
        "aggregate_id": str(notification.originator_id),
        "aggregate_type": aggregate_type,
        "version": notification.originator_version,
        "event_type": event_type,
        "recorded_at": recorded_at if isinstance(recorded_at, str) else None,
        "actor": _text(cause.get("actor")),
        "actor_kind": _text(cause.get("kind")),
        "interface": _text(cause.get("via")),
        "data": state,
    }
    return LogEntry(
        notification.id,
        entry["aggregate_id"],
        aggregate_type,
        notification.originator_version,
        event_type,
        entry["recorded_at"],
        entry["actor"],
        entry["actor_kind"],
        entry["interface"],
        *_withheld(entry, state),
    )


def _withheld(entry: dict[str, Any], state: dict[str, Any]) -> tuple[bytes, bytes]:
    """The line auditors get, and its leaf. A hash an earlier build stored in the clear is
    replaced by the leaf of the line that holds it, which the tree committed to when the event
    was first indexed: the line still checks against signed heads, its hash never leaves."""
    line = _encoder.encode(entry)
    leaf = leaf_hash(line)
    clear = [name for name in HASHED_SECRETS if isinstance(state.get(name), str)]
    if not clear:
        return line, leaf
    for name in clear:
        state[name] = {WITHHELD: base64.b64encode(leaf).decode()}
    return _encoder.encode(entry), leaf


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
