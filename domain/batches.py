"""Certificate batches: a user's order of certificates of one authority's profile, numbered by
a generator, to be issued in the background, then downloaded, or rejected before that.

Statuses are the document's. Ordering reserves the balance (with the allocation, in the same
save); a rejected batch gives all of it back. The PKCS#12 password a batch may carry is a
secret: sealed in the log."""

from enum import StrEnum
from typing import Any, ClassVar
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.aggregate import FleetAggregate
from domain.causes import Cause
from domain.errors import Conflict, InvalidValue

NAMESPACE = UUID("8e2f4a6c-1b3d-4c5e-9f7a-0b2c4d6e8f1a")
MAX_NAME = 255
MAX_REASON = 1024


class BatchStatus(StrEnum):
    PENDING_CREATION = "Pending Creation"
    REJECTED = "Rejected"


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
        secret_fields: ClassVar[frozenset[str]] = frozenset({"pkcs12_password"})

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
        self.status = BatchStatus.PENDING_CREATION
        self.reject_reason = ""

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

    class Rejected(FleetAggregate.Event):
        reason: str

    @property
    def rejectable(self) -> bool:
        """Until its certificates are downloaded; before they are issued, too (an order can be
        withdrawn)."""
        return self.status is BatchStatus.PENDING_CREATION

    def reject(self, reason: str, cause: Cause) -> None:
        if len(reason) > MAX_REASON:
            raise InvalidValue(f"must be at most {MAX_REASON} characters", field="reason")
        if not self.rejectable:
            raise NotRejectable(f"the batch is {self.status.value}", field="batchId")
        self._reject(reason=reason, cause=cause)

    @event(Rejected)
    def _reject(self, reason: str, cause: Cause) -> None:
        self.status = BatchStatus.REJECTED
        self.reject_reason = reason
