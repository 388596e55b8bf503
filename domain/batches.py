"""Certificate batches: a user's order of certificates of one authority's profile, numbered by
a generator, issued in the background chunk by chunk, then downloaded; rejected before that, or
revoked after.

Statuses are the document's. Ordering reserves the balance (with the allocation, in the same
save); each issued chunk uses its part of it, and a batch that ends gives the rest back, as a
rejected one gives back all. The PKCS#12 password a batch may carry is a secret: sealed in the
log. The certificates themselves are public and are in the log; their server-made private keys
are not (application/ports/issuing.py)."""

from enum import StrEnum
from typing import Any, ClassVar
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.aggregate import FleetAggregate
from domain.causes import Cause
from domain.errors import Conflict, InvalidValue

NAMESPACE = UUID("8e2f4a6c-1b3d-4c5e-9f7a-0b2c4d6e8f1a")
GENERATED, FROM_CSRS, FROM_CSV = "generator", "csr", "csv"
MAX_NAME = 255
MAX_REASON = 1024


class BatchStatus(StrEnum):
    PENDING_CREATION = "Pending Creation"
    PENDING_ISSUE = "Pending Issue"
    ISSUED_PARTLY = "Batch Issued Partly"
    READY = "Ready For Download"
    ZIP_REMOVED = "Zip removed after expiration"
    PROCESSING_REJECT = "Processing Reject"
    PROCESSING_REVOKE = "Processing Revoke"
    REJECTED = "Rejected"
    REVOKED = "Revoked"
    BROKEN = "Broken"


ISSUING = frozenset({BatchStatus.PENDING_CREATION, BatchStatus.PENDING_ISSUE})
ISSUED = frozenset({BatchStatus.READY, BatchStatus.ISSUED_PARTLY})
DOWNLOADABLE = ISSUED


class NotDownloadable(Conflict):
    reason = "batch_not_downloadable"


class NotRejectable(Conflict):
    reason = "batch_not_rejectable"


def batch_id(number: int) -> UUID:
    return uuid5(NAMESPACE, str(number))


def check_batch_name(name: str) -> str:
    if len(name) > MAX_NAME or not name.isprintable():
        raise InvalidValue(f"must be at most {MAX_NAME} printable characters", field="batchName")
    return name


class Batch(FleetAggregate):
    class Ordered(FleetAggregate.Created):
        number: int
        name: str
        organization: int
        authority: int
        profile: int
        user: str
        """The ordering user's id; its number is `user_number`."""
        user_number: int
        size: int
        generator: int
        generator_params: dict[str, str]
        profile_params: dict[str, str]
        """Without the PKCS#12 password, which is `pkcs12_password`."""
        pkcs12_password: str | None
        source: str
        """`generator`: numbered by a generator; `csr` and `csv`: uploaded, each certificate's
        values (and a CSR's public key) in the batch's `RequestsAdded` events."""
        secret_fields: ClassVar[frozenset[str]] = frozenset({"pkcs12_password"})
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Batches were numbered by a generator before uploads."""
            state["source"] = GENERATED

    @event(Ordered)
    def __init__(
        self,
        number: int,
        name: str,
        organization: int,
        authority: int,
        profile: int,
        user: str,
        user_number: int,
        size: int,
        generator: int,
        generator_params: dict[str, str],
        profile_params: dict[str, str],
        pkcs12_password: str | None,
        source: str,
        cause: Cause,
    ) -> None:
        self.number = number
        self.name = name
        self.organization = organization
        self.authority = authority
        self.profile = profile
        self.user = user
        self.user_number = user_number
        self.size = size
        self.generator = generator
        self.generator_params = generator_params
        self.profile_params = profile_params
        self.pkcs12_password = pkcs12_password
        self.source = source
        self.requests: list[dict[str, str]] = []
        """An uploaded batch's certificates' own values, by parameter name."""
        self.public_keys: list[str] = []
        """A CSR batch's: each certificate's SubjectPublicKeyInfo, DER in base64."""
        self.status = BatchStatus.PENDING_CREATION
        self.reject_reason = ""
        self.issued = 0
        self.failed = 0
        self.serials: list[str] = []
        """Of the issued certificates, in the batch's order (None where one failed: "")."""
        self.downloaded = False

    @classmethod
    def order(cls, number: int, user_number: int, cause: Cause, **fields: Any) -> "Batch":
        """`fields`: the Ordered event's, the name checked here."""
        check_batch_name(fields["name"])
        return cls._create(
            cls.Ordered,
            id=batch_id(number),
            number=number,
            user_number=user_number,
            cause=cause,
            **fields,
        )

    class RequestsAdded(FleetAggregate.Event):
        """Part of an uploaded batch's requests, in its order: saved with the order itself."""

        first: int
        values: list[dict[str, str]]
        public_keys: list[str]
        """Empty for a CSV batch, whose keys FleetID makes."""

    def add_requests(
        self, values: list[dict[str, str]], public_keys: list[str], cause: Cause
    ) -> None:
        first = len(self.requests)
        if self.source == GENERATED or first + len(values) > self.size:
            raise InvalidValue("the batch takes no more requests", field="files")
        if public_keys and len(public_keys) != len(values):
            raise InvalidValue("a public key for each request, or none", field="files")
        self._add_requests(first=first, values=values, public_keys=public_keys, cause=cause)

    @event(RequestsAdded)
    def _add_requests(
        self, first: int, values: list[dict[str, str]], public_keys: list[str], cause: Cause
    ) -> None:
        self.requests = [*self.requests, *values]
        self.public_keys = [*self.public_keys, *public_keys]

    @property
    def next_index(self) -> int:
        """The place in the batch of the next certificate to issue."""
        return self.issued + self.failed

    class ChunkIssued(FleetAggregate.Event):
        number: int
        authority: int
        """The batch's, for the certificates' read model."""
        first: int
        issued: int
        failed: int
        """The batch's totals after it."""
        certificates: list[dict[str, str]]
        """Each issued one: `index`, `serial` (hex), `device` (its thing's id), `cn`, `der`
        (base64). Public: the certificate is what the batch delivers."""
        failures: list[dict[str, str]]
        """Each certificate that could not be made: `index`, `reason`."""

    def issue_chunk(
        self,
        first: int,
        certificates: list[dict[str, str]],
        failures: list[dict[str, str]],
        cause: Cause,
    ) -> None:
        """The next certificates in order, each once: a chunk issued twice (a worker that
        resumed what another saved) is refused, so nothing is issued or paid for twice."""
        if self.status not in ISSUING:
            raise NotIssuing(f"the batch is {self.status.value}", field="batchId")
        count = len(certificates) + len(failures)
        if first != self.next_index or count < 1 or first + count > self.size:
            raise ChunkOutOfOrder(
                f"certificates {first} to {first + count - 1} are not the batch's next",
                field="first",
            )
        self._issue_chunk(
            number=self.number,
            authority=self.authority,
            first=first,
            issued=self.issued + len(certificates),
            failed=self.failed + len(failures),
            certificates=certificates,
            failures=failures,
            cause=cause,
        )

    @event(ChunkIssued)
    def _issue_chunk(
        self,
        number: int,
        authority: int,
        first: int,
        issued: int,
        failed: int,
        certificates: list[dict[str, str]],
        failures: list[dict[str, str]],
        cause: Cause,
    ) -> None:
        self.status = BatchStatus.PENDING_ISSUE
        self.issued = issued
        self.failed = failed
        self.serials = [*self.serials, *(c["serial"] for c in certificates)]

    class Finished(FleetAggregate.Event):
        status: str
        reason: str

    def finish(self, cause: Cause, broken: str = "") -> None:
        """Once every certificate was tried, or at once with `broken` saying why the rest cannot
        be (the authority is gone): ready, issued partly, or broken if none was issued."""
        if self.status not in ISSUING:
            raise NotIssuing(f"the batch is {self.status.value}", field="batchId")
        if not broken and self.next_index < self.size:
            raise ChunkOutOfOrder(f"{self.size - self.next_index} are still to issue")
        if self.issued == 0:
            status = BatchStatus.BROKEN
        elif self.issued == self.size:
            status = BatchStatus.READY
        else:
            status = BatchStatus.ISSUED_PARTLY
        self._finish(status=status.value, reason=broken, cause=cause)

    @event(Finished)
    def _finish(self, status: str, reason: str, cause: Cause) -> None:
        self.status = BatchStatus(status)
        self.reject_reason = reason

    class Downloaded(FleetAggregate.Event):
        pass

    def download(self, cause: Cause) -> bool:
        """Whether this is the first download, which the log records: from then on the batch
        may be revoked, no longer rejected."""
        if self.status not in DOWNLOADABLE:
            raise NotDownloadable(f"the batch is {self.status.value}", field="batchId")
        if self.downloaded:
            return False
        self._download(cause=cause)
        return True

    @event(Downloaded)
    def _download(self, cause: Cause) -> None:
        self.downloaded = True

    class ZipRemoved(FleetAggregate.Event):
        pass

    def remove_zip(self, cause: Cause) -> None:
        """Its retention is over: the server's keys of it are destroyed, its certificates
        stay valid."""
        if self.status not in ISSUED:
            raise NotDownloadable(f"the batch is {self.status.value}", field="batchId")
        self._remove_zip(cause=cause)

    @event(ZipRemoved)
    def _remove_zip(self, cause: Cause) -> None:
        self.status = BatchStatus.ZIP_REMOVED

    @property
    def rejectable(self) -> bool:
        """Until its certificates are downloaded; while they are issued, too (an order can be
        withdrawn, and what was issued of it is revoked)."""
        return self.status in ISSUING or (self.status in ISSUED and not self.downloaded)

    @property
    def revocable(self) -> bool:
        """Once downloaded: its certificates are out, so they are revoked, and the balance
        they used stays used."""
        return self.downloaded and self.status in {*ISSUED, BatchStatus.ZIP_REMOVED}

    class RejectRequested(FleetAggregate.Event):
        reason: str

    class RevokeRequested(FleetAggregate.Event):
        reason: str

    def withdraw(self, reason: str, cause: Cause) -> None:
        """The document's one DELETE: a reject before the batch is downloaded, a revoke after.
        Either is finished by the issuer (`Processing Reject`, `Processing Revoke`), which
        revokes the certificates issued; a batch with none is rejected at once."""
        if len(reason) > MAX_REASON:
            raise InvalidValue(f"must be at most {MAX_REASON} characters", field="reason")
        if self.revocable:
            self._request_revoke(reason=reason, cause=cause)
        elif not self.rejectable:
            raise NotRejectable(f"the batch is {self.status.value}", field="batchId")
        elif self.issued == 0:
            self._reject(reason=reason, serials=[], cause=cause)
        else:
            self._request_reject(reason=reason, cause=cause)

    @event(RejectRequested)
    def _request_reject(self, reason: str, cause: Cause) -> None:
        self.status = BatchStatus.PROCESSING_REJECT
        self.reject_reason = reason

    @event(RevokeRequested)
    def _request_revoke(self, reason: str, cause: Cause) -> None:
        self.status = BatchStatus.PROCESSING_REVOKE
        self.reject_reason = reason

    class Rejected(FleetAggregate.Event):
        reason: str
        serials: list[str]
        """Its certificates, revoked with it."""

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Batches were rejected only before issuing anything."""
            state["serials"] = []

    class Revoked(FleetAggregate.Event):
        serials: list[str]

    def conclude(self, cause: Cause) -> list[str]:
        """The end of a reject or revoke the issuer was processing: the serials it revoked."""
        if self.status is BatchStatus.PROCESSING_REJECT:
            self._reject(reason=self.reject_reason, serials=self.serials, cause=cause)
        elif self.status is BatchStatus.PROCESSING_REVOKE:
            self._revoke(serials=self.serials, cause=cause)
        else:
            raise NotRejectable(f"the batch is {self.status.value}", field="batchId")
        return self.serials

    @event(Rejected)
    def _reject(self, reason: str, serials: list[str], cause: Cause) -> None:
        self.status = BatchStatus.REJECTED
        self.reject_reason = reason

    @event(Revoked)
    def _revoke(self, serials: list[str], cause: Cause) -> None:
        self.status = BatchStatus.REVOKED


class NotIssuing(Conflict):
    reason = "batch_not_issuing"


class ChunkOutOfOrder(Conflict):
    reason = "chunk_out_of_order"
