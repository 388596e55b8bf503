"""Issuing batches in the background: a process manager over the log.

It finds the batches that have work to do in the read model, and does it from each batch's
own state in the log: the next certificate to issue is the batch's `next_index`, so after a
crash (even kill -9) the issuer resumes where the last saved chunk ended. Each chunk is saved
in one commit with its certificates' devices (things) and the balance it uses, and a chunk
can be recorded once only (`Batch.issue_chunk`), so no certificate is issued, and no balance
spent, twice. Private keys are stored, sealed, just before their chunk is saved; keys of a
chunk that never got saved are discarded when the batch is taken up again.

A device's id is drawn at random when its chunk is made, not derived from the batch: anyone may
create a thing with an id of their choosing, and one who could foresee a device's id could take
it first and stop the batch.

The CPU work runs on the maker's workers, several chunks at once; chunks are saved in order.
The issuer also finishes rejects and revokes (revoking what was issued, destroying the keys,
giving the balance back as the document says), and removes the keys of batches whose retention
is over ("Zip removed after expiration")."""

import asyncio
import base64
import logging
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from application.batches import secret_names
from application.certificates import revocations_of
from application.consistency import run_command
from application.ports.batches import BatchViews
from application.ports.issuing import (
    AuthorityUrls,
    CertificateMaker,
    IssuedKeys,
    IssueJob,
    MadeChunk,
)
from application.ports.profiles import ProfileViews
from application.ports.storage import AggregateReader, EventWriter, ReadModelSync
from application.things import ThingCommands
from domain.allocations import Allocation, allocation_id
from domain.authorities import Authority, authority_id
from domain.batch_values import BatchValues
from domain.batches import (
    GENERATED,
    ISSUED,
    ISSUING,
    Batch,
    BatchStatus,
    ChunkOutOfOrder,
    batch_id,
)
from domain.causes import Cause, Interface
from domain.errors import InvalidValue
from domain.generators import generator
from domain.profile_configs import ProfileConfig, parse_config
from domain.revocations import CESSATION

log = logging.getLogger(__name__)

CHUNK = 1000
"""Certificates per chunk: one save (with its devices, 2,001 events), the chunk's event about
1 MB for P-256. Each save costs the writer three commits (the log, the read models, the audit
trail): larger chunks spread them over more certificates (bench/README.md)."""
CAUSE = Cause.system(Interface.PROCESS)
MAX_FAILURES = 3


@dataclass(frozen=True)
class IssuerSettings:
    retention: timedelta
    """How long a ready batch's server-made keys are kept for download."""
    urls: Callable[[int], AuthorityUrls]
    """An authority's number → where FleetID serves its CRL, OCSP and certificate."""
    chunk: int = CHUNK


class BatchIssuer:
    def __init__(
        self,
        reader: AggregateReader,
        writer: EventWriter,
        sync: ReadModelSync,
        batches: BatchViews,
        profiles: ProfileViews,
        things: ThingCommands,
        maker: CertificateMaker,
        keys: IssuedKeys,
        settings: IssuerSettings,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._sync = sync
        self._batches = batches
        self._profiles = profiles
        self._things = things
        self._maker = maker
        self._keys = keys
        self._settings = settings
        self._failures: dict[int, int] = {}

    async def run_once(self, now: datetime | None = None) -> int:
        """Advance every batch that has work; how many did. A batch that fails does not hold
        up the others, and one that fails MAX_FAILURES times running is broken, saying why."""
        now = now or datetime.now(UTC)
        numbers = self._batches.needing_work(now - self._settings.retention)
        for number in numbers:
            try:
                await self.advance(number, now)
            except Exception as error:  # logged, counted, and the next batch goes on
                log.exception("advancing batch %d failed", number)
                failures = self._failures.get(number, 0) + 1
                self._failures[number] = failures
                if failures >= MAX_FAILURES:
                    await self._give_up(number, f"issuing failed: {type(error).__name__}")
            else:
                self._failures.pop(number, None)
        return len(numbers)

    async def _give_up(self, number: int, reason: str) -> None:
        try:
            await self._finish(number, reason)
        except Exception:  # it stays to be tried again
            log.exception("batch %d could not be marked broken", number)

    async def advance(self, number: int, now: datetime) -> None:
        batch = self._batch(number)
        if batch.status in ISSUING:
            await self._issue(batch)
        elif batch.status in (BatchStatus.PROCESSING_REJECT, BatchStatus.PROCESSING_REVOKE):
            await self._conclude(number)
        elif batch.status in ISSUED:
            await self._expire(number)

    def _batch(self, number: int) -> Batch:
        found = self._reader.get(batch_id(number))
        assert isinstance(found, Batch), f"no batch {number}"
        return found

    async def _issue(self, batch: Batch) -> None:
        authority = self._reader.get(authority_id(batch.authority))
        profile = self._profiles.get(batch.profile)
        if not isinstance(authority, Authority) or profile is None:
            await self._finish(batch.number, "its authority or profile is gone")
            return
        try:
            values = _certificate_values(batch, parse_config(profile.config))
        except InvalidValue as error:
            await self._finish(batch.number, f"{error.field}: {error}")
            return
        self._keys.discard_from(batch.number, batch.next_index)
        at = datetime.now(UTC)
        urls = self._settings.urls(batch.authority)

        def job(first: int) -> IssueJob:
            count = min(self._settings.chunk, batch.size - first)
            keys = batch.public_keys[first : first + count]
            return IssueJob(
                batch=batch.number,
                first=first,
                values=[values(i) for i in range(first, first + count)],
                public_keys=[base64.b64decode(key) for key in keys] if keys else None,
                profile_config=profile.config,
                authority_key=authority.key,
                authority_certificate=authority.certificate,
                urls=urls,
                at=at,
            )

        starts = iter(range(batch.next_index, batch.size, self._settings.chunk))
        running: deque[tuple[int, Future[MadeChunk]]] = deque()
        for first in starts:
            running.append((first, self._maker.make(job(first))))
            if len(running) >= 2 * self._maker.workers:
                break
        try:
            while running:
                first, made = running.popleft()
                chunk = await asyncio.wrap_future(made)
                if not await self._record(batch, first, chunk):
                    return
                following = next(starts, None)
                if following is not None:
                    running.append((following, self._maker.make(job(following))))
        finally:
            for _, later in running:
                later.cancel()
        await self._finish(batch.number, "")

    async def _record(self, batch: Batch, first: int, chunk: MadeChunk) -> bool:
        """Save a chunk; False if the batch stopped issuing (rejected meanwhile)."""
        number = batch.number
        self._keys.put(
            number,
            [(c.index, c.serial, c.sealed_key) for c in chunk.certificates if c.sealed_key],
        )
        certificates = [
            {
                "index": str(c.index),
                "serial": c.serial,
                "device": str(uuid4()),
                "cn": c.common_name,
                "der": base64.b64encode(c.der).decode(),
            }
            for c in chunk.certificates
        ]
        failures = [{"index": str(i), "reason": why} for i, why in chunk.failures]

        def command() -> tuple[bool, list[Aggregate]]:
            current = self._batch(number)
            if current.status not in ISSUING:
                return False, []
            try:
                current.issue_chunk(first, certificates, failures, CAUSE)
            except ChunkOutOfOrder:
                if current.next_index >= first + len(certificates) + len(failures):
                    return True, []
                raise
            changed: list[Aggregate] = [current]
            if certificates:
                allocation = self._allocation(current)
                allocation.use(str(number), len(certificates), CAUSE)
                changed.append(allocation)
            for made, record in zip(chunk.certificates, certificates, strict=True):
                changed.extend(
                    self._things.device(
                        UUID(record["device"]),
                        made.common_name or made.serial,
                        {
                            "certificate": {
                                "authorityId": current.authority,
                                "batchId": number,
                                "serialNumber": made.serial,
                            }
                        },
                        made.public_key,
                        UUID(current.user),
                        CAUSE,
                    )
                )
            return True, changed

        recorded = await self._saved(command)
        if not recorded:
            self._keys.discard_from(number, first)
        return recorded

    async def _finish(self, number: int, broken: str) -> None:
        def command() -> tuple[bool, list[Aggregate]]:
            batch = self._batch(number)
            if batch.status not in ISSUING:
                return False, []
            batch.finish(CAUSE, broken)
            allocation = self._allocation(batch)
            if str(number) not in allocation.reserved:
                return True, [batch]
            allocation.release(str(number), CAUSE)
            return True, [batch, allocation]

        await self._saved(command)

    async def _conclude(self, number: int) -> None:
        """A reject or revoke: the batch's certificates revoked (a rejected batch's because it
        was withdrawn), its keys destroyed, and for a reject its balance given back."""

        def command() -> tuple[bool, list[Aggregate]]:
            batch = self._batch(number)
            rejecting = batch.status is BatchStatus.PROCESSING_REJECT
            serials = batch.conclude(CAUSE)
            revocations = revocations_of(self._reader, batch.authority, CAUSE)
            revocations.revoke(serials, CESSATION if rejecting else 0, CAUSE)
            changed: list[Aggregate] = [batch, revocations]
            allocation = self._allocation(batch)
            if rejecting and batch.issued:
                allocation.refund(str(number), batch.user, batch.issued, CAUSE)
            if str(number) in allocation.reserved:
                allocation.release(str(number), CAUSE)
            if rejecting and (batch.issued or str(number) in allocation.reserved):
                changed.append(allocation)
            return True, changed

        await self._saved(command)
        self._keys.destroy(number)

    async def _expire(self, number: int) -> None:
        def command() -> tuple[bool, list[Aggregate]]:
            batch = self._batch(number)
            if batch.status not in ISSUED:
                return False, []
            batch.remove_zip(CAUSE)
            return True, [batch]

        if await self._saved(command):
            self._keys.destroy(number)

    def _allocation(self, batch: Batch) -> Allocation:
        found = self._reader.get(allocation_id(batch.organization, batch.authority))
        assert isinstance(found, Allocation), f"batch {batch.number} has no allocation"
        return found

    async def _saved(self, command: Callable[[], tuple[bool, list[Aggregate]]]) -> bool:
        return await run_command(self._writer, self._sync, command)


def _certificate_values(
    batch: Batch, config: ProfileConfig
) -> Callable[[int], dict[str, str] | str]:
    """Each certificate's values by its place in the batch, or why it cannot be made: the
    batch's own (its PKCS#12 password, kept apart and sealed, back under its parameter's name),
    numbered by the generator or taken from the uploaded request."""
    given = dict(batch.profile_params)
    secret = next(iter(secret_names(config)), None)
    if batch.pkcs12_password is not None and secret is not None:
        given[secret] = batch.pkcs12_password
    if batch.source != GENERATED:
        return lambda index: {**given, **batch.requests[index]}
    chosen = generator(batch.generator) if batch.generator else None
    values = BatchValues.of(config, chosen, batch.generator_params, given, batch.size)
    serials = values.serials()

    def numbered(index: int) -> dict[str, str] | str:
        try:
            return values.for_serial(serials[index])
        except InvalidValue as error:
            return f"{error.field}: {error}"

    return numbered
