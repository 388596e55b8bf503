"""msgspec-based event mapping, with personal fields and secrets' hashes sealed per subject on
the way into the log."""

import typing
from functools import cache
from typing import Any, ClassVar, Protocol
from uuid import UUID

import msgspec
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder
from eventsourcing.utils import get_topic, resolve_topic

ORIGINATOR_FIELDS = frozenset({"originator_id", "originator_version"})


class Sealer(Protocol):
    def seal(self, subject: str, field: str, value: Any, *, first: bool) -> dict[str, str]: ...

    def unseal(self, subject: str, field: str, sealed: Any) -> bytes | None: ...


class _NoTranscoder(Transcoder):
    """The library's Mapper wants a transcoder; this mapper encodes with msgspec itself."""

    def encode(self, obj: Any) -> bytes:
        raise NotImplementedError

    def decode(self, data: bytes) -> Any:
        raise NotImplementedError


class EventMapper(Mapper[UUID]):
    def __init__(self, sealer: Sealer) -> None:
        super().__init__(transcoder=_NoTranscoder())
        self._sealer = sealer
        self._encoder = msgspec.json.Encoder()

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        cls = type(domain_event)
        state = dict(vars(domain_event))
        originator_id = state.pop("originator_id")
        originator_version = state.pop("originator_version")
        subject = str(originator_id)
        first = originator_version == 1
        for name in _sealed_fields(cls):
            if state.get(name) is not None:
                state[name] = self._sealer.seal(subject, name, state[name], first=first)
        class_version = getattr(cls, "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        return StoredEvent(
            originator_id=originator_id,
            originator_version=originator_version,
            topic=get_topic(cls),
            state=self._encoder.encode(state),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        cls = resolve_topic(stored_event.topic)
        state: dict[str, Any] = msgspec.json.decode(stored_event.state)
        from_version = state.pop("class_version", 1)
        while from_version < getattr(cls, "class_version", 1):
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
            from_version += 1
        subject = str(stored_event.originator_id)
        hints = _field_types(cls)
        in_clear_before: frozenset[str] = getattr(cls, "secret_fields", frozenset())
        for name in _sealed_fields(cls):
            value = state.get(name)
            if value is None or (name in in_clear_before and isinstance(value, str)):
                continue
            plain = self._sealer.unseal(subject, name, value)
            state[name] = None if plain is None else msgspec.json.decode(plain, type=hints[name])
        typed = msgspec.structs.asdict(msgspec.convert(state, _state_struct(cls)))
        originator = stored_event.originator_id
        typed["originator_id"] = (
            originator if isinstance(originator, UUID) else UUID(str(originator))
        )
        typed["originator_version"] = stored_event.originator_version
        domain_event = object.__new__(cls)
        object.__setattr__(domain_event, "__dict__", typed)
        return typing.cast("DomainEventProtocol[UUID]", domain_event)


@cache
def _field_types(cls: type) -> dict[str, Any]:
    return {
        name: hint
        for name, hint in typing.get_type_hints(cls).items()
        if name not in ORIGINATOR_FIELDS and typing.get_origin(hint) is not ClassVar
    }


@cache
def _sealed_fields(cls: type) -> frozenset[str]:
    personal: frozenset[str] = getattr(cls, "personal_fields", frozenset())
    secret: frozenset[str] = getattr(cls, "secret_fields", frozenset())
    return personal | secret


@cache
def _state_struct(cls: type) -> type[msgspec.Struct]:
    """A msgspec type per event class, so decoding restores UUIDs, datetimes, enums and causes.

    Sealed fields were already unsealed and typed, and stay as they are (they may be None
    after an erasure whatever their declared type)."""
    sealed = _sealed_fields(cls)
    fields = [(name, Any if name in sealed else hint) for name, hint in _field_types(cls).items()]
    return msgspec.defstruct(f"{cls.__qualname__}State", fields)
