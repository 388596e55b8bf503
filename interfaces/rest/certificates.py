"""The certificate manager's Certificate API (`/api/v1/certificates`): find an issued
certificate by common name and serial number, and revoke certificates by device or serial."""

from dataclasses import dataclass
from typing import Annotated, ClassVar
from uuid import UUID

from litestar import Controller, Response, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter
from msgspec import Meta, Struct

from application.authorization import Actor
from application.certificates import (
    MAX_DEVICES,
    CertificateCommands,
    CertificateQueries,
    FoundCertificate,
)
from domain.causes import Interface

ActorDep = NamedDependency[Actor]
Serial = Annotated[
    str, Meta(min_length=1, max_length=48, pattern=r"^\s*0*[1-9A-Fa-f][0-9A-Fa-f]*\s*$")
]
"""Hexadecimal, positive (a certificate's serial number is), leading zeros allowed."""
Reason = Annotated[int, Meta(ge=0, le=10, description="an RFC 5280 reason code (not 7 or 8)")]


class FindBody(Struct, rename="camel"):
    common_name: Annotated[str, Meta(max_length=255)]
    serial_number: Serial


class RevokeDevices(Struct, rename="camel"):
    reason_code: Reason
    device_ids: Annotated[list[UUID], Meta(min_length=1, max_length=MAX_DEVICES)]


class RevokeSerial(Struct, rename="camel"):
    reason_code: Reason
    serial_number: Serial


class CertificateItem(Struct, rename="camel"):
    device_id: str
    common_name: str
    serial_number: str
    creation_date: str
    status: str
    """ISSUED; COLLECTED once its batch was downloaded; REVOKED."""


class Found(Struct, rename="camel"):
    items: list[CertificateItem]
    total_count: int


@dataclass(frozen=True)
class CertificateServices:
    commands: CertificateCommands
    queries: CertificateQueries


class CertificatesController(Controller):
    path = "/api/v1/certificates"
    tags = ["certificate manager: certificates"]
    services: ClassVar[CertificateServices]

    @classmethod
    def bound_to(cls, services: CertificateServices) -> type["CertificatesController"]:
        return type(cls.__name__, (cls,), {"services": services})

    @post("/find", status_code=200, summary="Certificates of this common name and serial number")
    async def find(self, data: JSONBody[FindBody], actor: ActorDep) -> Found:
        found = self.services.queries.find(actor, data.common_name, data.serial_number.strip())
        return Found([_item(f) for f in found], len(found))

    @post(
        "/revoke",
        status_code=200,
        summary="Revoke the certificates of these devices, with an RFC 5280 reason code",
    )
    async def revoke_devices(
        self, data: JSONBody[RevokeDevices], actor: ActorDep
    ) -> Response[bytes]:
        await self.services.commands.revoke_devices(
            actor, [str(device) for device in data.device_ids], data.reason_code, Interface.REST
        )
        return Response(b"", status_code=200)

    @post(
        "/{profile_id:int}/revoke",
        status_code=200,
        summary="Revoke the profile's certificate of this serial number",
    )
    async def revoke_serial(
        self,
        profile_id: Annotated[int, PathParameter(description="profileId", ge=0, le=2**31)],
        data: JSONBody[RevokeSerial],
        actor: ActorDep,
    ) -> Response[bytes]:
        await self.services.commands.revoke_serial(
            actor, profile_id, data.serial_number.strip(), data.reason_code, Interface.REST
        )
        return Response(b"", status_code=200)


def _item(found: FoundCertificate) -> CertificateItem:
    certificate = found.certificate
    if certificate.status == "REVOKED":
        status = "REVOKED"
    else:
        status = "COLLECTED" if found.batch.downloaded else "ISSUED"
    return CertificateItem(
        certificate.device,
        certificate.common_name,
        certificate.serial,
        certificate.created_at.isoformat().replace("+00:00", "Z"),
        status,
    )
