"""Doing mass operations in the background: a process manager over the log.

It finds the operations with items left in the read model, and applies each one's items from
the operation's own state in the log, in chunks, in order. A chunk's results and the twins'
events it causes are saved in one commit, and `MassOperation.apply_chunk` takes only the next
chunk, so after a crash (even kill -9) the operation resumes at the first item not saved and
no item is applied twice.

Items are applied with the rights the owner had when submitting:
- `createDigitalTwin` makes a twin owned by the operation's owner. An objectId that already
  has a twin is `unchanged` when the owner (or an admin) created it with the same content, an
  error otherwise (`twin_exists` with other content, `object_id_taken` when it is someone
  else's). An objectId that is the id of a FleetID thing links the twin to it when the owner
  owns that thing (or is an admin), and is `object_id_taken` otherwise, as for a twin: the
  answer does not tell which.
- `addService` adds each service, or puts it in place of the twin's service of the same key
  (`replaced`); one the twin already holds as given is `unchanged`.
"""

import logging
from collections.abc import Callable
from uuid import UUID

from eventsourcing.domain import Aggregate

from application.consistency import run_command
from application.ports.mass_operations import MassOperationViews
from application.ports.storage import AggregateReader, EventWriter, ReadModelSync, StaleWrite
from application.ports.things import ThingViews
from application.ports.twins import PublicKeys, TwinViews
from domain.causes import ActorKind, Cause, Interface
from domain.errors import DomainError
from domain.mass_operations import CREATE, DONE, Item, MassOperation, OperationStatus, Result
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
        keys: PublicKeys,
        chunk: int = CHUNK,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._sync = sync
        self._operations = operations
        self._twins = twins
        self._things = things
        self._keys = keys
        self._chunk = chunk

    async def run_once(self) -> int:
        """Finish every operation with work left; how many there were. One that fails stays
        to be tried again and does not hold up the others."""
        found = self._operations.unfinished()
        for operation_id in found:
            try:
                await self.finish(operation_id)
            except Exception:  # logged; tried again on the next round
                log.exception("mass operation %s failed; trying again", operation_id)
        return len(found)

    async def finish(self, operation_id: UUID) -> None:
        operation = self._operation(operation_id)
        cause = Cause(operation.owner, ActorKind.USER, Interface.PROCESS)
        if operation.status is OperationStatus.PENDING:
            await self._save(lambda: self._started(operation_id, cause))
        while await self._save(lambda: self._next_chunk(operation_id, cause)):
            pass

    def _operation(self, operation_id: UUID) -> MassOperation:
        found = self._reader.get(operation_id)
        assert isinstance(found, MassOperation), f"no mass operation {operation_id}"
        return found

    def _started(self, operation_id: UUID, cause: Cause) -> tuple[bool, list[Aggregate]]:
        operation = self._operation(operation_id)
        operation.start(cause)
        return True, [operation]

    def _next_chunk(self, operation_id: UUID, cause: Cause) -> tuple[bool, list[Aggregate]]:
        """Apply the next chunk; False once none is left."""
        operation = self._operation(operation_id)
        if operation.status in DONE:
            return False, []
        first = operation.next_index
        items = operation.items[first : first + self._chunk]
        twins = Twins(self._reader, self._twins, items)
        results = [
            self._result(operation, first + offset, item, twins, cause)
            for offset, item in enumerate(items)
        ]
        operation.apply_chunk(first, results, cause)
        return True, [operation, *twins.changed()]

    def _result(
        self, operation: MassOperation, index: int, item: Item, twins: "Twins", cause: Cause
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
            outcome = self._apply(operation, index, item, twins, cause)
        except ItemError as error:
            return {**result, "error": error.error}
        except DomainError as error:
            return {
                **result,
                "error": {
                    "code": error.reason,
                    "field": error.field or "",
                    "reason": error.message,
                },
            }
        except Exception:  # one item's fault must not stop the operation: it fails alone
            log.exception("item %d of mass operation %s failed", index, operation.id)
            failure = {
                "code": "internal_error",
                "field": "",
                "reason": "the item could not be applied",
            }
            return {**result, "error": failure}
        return {**result, "ok": True, "outcome": outcome}

    def _apply(
        self, operation: MassOperation, index: int, item: Item, twins: "Twins", cause: Cause
    ) -> str:
        object_id = item["objectId"]
        twin = twins.get(object_id)
        mine = twin is not None and (operation.admin or twin.owner == operation.owner)
        if item["operationType"] == CREATE:
            content = TwinContent(object_id, item["objectType"], item["services"], item["keys"])
            if twin is not None:
                if not mine:
                    raise ItemError("object_id_taken", "objectId", "objectId is taken")
                if not twin.holds(content):
                    reason = "a twin of this objectId exists with other content"
                    raise ItemError("twin_exists", "objectId", reason)
                return "unchanged"
            self._check_keys(content)
            thing = self._thing(object_id, operation)
            created = Twin.create(content, operation.owner, thing, str(operation.id), index, cause)
            twins.made(created)
            return "created"
        if twin is None or not mine:
            raise ItemError("twin_not_found", "objectId", "no twin of this objectId")
        if twin.object_type != item["objectType"]:
            reason = f"the twin's objectType is {twin.object_type!r}"
            raise ItemError("object_type_mismatch", "objectType", reason)
        return twin.add_services(item["services"], str(operation.id), index, cause)

    def _check_keys(self, content: TwinContent) -> None:
        for place, key in enumerate(content.keys):
            fault = self._keys.fault(KEY_KINDS[key["type"]], bytes.fromhex(key["publicKeyHex"]))
            if fault is not None:
                raise ItemError("invalid_key", f"keys[{place}].publicKeyHex", fault)

    def _thing(self, object_id: str, operation: MassOperation) -> str | None:
        """The thing the objectId names, if any, when the owner may link the twin to it."""
        try:
            thing_id = UUID(object_id)
        except ValueError:
            return None
        thing = self._things.get(thing_id)
        if thing is None:
            return None
        if not (operation.admin or str(thing.owner) == operation.owner):
            raise ItemError("object_id_taken", "objectId", "objectId is taken")
        return str(thing_id)

    async def _save(self, command: Callable[[], tuple[bool, list[Aggregate]]]) -> bool:
        return await run_command(self._writer, self._sync, command)


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
