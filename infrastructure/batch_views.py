"""SQL over the `batches` read model (current versions only)."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from application.ports.batches import BatchEntry, BatchFilter, BatchView
from application.ports.certificates import CertificateView
from infrastructure.certificate_views import certificate_view
from infrastructure.listing import Listing, like_pattern, name_like
from infrastructure.prepared import PreparedSelect
from infrastructure.read_connections import ReadConnections
from infrastructure.schema import batches, certificates

CURRENT = batches.c.valid_to.is_(None)
BY_NUMBER = sa.select(batches).where(batches.c.number == sa.bindparam("number"), CURRENT)
HISTORY = (
    sa.select(batches)
    .where(batches.c.number == sa.bindparam("number"))
    .order_by(batches.c.valid_from)
)

WORKING = ("Pending Creation", "Pending Issue", "Processing Reject", "Processing Revoke")
FINISHED = ("Ready For Download", "Batch Issued Partly")
NEEDING_WORK = (
    sa.select(batches.c.number)
    .where(
        CURRENT,
        sa.or_(
            *(batches.c.status == status for status in WORKING),
            sa.or_(*(batches.c.status == status for status in FINISHED))
            & (batches.c.finished_at < sa.bindparam("before", type_=batches.c.finished_at.type)),
        ),
    )
    .order_by(batches.c.number)
)
CERTIFICATES = (
    sa.select(certificates)
    .where(
        certificates.c.valid_to.is_(None),
        certificates.c.batch == sa.bindparam("batch"),
        certificates.c.position > sa.bindparam("after"),
    )
    .order_by(certificates.c.position)
    .limit(sa.bindparam("limit"))
)

FILTERS = (
    "profile",
    "number",
    "name",
    "status",
    "size_from",
    "size_to",
    "created_from",
    "created_to",
)


class SqlBatchViews:
    def __init__(self, reads: ReadConnections) -> None:
        self._by_number = PreparedSelect(reads, BY_NUMBER)
        self._listing = Listing(reads, batches, _conditions)
        self._history = PreparedSelect(reads, HISTORY)
        self._needing_work = PreparedSelect(reads, NEEDING_WORK)
        self._certificates = PreparedSelect(reads, CERTIFICATES)

    def get(self, number: int) -> BatchView | None:
        row = self._by_number.one({"number": number})
        return None if row is None else batch_view(row)

    def history(self, number: int) -> list[BatchEntry]:
        return [batch_entry(row) for row in self._history.all({"number": number})]

    def page(self, query: BatchFilter) -> tuple[list[BatchView], int]:
        """Oldest first. Each filter given is part of the statement's shape."""
        given = {name: getattr(query, name) for name in FILTERS if getattr(query, name)}
        if "name" in given:
            given["name"] = like_pattern(given["name"])
        shape = tuple(sorted(given))
        params = {**given, "organization": query.organization}
        total, rows = self._listing.page(shape, params, query.offset, query.limit)
        return [batch_view(row) for row in rows], total

    def needing_work(self, finished_before: datetime) -> list[int]:
        return [row["number"] for row in self._needing_work.all({"before": finished_before})]

    def certificates(self, batch: int, after: int, limit: int) -> list[CertificateView]:
        rows = self._certificates.all({"batch": batch, "after": after, "limit": limit})
        return [certificate_view(row) for row in rows]


def _conditions(shape: tuple[str, ...]) -> list[sa.ColumnElement[bool]]:
    c = batches.c
    every = {
        "profile": c.profile == sa.bindparam("profile"),
        "number": c.number == sa.bindparam("number"),
        "name": name_like(c.name),
        "status": c.status == sa.bindparam("status"),
        "size_from": c.size >= sa.bindparam("size_from"),
        "size_to": c.size <= sa.bindparam("size_to"),
        "created_from": c.created_at >= sa.bindparam("created_from", type_=c.created_at.type),
        "created_to": c.created_at <= sa.bindparam("created_to", type_=c.created_at.type),
    }
    return [c.organization == sa.bindparam("organization")] + [every[name] for name in shape]


def batch_entry(row: Mapping[str, Any]) -> BatchEntry:
    """Also the in-memory fake's."""
    return BatchEntry(
        position=row["valid_from"],
        status=row["status"],
        reject_reason=row["reject_reason"],
        size=row["size"],
        at=row["updated_at"] or row["created_at"],
        by=row["updated_by"] or row["user_id"],
    )


def batch_view(row: Mapping[str, Any]) -> BatchView:
    """Also the in-memory fake's: rows of the same shape."""
    return BatchView(
        number=row["number"],
        id=UUID(row["id"]),
        name=row["name"],
        organization=row["organization"],
        authority=row["authority"],
        profile=row["profile"],
        user_number=row["user_number"],
        size=row["size"],
        generator=row["generator"],
        generator_params=dict(row["generator_params"]),
        status=row["status"],
        reject_reason=row["reject_reason"],
        issued=row["issued"],
        failed=row["failed"],
        downloaded=row["downloaded"],
        created_at=row["created_at"],
    )
