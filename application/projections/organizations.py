"""Organizations projection: one `organizations` row version per change."""

from typing import Any

from application.projections.changes import EntityProjection
from domain.organizations import Organization


class OrganizationsProjection(EntityProjection):
    name = "organizations"
    tables: tuple[str, ...] = ("organizations",)
    events = Organization.Event
    created = Organization.Founded

    def first_row(self, event: Organization.Founded) -> dict[str, Any]:
        return {
            "number": event.number,
            "name": event.name,
            **_details(event),
            "parameters": {},
        }

    def changes(self, event: Any) -> dict[str, Any] | None:
        if isinstance(event, Organization.Updated):
            return {**_details(event), "parameters": event.parameters}
        return None


def _details(event: Organization.Founded | Organization.Updated) -> dict[str, Any]:
    return {
        "address": event.address,
        "contact_name": event.contact_name,
        "contact_email": event.contact_email,
        "contact_phone": event.contact_phone,
        "manufacture_id": event.manufacture_id,
        "logo": event.logo,
        "org_status": event.org_status,
    }
