"""Authorities projection: one `authorities` row per authority."""

from typing import Any

from application.projections.changes import EntityProjection
from domain.authorities import Authority


class AuthoritiesProjection(EntityProjection):
    name = "authorities"
    tables: tuple[str, ...] = ("authorities",)
    events = Authority.Event
    created = Authority.Established

    def first_row(self, event: Authority.Established) -> dict[str, Any]:
        return {
            "number": event.number,
            "name": event.name,
            "profile": event.profile,
            "key_algorithm": event.key_algorithm,
            "certificate": event.certificate,
            "imported": event.imported,
        }
