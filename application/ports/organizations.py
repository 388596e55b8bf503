"""The certificate manager's organizations' read model."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True)
class OrganizationView:
    number: int
    id: UUID
    name: str
    address: str
    contact_name: str
    contact_email: str
    contact_phone: str
    manufacture_id: str
    logo: str
    org_status: str
    parameters: dict[str, str]
    created_at: datetime
    updated_at: datetime | None
    updated_by: str | None


class OrganizationViews(Protocol):
    def get(self, number: int) -> OrganizationView | None: ...

    def page(self, offset: int, limit: int) -> list[OrganizationView]:
        """In the order of their numbers."""
        ...
