"""Doing mass operations in the background: a process manager over the log.

It finds the operations with items left in the read model, and applies each one's items from
the operation's own state in the log, in chunks, in order. A chunk's results and the twins'
events it causes are saved in one commit, and `MassOperation.apply_chunk` takes only the next
chunk, so after a crash (even kill -9) the operation resumes at the first item not saved and
no item is applied twice.

Items are applied with the owner's rights when their chunk is (none once the owner is
disabled; an admin's only if the owner was one when submitting and still is):
- `createDigitalTwin` makes a twin owned by the operation's owner. An objectId that already
  has a twin is `unchanged` when the twin is the owner's (or the owner is an admin) and holds
  the item's content, an error otherwise (`twin_exists` with other content, `object_id_taken`
  when it is someone else's). An objectId that reads as a UUID is kept for the twins of
  things: it must be the id of one of the owner's things, and links the twin to it
  (`object_id_reserved` otherwise, whether a thing has that id or not).
- `addService` adds each service, or puts it in place of the twin's service of the same key
  (`replaced`); one the twin already holds as given is `unchanged`.
"""

import logging
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.domain import Aggregate

from application.consistency import run_command
from application.ports.entities import EntityViews
from application.ports.mass_operations import MassOperationViews
from application.ports.storage import AggregateReader, EventWriter, ReadModelSync, StaleWrite
from application.ports.things import ThingViews
from application.ports.twins import PublicKeys, TwinViews
from application.ports.users import UserViews
from domain.causes import ActorKind, Cause, Interface
from domain.errors import DomainError
from domain.mass_operations import CREATE, DONE, Item, MassOperation, Result
from domain.twins import KEY_KINDS, Twin, TwinContent, twin_id

log = logging.getLogger(__name__)

CHUNK = 1000
"""Items per save: with their twins, about a thousand events in one commit."""


class ItemError(Exception):
    def __init__(self, code: str, field: str, reason: str) -> None:
        super().__init__(reason)
        self.error = {"code": code, "field": field, "reason": reason}


def notes(item: Item) -> list[str]:
    return [
        f"{path} was discarded: FleetID never keeps a private key"
        for path in item.get("discarded", ())
    ]


class MassOperator:
    def __init__(
        self,
        reader: AggregateReader,
        writer: EventWriter,
        sync: ReadModelSync,
        operations: MassOperationViews,
        twins: TwinViews,
        things: ThingViews,
        users: UserViews,
        entities: EntityViews,
        keys: PublicKeys,
        chunk: int = CHUNK,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._sync = sync
        self._operations = operations
        self._twins = twins
        self._things = things
        self._users = users
        self._entities = entities
        self._keys = keys
        self._chunk = chunk
        self._held: dict[UUID, MassOperation] = {}
        """Each running operation as last saved here: an operation holds up to 100,000 items,
        too many to load from the log for every chunk, and it is kept out of the shared
        aggregate cache (`FleetAggregate.cacheable`)."""

    async def run_once(self) -> int:
        """The next chunk of each owner's oldest operation with items left; how many
        operations have items left. Owners take turns, a chunk each, so that one's large
        operations hold up neither other owners' nor the batches the same process issues,
        while an owner's own operations are applied in the order they were submitted. One
        that fails is tried again on the next round and does not hold up the others."""
        found = self._operations.unfinished()
        taken: set[UUID] = set()
        for operation in found:
            if operation.owner in taken:
                continue
            taken.add(operation.owner)
            try:
                await self.advance(operation.id)
            except Exception:  # logged; tried again on the next round
                self._held.pop(operation.id, None)
                log.exception("mass operation %s failed; trying again", operation.id)
        return len(found)

    async def advance(self, operation_id: UUID) -> None:
        """Start the operation if it waits, and apply its next chunk."""
        operation = await run_command(
            self._writer, self._sync, lambda: self._next_chunk(operation_id)
        )
        if operation.status in DONE:
            self._held.pop(operation_id, None)
        else:
            self._held[operation_id] = operation

    def _take(self, operation_id: UUID) -> MassOperation:
        """The operation as held, else from the log. Taken, not shared: a command that fails
        leaves nothing behind, and its rerun reads the log."""
        held = self._held.pop(operation_id, None)
        if held is not None:
            return held
        found = self._reader.get(operation_id)
        assert isinstance(found, MassOperation), f"no mass operation {operation_id}"
        return found

    def _next_chunk(self, operation_id: UUID) -> tuple[MassOperation, list[Aggregate]]:
        operation = self._take(operation_id)
        if operation.status in DONE:
            return operation, []
        cause = Cause(operation.owner, ActorKind.USER, Interface.PROCESS)
        operation.start(cause)
        first = operation.next_index
        items = operation.items[first : first + self._chunk]
        rights = self._rights(operation)
        twins = Twins(self._reader, self._twins, items)
        results = [
            self._result(rights, first + offset, item, twins, cause)
            for offset, item in enumerate(items)
        ]
        operation.apply_chunk(first, results, cause)
        return operation, [operation, *twins.changed()]

    def _rights(self, operation: MassOperation) -> "Rights":
        """The owner's rights now: none once disabled (or, for an identity entity, deleted),
        an admin's only while still one."""
        owner = UUID(operation.owner)
        user = self._users.get(owner)
        enabled = user.status == "enabled" if user else self._entities.get(owner) is not None
        admin = enabled and operation.admin and user is not None and user.role == "admin"
        return Rights(operation.owner, str(operation.id), enabled, admin)

    def _result(
        self, rights: "Rights", index: int, item: Item, twins: "Twins", cause: Cause
    ) -> Result:
        result: Result = {
            "index": index,
            "objectId": item.get("objectId"),
            "operationType": item.get("operationType"),
            "ok": False,
            "notes": notes(item),
        }
        try:
            if "error" in item:
                raise ItemError(**item["error"])
            if not rights.enabled:
                reason = "the operation's owner is disabled"
                raise ItemError("owner_disabled", "", reason)
            outcome = self._apply(rights, index, item, twins, cause)
        except ItemError as error:
            return {**result, "error": error.error}
        except DomainError as error:
            failure = {"code": error.reason, "field": error.field or "", "reason": error.message}
            return {**result, "error": failure}
        return {**result, "ok": True, "outcome": outcome}

    def _apply(self, rights: "Rights", index: int, item: Item, twins: "Twins", cause: Cause) -> str:
        object_id = item["objectId"]
        if item["operationType"] == CREATE:
            thing = self._thing(object_id, rights)
            twin = twins.get(object_id)
            content = TwinContent(object_id, item["objectType"], item["services"], item["keys"])
            if twin is not None:
                if not rights.may_change(twin):
                    raise ItemError("object_id_taken", "objectId", "objectId is taken")
                if not twin.holds(content):
                    reason = "a twin of this objectId exists with other content"
                    raise ItemError("twin_exists", "objectId", reason)
                return "unchanged"
            self._check_keys(content)
            twins.made(Twin.create(content, rights.owner, thing, rights.operation, index, cause))
            return "created"
        twin = twins.get(object_id)
        if twin is None or not rights.may_change(twin):
            raise ItemError("twin_not_found", "objectId", "no twin of this objectId")
        if twin.object_type != item["objectType"]:
            reason = f"the twin's objectType is {twin.object_type!r}"
            raise ItemError("object_type_mismatch", "objectType", reason)
        return twin.add_services(item["services"], rights.operation, index, cause)

    def _check_keys(self, content: TwinContent) -> None:
        for place, key in enumerate(content.keys):
            field = f"keys[{place}].publicKeyHex"
            raw = bytes.fromhex(key["publicKeyHex"])
            try:
                fault = self._keys.fault(KEY_KINDS[key["type"]], raw)
            except Exception:  # the key's own bytes broke the library: the item fails alone
                log.exception("reading a twin's %s key failed", key["type"])
                fault = "the key could not be read"
            if fault is not None:
                raise ItemError("invalid_key", field, fault)

    def _thing(self, object_id: str, rights: "Rights") -> str | None:
        """An objectId that reads as a UUID is kept for the twins of things: it must be the id
        of one of the owner's things (any, for an admin), written as FleetID writes it. Any
        other such objectId is refused alike, whether a thing has it or not."""
        try:
            thing_id = UUID(object_id)
        except ValueError:
            return None
        thing = self._things.get(thing_id) if str(thing_id) == object_id else None
        if thing is None or not (rights.admin or str(thing.owner) == rights.owner):
            reason = "an objectId that is a UUID must be the id of one of your things"
            raise ItemError("object_id_reserved", "objectId", reason)
        return object_id


@dataclass(frozen=True)
class Rights:
    """What an operation's items may do: its owner's rights when its chunk is applied."""

    owner: str
    operation: str
    enabled: bool
    admin: bool

    def may_change(self, twin: Twin) -> bool:
        return self.admin or twin.owner == self.owner


class Twins:
    """The twins a chunk touches: those the read model knows loaded from the log, in one query
    for the chunk; the others new. A twin made since the read model was read makes the save
    stale, and the chunk is tried again on fresh state."""

    def __init__(self, reader: AggregateReader, views: TwinViews, items: list[Item]) -> None:
        self._reader = reader
        named = {item["objectId"] for item in items if "error" not in item}
        self._existing = views.existing(named)
        self._touched: dict[str, Twin] = {}

    def get(self, object_id: str) -> Twin | None:
        if object_id in self._touched:
            return self._touched[object_id]
        if object_id not in self._existing:
            return None
        found = self._reader.get(twin_id(object_id))
        if not isinstance(found, Twin):
            raise StaleWrite(f"the twin {object_id} is not in the log yet")
        self._touched[object_id] = found
        return found

    def made(self, twin: Twin) -> None:
        self._touched[twin.object_id] = twin

    def changed(self) -> list[Aggregate]:
        return [twin for twin in self._touched.values() if twin.pending_events]
