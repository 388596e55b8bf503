"""Certificates projection: a `certificates` row per certificate a batch issued, and a new
version of it when its authority revokes it."""

import base64
from typing import Any
from uuid import NAMESPACE_OID, uuid5

from application.ports.storage import RowWriter
from application.projections.changes import stamped
from domain.batches import Batch
from domain.revocations import RevocationList


def certificate_key(authority: int, serial: str) -> str:
    return str(uuid5(NAMESPACE_OID, f"certificate:{authority}:{serial}"))


class CertificatesProjection:
    name = "certificates"
    tables: tuple[str, ...] = ("certificates",)
    events = (RevocationList.Event, Batch.ChunkIssued)

    def process(self, event: Any, position: int, rows: RowWriter) -> None:
        match event:
            case Batch.ChunkIssued():
                for certificate in event.certificates:
                    key = certificate_key(event.authority, certificate["serial"])
                    rows.insert("certificates", key, _row(event, certificate), position)
            case RevocationList.Revoked(authority=authority, serials=serials, reason=reason):
                revoked = {"status": "REVOKED", "reason": reason, "revoked_at": event.timestamp}
                changes = stamped(event, revoked)
                for serial in serials:
                    key = certificate_key(authority, serial)
                    rows.update("certificates", key, changes, position)


def _row(event: Batch.ChunkIssued, certificate: dict[str, str]) -> dict[str, Any]:
    return {
        "serial": certificate["serial"],
        "authority": event.authority,
        "batch": event.number,
        "position": int(certificate["index"]),
        "device": certificate["device"],
        "common_name": certificate["cn"],
        "der": base64.b64decode(certificate["der"]),
        "status": "ISSUED",
        "reason": None,
        "revoked_at": None,
        "created_at": event.timestamp,
        "updated_at": None,
        "updated_by": None,
    }
