"""Bodies of the certificate manager's Organization API, under the document's names."""

from typing import Annotated

from msgspec import UNSET, Meta, Struct, UnsetType

from application.ports.organizations import OrganizationView
from domain.organizations import (
    ECOSYSTEM,
    EMAIL,
    MAX_TEXT,
    PARAMETERS,
    PHONE,
    STATUS,
    OrganizationDetails,
)
from interfaces.rest.authority_items import OrganizationAuthority
from interfaces.rest.value_schemas import TEXT, documented

REQUIRED_TEXT = "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$"
"""Not blank, and no control character (domain/organizations.check_text)."""
Text = Annotated[str, Meta(max_length=MAX_TEXT), documented(pattern=TEXT)]
Required = Annotated[
    str, Meta(min_length=1, max_length=MAX_TEXT), documented(pattern=REQUIRED_TEXT)
]
Email = Annotated[str, Meta(min_length=5, max_length=254), documented(pattern=f"^{EMAIL.pattern}$")]
Phone = Annotated[str, Meta(min_length=1, max_length=64), documented(pattern=f"^{PHONE.pattern}$")]
Status = Annotated[
    str,
    Meta(min_length=1, max_length=32, examples=["ACTIVE"]),
    documented(pattern=f"^{STATUS.pattern}$"),
]
Number = Annotated[int, Meta(ge=0, le=2**53)]
MaybeNumber = Annotated[Number | None, documented(minimum=0, maximum=2**53)]
"""Its bounds are restated for the document: a union loses a minimum of 0 there."""


class Parameters(Struct, rename="upper", kw_only=True):
    """The subject attributes an organization gives its certificates; any may be left out, and
    names FleetID does not know are ignored, as other unknown fields are."""

    organization: Text | UnsetType = UNSET
    city: Text | UnsetType = UNSET
    country: Text | UnsetType = UNSET
    state: Text | UnsetType = UNSET
    manufacturer_id: Text | UnsetType = UNSET

    def given(self) -> dict[str, str]:
        return {
            name.upper(): value
            for name in self.__struct_fields__
            if isinstance(value := getattr(self, name), str)
        }


class _Described(Struct, rename="camel", kw_only=True):
    """What creating and updating both carry."""

    address: Required
    primary_contact_name: Required
    primary_contact_email: Email
    primary_contact_phone: Phone
    manufacture_id: Text = ""
    logo: Text = ""
    org_status: Status = "ACTIVE"

    def details(self) -> OrganizationDetails:
        return OrganizationDetails(
            address=self.address,
            contact_name=self.primary_contact_name,
            contact_email=self.primary_contact_email,
            contact_phone=self.primary_contact_phone,
            manufacture_id=self.manufacture_id,
            logo=self.logo,
            org_status=self.org_status,
        )


class NewOrganization(_Described, kw_only=True):
    organization_name: Required


class OrganizationUpdate(_Described, kw_only=True):
    organization_id: Number
    organization_parameters: Parameters | None = None


class OrganizationResponse(Struct, rename="camel"):
    organization_id: int
    organization_name: str
    address: str
    primary_contact_name: str
    primary_contact_email: str
    primary_contact_phone: str
    manufacture_id: str
    logo: str
    authorities: list[OrganizationAuthority]
    ecosystem_id: int
    organization_parameters: dict[str, str]
    org_status: str

    @classmethod
    def of(
        cls, view: OrganizationView, authorities: list[OrganizationAuthority]
    ) -> "OrganizationResponse":
        return cls(
            view.number,
            view.name,
            view.address,
            view.contact_name,
            view.contact_email,
            view.contact_phone,
            view.manufacture_id,
            view.logo,
            authorities,
            ECOSYSTEM,
            {name: view.parameters.get(name, "") for name in PARAMETERS},
            view.org_status,
        )


class OrganizationItem(Struct):
    id: int
    name: str
