"""Mass operations: submitting one (stored whole, at once, then done in the background by
application/twin_operator.py), and reading their progress and results.

Who: any signed-in user submits; an operation and its results are its owner's and admins' to
read, and 404 to anyone else. A user may have MAX_UNFINISHED operations waiting or running at
once: each holds up to 100,000 items in the log for good, so a flood is refused early."""

import asyncio
from dataclasses import dataclass
from uuid import UUID

from application.authorization import Actor, can_see_entity
from application.consistency import run_command
from application.ports.mass_operations import ItemView, MassOperationViews, OperationView
from application.ports.pages import Page
from application.ports.storage import EventWriter, ReadModelSync
from domain.causes import Interface
from domain.errors import Conflict, NotFound
from domain.mass_operations import CREATE, Item, MassOperation

STORED_CHUNK = 1000
"""Items per `ItemsAdded` event."""
MAX_UNFINISHED = 16


class TooManyOperations(Conflict):
    reason = "too_many_operations"


def failed_item(item: Item, code: str, field: str, reason: str) -> Item:
    """The item as stored when it cannot be applied: what names it, and why not."""
    names = ("operationType", "objectId", "discarded")
    kept: Item = {name: item[name] for name in names if name in item}
    return {**kept, "error": {"code": code, "field": field, "reason": reason}}


def without_duplicates(items: list[Item]) -> list[Item]:
    """A second create of one objectId in a request is the item's error; the first is applied."""
    first_of: dict[str, int] = {}
    checked = []
    for index, item in enumerate(items):
        if "error" not in item and item["operationType"] == CREATE:
            first = first_of.setdefault(item["objectId"], index)
            if first != index:
                reason = f"item {first} of this request creates the same objectId"
                item = failed_item(item, "duplicate_object_id", "objectId", reason)
        checked.append(item)
    return checked


class MassOperationCommands:
    def __init__(self, writer: EventWriter, sync: ReadModelSync, views: MassOperationViews) -> None:
        self._writer = writer
        self._sync = sync
        self._views = views
        self._submitting = asyncio.Lock()

    async def submit(self, actor: Actor, items: list[Item]) -> UUID:
        """Stored with its items in one commit before this returns: nothing accepted is lost.
        Submits take turns in a process, each counted after the one before it is visible, so
        concurrent requests exceed the cap by at most one per other process."""
        operation = MassOperation.submit(
            str(actor.id),
            actor.is_admin,
            without_duplicates(items),
            STORED_CHUNK,
            actor.cause(Interface.REST),
        )
        async with self._submitting:
            if self._views.unfinished_of(actor.id) >= MAX_UNFINISHED:
                raise TooManyOperations(
                    f"{MAX_UNFINISHED} of your operations are still running; wait for one to end"
                )
            return await run_command(self._writer, self._sync, lambda: (operation.id, [operation]))


@dataclass(frozen=True)
class OperationResults:
    operation: OperationView
    items: Page[ItemView]


class MassOperationQueries:
    def __init__(self, views: MassOperationViews) -> None:
        self._views = views

    def get(
        self, actor: Actor, operation_id: UUID, offset: int, limit: int, ok: bool | None
    ) -> OperationResults:
        found = self._views.get(operation_id)
        if found is None or not can_see_entity(actor, found.owner):
            raise NotFound("mass operation not found", field="massOperationId")
        counted = {None: found.succeeded + found.failed, True: found.succeeded, False: found.failed}
        items = self._views.items(operation_id, offset, limit, ok)
        return OperationResults(found, Page(counted[ok], offset, limit, items))

    def page(self, actor: Actor, offset: int, limit: int) -> Page[OperationView]:
        """The caller's own: an admin's list too, so that it is not buried under everyone's."""
        return self._views.page(actor.id, offset, limit)
