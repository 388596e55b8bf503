"""SQL over the `certificates` read model (current versions only)."""

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from application.ports.certificates import CertificateView, Revocation
from infrastructure.prepared import PreparedSelect
from infrastructure.read_connections import ReadConnections
from infrastructure.schema import certificates

c = certificates.c
MAX_HISTORY = 10_000
"""Versions one history read returns: a whole batch of the largest size, issued and revoked,
is asked for by position."""
CURRENT = c.valid_to.is_(None)
ONE = sa.select(certificates).where(
    CURRENT, c.authority == sa.bindparam("authority"), c.serial == sa.bindparam("serial")
)
FOUND = (
    sa.select(certificates)
    .where(
        CURRENT, c.serial == sa.bindparam("serial"), c.common_name == sa.bindparam("common_name")
    )
    .order_by(c.authority)
)
BY_DEVICE = sa.select(certificates).where(CURRENT, c.device == sa.bindparam("device"))
HISTORY = (
    sa.select(certificates)
    .where(c.batch == sa.bindparam("batch"))
    .order_by(c.position, c.valid_from)
    .limit(MAX_HISTORY)
)
AT_POSITION = (
    sa.select(certificates)
    .where(c.batch == sa.bindparam("batch"), c.position == sa.bindparam("position"))
    .order_by(c.valid_from)
)
REVOKED = CURRENT & (c.authority == sa.bindparam("authority")) & (c.status == "REVOKED")
REVOCATIONS = sa.select(c.serial, c.revoked_at, c.reason, c.valid_from).where(REVOKED)
MARK = sa.select(sa.func.coalesce(sa.func.max(c.valid_from), 0)).where(REVOKED)


class SqlCertificateViews:
    def __init__(self, reads: ReadConnections) -> None:
        self._one = PreparedSelect(reads, ONE)
        self._found = PreparedSelect(reads, FOUND)
        self._revocations = PreparedSelect(reads, REVOCATIONS)
        self._mark = PreparedSelect(reads, MARK)
        self._by_device = PreparedSelect(reads, BY_DEVICE)
        self._history = PreparedSelect(reads, HISTORY)
        self._at_position = PreparedSelect(reads, AT_POSITION)

    def get(self, authority: int, serial: str) -> CertificateView | None:
        row = self._one.one({"authority": authority, "serial": serial})
        return None if row is None else certificate_view(row)

    def find(self, serial: str, common_name: str) -> list[CertificateView]:
        rows = self._found.all({"serial": serial, "common_name": common_name})
        return [certificate_view(row) for row in rows]

    def of_devices(self, devices: list[str]) -> list[CertificateView]:
        """One indexed look-up each: the callers bound how many they ask for."""
        return [
            certificate_view(row)
            for device in devices
            for row in self._by_device.all({"device": device})
        ]

    def revocations(self, authority: int) -> tuple[int, list[Revocation]]:
        rows = self._revocations.all({"authority": authority})
        mark = max((row["valid_from"] for row in rows), default=0)
        return mark, [Revocation(r["serial"], r["revoked_at"], r["reason"]) for r in rows]

    def history(self, batch: int, position: int | None) -> list[CertificateView]:
        if position is None:
            rows = self._history.all({"batch": batch})
        else:
            rows = self._at_position.all({"batch": batch, "position": position})
        return [certificate_view(row) for row in rows]

    def revocation_mark(self, authority: int) -> int:
        mark: int = self._mark.scalar({"authority": authority})
        return mark


def certificate_view(row: Mapping[str, Any]) -> CertificateView:
    """Also the in-memory fake's."""
    return CertificateView(
        serial=row["serial"],
        authority=row["authority"],
        batch=row["batch"],
        position=row["position"],
        device=row["device"],
        common_name=row["common_name"],
        der=bytes(row["der"]),
        status=row["status"],
        reason=row["reason"],
        revoked_at=row["revoked_at"],
        created_at=row["created_at"],
    )
