"""Gateways ("modules") manage the identities of the devices behind them (the MQTT identity API).

A module is a thing. It publishes `from/module/{its id}/action/identity/{create|update|delete}`,
with properties appended to the topic (`&parent=…&ack=all&correlationId=…`) and a JSON payload
`{"identity", "publicKey"}`. The answer goes to `to/module/{its id}/ack/identity/{action}` once
the change is stored. Where the seed is silent:
- create: `identity` (a UUID) is optional, and a new id is drawn without it. The device's
  parent is `parent`, a device already behind this module, or else the module itself. The
  device gets a secret of its own and the module's owner.
- update: `identity` names the module or a device behind it, and `publicKey` is required.
  `parent` is not used: devices do not move between gateways.
- delete: `identity` names a device behind this module, never the module itself, and only a
  device with no devices behind it. The device's connections and secret go with it.
- `ack`: `all` (the default) answers every command, `error` only failures, `none` nothing.
  `target`, `context` and `correlationId` are echoed. A command repeated with the same
  `correlationId` changes nothing and gets the first answer again.
"""

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate

from application.consistency import run_command
from application.mqtt_topics import ModuleTopic, publish_target
from application.ports.storage import AggregateReader, EventWriter, ReadModelSync
from application.ports.things import ThingViews
from application.things import NewThing, ThingCommands
from domain.causes import ActorKind, Cause, Interface
from domain.errors import DomainError
from domain.module_commands import MAX_CORRELATION_ID, ModuleCommand
from domain.switchable import Status
from domain.things import Thing

log = logging.getLogger(__name__)
T = TypeVar("T")
ACTIONS = ("create", "update", "delete")
ACK_MODES = ("all", "error", "none")
MAX_PAYLOAD = 16 * 1024
MAX_DEPTH = 16
"""How far below its module a device may sit (a parent chain longer than this is refused)."""
_COMMAND = re.compile(r"action/identity/([^&/]*)((?:&[^&]*)*)")
"""What follows `from/module/{id}/` in an identity command's topic."""
_PROPERTIES = frozenset({"correlationId", "ack", "target", "context", "timestamp", "parent"})


class Refused(DomainError):
    """A command that is answered with an error ack; `reason` is the ack's machine reason."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Ack:
    topic: str
    payload: dict[str, Any]
    send: bool
    """False when the command's `ack` property asked for no such answer."""

    def encode(self) -> bytes:
        return msgspec.json.encode(self.payload)


@dataclass(frozen=True)
class _Command:
    action: str
    properties: dict[str, str] = field(default_factory=dict)


class _Payload(msgspec.Struct, forbid_unknown_fields=True):
    identity: str | None = None
    publicKey: str | None = None  # noqa: N815 - the seed's name


class IdentityModule:
    def __init__(
        self,
        reader: AggregateReader,
        writer: EventWriter,
        sync: ReadModelSync,
        things: ThingCommands,
        views: ThingViews,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._sync = sync
        self._things = things
        self._views = views

    async def handle(self, module: UUID, topic: str, payload: bytes) -> Ack:
        """Carry out one command the broker received from `module` (the thing it authenticated)
        and return its acknowledgement; never raises for anything the module sent."""
        try:
            command = _parse(module, topic)
        except Refused as refused:
            return _ack(module, "error", {}, "error", refused.reason, str(refused), None)
        properties = command.properties
        correlation = properties.get("correlationId")

        def execute() -> tuple[Ack, list[Aggregate]]:
            if correlation is not None:
                earlier = self._reader.get(ModuleCommand.create_id(module, correlation))
                if isinstance(earlier, ModuleCommand):
                    return _replayed(module, command, earlier), []
            cause = Cause(actor=str(module), kind=ActorKind.THING, via=Interface.MQTT)
            try:
                identity, changed = self._carry_out(module, command, payload, cause)
                result, reason, message = "success", None, f"identity {command.action}d"
            except Refused as refused:
                identity, changed = None, []
                result, reason, message = "error", refused.reason, str(refused)
            if correlation is not None:
                record = ModuleCommand(
                    module=module,
                    correlation_id=correlation,
                    action=command.action,
                    result=result,
                    reason=reason,
                    message=message,
                    identity=identity,
                    cause=cause,
                )
                changed = [*changed, record]
            ack = _ack(module, command.action, properties, result, reason, message, identity)
            return ack, changed

        try:
            return await run_command(self._writer, self._sync, execute)
        except DomainError as error:
            return _ack(module, command.action, properties, "error", error.reason, str(error), None)

    def _carry_out(
        self, module: UUID, command: _Command, raw: bytes, cause: Cause
    ) -> tuple[UUID, list[Aggregate]]:
        gateway = self._reader.get(module)
        if not isinstance(gateway, Thing) or gateway.removed or gateway.status != Status.ENABLED:
            raise Refused("module_disabled", "the module is not an enabled thing")
        payload = _decode(raw)
        if command.action == "create":
            return self._create(gateway, command, payload, cause)
        identity = _required_identity(payload)
        device = self._reader.get(identity)
        if not isinstance(device, Thing) or device.removed:
            raise Refused("unknown_identity", "no device has this identity")
        if command.action == "update":
            if identity != module and not self._behind(module, device):
                raise Refused("not_behind_module", "the device is not behind this module")
            if payload.publicKey is None:
                raise Refused("missing_field", "update needs publicKey")
            _checked(lambda: device.change_public_key(payload.publicKey or "", cause))
            return identity, [device]
        if identity == module or not self._behind(module, device):
            raise Refused("not_behind_module", "only a device behind this module can be deleted")
        if self._views.has_devices_behind(identity):
            raise Refused("has_devices", "delete the devices behind this one first")
        return identity, self._things.remove_within(device, cause)

    def _create(
        self, gateway: Thing, command: _Command, payload: _Payload, cause: Cause
    ) -> tuple[UUID, list[Aggregate]]:
        identity = _identity(payload.identity) if payload.identity is not None else None
        if identity is not None and self._reader.get(identity) is not None:
            raise Refused("duplicate_identity", "an entity with this identity already exists")
        parent = gateway.id
        if "parent" in command.properties:
            parent = _identity(command.properties["parent"], "parent")
            device = self._reader.get(parent)
            if not isinstance(device, Thing) or device.removed:
                raise Refused("unknown_parent", "the parent is not a known device")
            if parent != gateway.id and not self._behind(gateway.id, device):
                raise Refused("not_behind_module", "the parent is not behind this module")
        new = NewThing(id=identity, parent=parent, public_key=payload.publicKey)
        owner = gateway.owner or gateway.id
        thing, changed = _checked(lambda: self._things.provision_within(new, owner, cause))
        return thing.id, changed

    def _behind(self, module: UUID, device: Thing) -> bool:
        """Whether the device's chain of parents leads to the module."""
        current: Thing | None = device
        for _ in range(MAX_DEPTH):
            if current is None or current.parent is None:
                return False
            if current.parent == module:
                return True
            parent = self._reader.get(current.parent)
            current = parent if isinstance(parent, Thing) and not parent.removed else None
        return False


def _parse(module: UUID, topic: str) -> _Command:
    target = publish_target(topic)
    if not isinstance(target, ModuleTopic) or not target.inbound:
        raise Refused("malformed_topic", "expected from/module/{id}/action/identity/{action}")
    found = _COMMAND.fullmatch(target.rest)
    if found is None:
        raise Refused("malformed_topic", "expected from/module/{id}/action/identity/{action}")
    if target.module != module:
        raise Refused("not_own_module", "a module may only send commands for itself")
    action = found.group(1)
    if action not in ACTIONS:
        raise Refused("unknown_action", f"the action must be one of {', '.join(ACTIONS)}")
    properties: dict[str, str] = {}
    for pair in filter(None, found.group(2).split("&")):
        key, equals, value = pair.partition("=")
        if not equals or key not in _PROPERTIES or key in properties:
            raise Refused("malformed_topic", f"unknown, repeated or empty property {key!r}")
        properties[key] = value
    if properties.get("ack", "all") not in ACK_MODES:
        raise Refused("malformed_topic", f"ack must be one of {', '.join(ACK_MODES)}")
    if len(properties.get("correlationId", "")) > MAX_CORRELATION_ID:
        raise Refused("malformed_topic", "correlationId is too long")
    return _Command(action, properties)


def _decode(raw: bytes) -> _Payload:
    if len(raw) > MAX_PAYLOAD:
        raise Refused("payload_too_large", f"the payload is over {MAX_PAYLOAD} bytes")
    try:
        return msgspec.json.decode(raw, type=_Payload)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as error:
        raise Refused(
            "malformed_payload", f"the payload is not the expected JSON: {error}"
        ) from None


def _identity(value: str, name: str = "identity") -> UUID:
    try:
        parsed = UUID(value)
    except ValueError:
        raise Refused(f"invalid_{name}", f"{name} must be a UUID") from None
    return parsed


def _required_identity(payload: _Payload) -> UUID:
    if payload.identity is None:
        raise Refused("missing_field", "the payload needs identity")
    return _identity(payload.identity)


def _checked(step: Callable[[], T]) -> T:
    """Domain validation failures (a malformed public key) answered as refusals."""
    try:
        return step()
    except DomainError as error:
        raise Refused("invalid_value", error.message) from None


def _ack(
    module: UUID,
    action: str,
    properties: dict[str, str],
    result: str,
    reason: str | None,
    message: str,
    identity: UUID | None,
) -> Ack:
    payload: dict[str, Any] = {
        key: properties[key] for key in ("correlationId", "context", "target") if key in properties
    }
    payload |= {"result": result, "message": message}
    if reason is not None:
        payload["reason"] = reason
    if identity is not None:
        payload["identity"] = str(identity)
    mode = properties.get("ack", "all")
    send = mode == "all" or (mode == "error" and result == "error")
    if result == "error":
        log.info("module %s: identity %s refused (%s): %s", module, action, reason, message)
    return Ack(f"to/module/{module}/ack/identity/{action}", payload, send)


def _replayed(module: UUID, command: _Command, earlier: ModuleCommand) -> Ack:
    return _ack(
        module,
        earlier.action,
        command.properties,
        earlier.result,
        earlier.reason,
        earlier.message,
        earlier.identity,
    )
