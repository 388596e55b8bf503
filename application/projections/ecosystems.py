"""Ecosystems projection: one `ecosystems` row version per change."""

from typing import Any

from application.projections.changes import EntityProjection
from domain.ecosystems import Ecosystem


class EcosystemsProjection(EntityProjection):
    name = "ecosystems"
    tables: tuple[str, ...] = ("ecosystems",)
    events = Ecosystem.Event
    created = Ecosystem.Founded

    def first_row(self, event: Ecosystem.Founded) -> dict[str, Any]:
        return _described(event)

    def changes(self, event: Any) -> dict[str, Any] | None:
        if isinstance(event, Ecosystem.Changed):
            return _described(event)
        return None


def _described(event: Ecosystem.Founded | Ecosystem.Changed) -> dict[str, Any]:
    number = {"number": event.number} if isinstance(event, Ecosystem.Founded) else {}
    return {
        **number,
        "name": event.name,
        "description": event.description,
        "capacity": event.capacity,
    }
