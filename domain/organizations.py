"""The certificate manager's organizations: the customers whose devices get certificates. An
organization is known by the number its creation took (`organizationId` in the API) and by a
name unique in the whole system. Its primary contact is a person: their name, e-mail and phone
are sealed in the log under the organization's key."""

import re
from dataclasses import dataclass
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.aggregate import FleetAggregate
from domain.causes import Cause
from domain.errors import InvalidValue

NAMESPACE = UUID("0b6f4c1d-9e2a-4b8c-8d7e-3f5a6b7c8d9e")
ECOSYSTEM = 1
"""The ecosystem every organization is in: one per deployment (domain/ecosystems.py)."""
MAX_TEXT = 255
PHONE = re.compile(r"\+?\d*(\s|-)?((\(\d+\))?|\d+)(\s|-)?\d+(\s|-)?\d+(\s|-)?\d+", re.ASCII)
"""The document's phone rule, as written there."""
EMAIL = re.compile(
    r"[^@\s\x00-\x1f\x7f-\x9f]+@[^@\s\x00-\x1f\x7f-\x9f]+\.[^@\s\x00-\x1f\x7f-\x9f]+"
)
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
STATUS = re.compile(r"[A-Z][A-Z_]{0,31}")
PARAMETERS = ("ORGANIZATION", "CITY", "COUNTRY", "STATE", "MANUFACTURER_ID")
"""The subject attributes an organization supplies to its certificates' profiles."""
CONTACT = frozenset({"contact_name", "contact_email", "contact_phone"})


def organization_id(number: int) -> UUID:
    return uuid5(NAMESPACE, str(number))


def check_text(value: str, field: str, *, required: bool = True) -> str:
    if required and not value.strip():
        raise InvalidValue("must not be empty", field=field)
    if len(value) > MAX_TEXT:
        raise InvalidValue(f"must be at most {MAX_TEXT} characters", field=field)
    if CONTROL.search(value):
        raise InvalidValue("must not contain control characters", field=field)
    return value


def check_email(value: str, field: str) -> str:
    if not 5 <= len(value) <= 254 or not EMAIL.fullmatch(value):
        raise InvalidValue(
            "must be a well-formed e-mail address of 5 to 254 characters", field=field
        )
    return value


def check_phone(value: str, field: str) -> str:
    if len(value) > 64 or not PHONE.fullmatch(value):
        raise InvalidValue("must be a phone number such as +38 012 345 6789", field=field)
    return value


def check_status(value: str, field: str) -> str:
    if not STATUS.fullmatch(value):
        raise InvalidValue("must be a status such as ACTIVE", field=field)
    return value


def check_parameters(parameters: dict[str, str], field: str) -> dict[str, str]:
    for name, value in parameters.items():
        if name not in PARAMETERS:
            raise InvalidValue(f"must be one of {', '.join(PARAMETERS)}", field=f"{field}.{name}")
        check_text(value, f"{field}.{name}", required=False)
    return dict(parameters)


@dataclass(frozen=True)
class OrganizationDetails:
    """What creating and updating an organization both set."""

    address: str
    contact_name: str
    contact_email: str
    contact_phone: str
    manufacture_id: str
    logo: str
    org_status: str

    def checked(self) -> dict[str, str]:
        """The fields as events carry them; InvalidValue names the API's field."""
        return {
            "address": check_text(self.address, "address"),
            "contact_name": check_text(self.contact_name, "primaryContactName"),
            "contact_email": check_email(self.contact_email, "primaryContactEmail"),
            "contact_phone": check_phone(self.contact_phone, "primaryContactPhone"),
            "manufacture_id": check_text(self.manufacture_id, "manufactureId", required=False),
            "logo": check_text(self.logo, "logo", required=False),
            "org_status": check_status(self.org_status, "orgStatus"),
        }


class Organization(FleetAggregate):
    class Founded(FleetAggregate.Created):
        number: int
        name: str
        address: str
        contact_name: str
        contact_email: str
        contact_phone: str
        manufacture_id: str
        logo: str
        org_status: str
        personal_fields = CONTACT

    @event(Founded)
    def __init__(
        self,
        number: int,
        name: str,
        address: str,
        contact_name: str,
        contact_email: str,
        contact_phone: str,
        manufacture_id: str,
        logo: str,
        org_status: str,
        cause: Cause,
    ) -> None:
        self.number = number
        self.name = name
        self.address = address
        self.contact_name = contact_name
        self.contact_email = contact_email
        self.contact_phone = contact_phone
        self.manufacture_id = manufacture_id
        self.logo = logo
        self.org_status = org_status
        self.parameters: dict[str, str] = {}

    @classmethod
    def found(
        cls, number: int, name: str, details: OrganizationDetails, cause: Cause
    ) -> "Organization":
        return cls._create(
            cls.Founded,
            id=organization_id(number),
            number=number,
            name=check_text(name, "organizationName"),
            **details.checked(),
            cause=cause,
        )

    class Updated(FleetAggregate.Event):
        address: str
        contact_name: str
        contact_email: str
        contact_phone: str
        manufacture_id: str
        logo: str
        org_status: str
        parameters: dict[str, str]
        personal_fields = CONTACT

    def update(
        self, details: OrganizationDetails, parameters: dict[str, str] | None, cause: Cause
    ) -> None:
        """Parameters not given are kept."""
        field = "organizationParameters"
        kept = self.parameters if parameters is None else check_parameters(parameters, field)
        self._update(**details.checked(), parameters=kept, cause=cause)

    @event(Updated)
    def _update(
        self,
        address: str,
        contact_name: str,
        contact_email: str,
        contact_phone: str,
        manufacture_id: str,
        logo: str,
        org_status: str,
        parameters: dict[str, str],
        cause: Cause,
    ) -> None:
        self.address = address
        self.contact_name = contact_name
        self.contact_email = contact_email
        self.contact_phone = contact_phone
        self.manufacture_id = manufacture_id
        self.logo = logo
        self.org_status = org_status
        self.parameters = parameters
