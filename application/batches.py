"""The certificate manager's batches: a user orders certificates of one authority's profile,
numbered by a generator; the order reserves the organization's balance, and rejecting it gives
the balance back. A batch is read by its organization's users and administrators; an admin
previews with any authority, but only an organization's users order, from its balance."""

from dataclasses import dataclass, field

from eventsourcing.domain import Aggregate

from application.authorization import Actor
from application.consistency import run_command
from application.member_rules import Standing, standing_of
from application.numbering import next_number
from application.ports.allocations import AllocationViews
from application.ports.authorities import AuthorityViews
from application.ports.batches import BatchEntry, BatchFilter, BatchView, BatchViews
from application.ports.certificates import CertificateView, CertificateViews
from application.ports.issuing import IssuedKeys
from application.ports.members import MemberViews
from application.ports.storage import AggregateReader, EventWriter, ReadModelSync, StaleWrite
from application.profiles import ProfileQueries
from application.read_time import AS_OF
from domain.allocations import Allocation, allocation_id
from domain.batch_values import BatchValues
from domain.batches import DOWNLOADABLE, GENERATED, ISSUING, Batch, BatchStatus, batch_id
from domain.causes import Interface
from domain.errors import Forbidden, InvalidValue, NotFound
from domain.generators import applicable, generator
from domain.profile_configs import ProfileConfig, parameters

PASSWORD_TYPE = "pkcs12Password"
"""The type of the profile element whose value is the PKCS#12 password, whatever its name."""
MAX_PAGE = 100
REQUESTS_PER_EVENT = 500
"""An uploaded batch's requests per event: its order is one commit of several events."""


@dataclass(frozen=True)
class BatchRequest:
    authority: int
    name: str
    generator: int | None
    """None: a single certificate, whose values are given as they are."""
    generator_params: dict[str, str]
    size: int
    profile_params: dict[str, str]


@dataclass(frozen=True)
class Order:
    """A batch about to be ordered, checked: numbered by a generator, or uploaded."""

    authority: int
    profile: int
    name: str
    size: int
    generator: int
    generator_params: dict[str, str]
    profile_params: dict[str, str]
    """The batch's own values, without the PKCS#12 password (`password`)."""
    password: str | None
    source: str
    requests: list[dict[str, str]] = field(default_factory=list)
    """An uploaded batch's values of each certificate, by parameter name."""
    public_keys: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BatchQueries:
    members: MemberViews
    authorities: AuthorityViews
    allocations: AllocationViews
    profiles: ProfileQueries
    batches: BatchViews
    certificates: CertificateViews

    def preview(self, actor: Actor, request: BatchRequest) -> BatchValues:
        """Who may order from the authority: an admin, or a user whose organization may use it
        (enabled) and who may use its profile. Anyone else learns nothing of the authority."""
        return self._checked(standing_of(self.members, actor), actor, request)[1]

    def checked_order(
        self, actor: Actor, request: BatchRequest
    ) -> tuple[Standing, int, frozenset[str]]:
        """The orderer's standing, the profile, and the names of the parameters that are
        secrets, once the request would make a batch."""
        standing, profile, config = self.ordering(actor, request.authority)
        self._checked(standing, actor, request)
        return standing, profile, secret_names(config)

    def get(self, actor: Actor, number: int) -> BatchView:
        found = self.batches.get(number)
        if found is None or not _reads(standing_of(self.members, actor), found.organization):
            raise NotFound("batch not found", field="batchId")
        return found

    def history(self, actor: Actor, number: int) -> list[BatchEntry]:
        self.get(actor, number)
        return self.batches.history(number)

    def devices_history(
        self, actor: Actor, number: int, position: int | None
    ) -> list[CertificateView]:
        """What happened to the batch's devices' certificates (or to the one at `position`,
        from 1): each version, issued then revoked."""
        self.get(actor, number)
        return self.certificates.history(number, None if position is None else position - 1)

    def page(self, actor: Actor, query: BatchFilter) -> tuple[list[BatchView], int]:
        """The batches of the actor's organization (an admin's: of the one it names)."""
        if not 1 <= query.limit <= MAX_PAGE:
            raise InvalidValue(f"must be 1 to {MAX_PAGE}", field="filter.pagingSettings.pageSize")
        if not _reads(standing_of(self.members, actor), query.organization):
            raise NotFound("organization not found", field="organizationId")
        return self.batches.page(query)

    def ordering(self, actor: Actor, authority: int) -> tuple[Standing, int, ProfileConfig]:
        """The orderer's standing, and the authority's profile (number and configuration), once
        the actor may order from it: an organization's user whose organization may use it
        (enabled) and who may use its profile. Anyone else learns nothing of the authority."""
        standing = standing_of(self.members, actor)
        if not standing.organization:
            raise Forbidden("only an organization's users order certificates")
        profile, config = self._profile_of(standing, actor, authority)
        return standing, profile, config

    def _checked(
        self, standing: Standing, actor: Actor, request: BatchRequest
    ) -> tuple[int, BatchValues]:
        profile, config = self._profile_of(standing, actor, request.authority)
        chosen = None if request.generator is None else generator(request.generator)
        takes_mac = any(element.syntax == "MACAddress" for element in config.elements)
        if chosen is not None and chosen not in applicable(takes_mac):
            raise InvalidValue("the profile takes no such generator", field="generatorId")
        values = BatchValues.of(
            config, chosen, request.generator_params, request.profile_params, request.size
        )
        return profile, values

    def _profile_of(
        self, standing: Standing, actor: Actor, authority: int
    ) -> tuple[int, ProfileConfig]:
        found = self.authorities.get(authority)
        profile = None if found is None else found.profile
        if profile is None or not standing.uses_profile(profile):
            raise NotFound("authority not found", field="authorityId")
        if not standing.admin or standing.organization:
            allocation = self.allocations.get(standing.organization, authority)
            if allocation is None or allocation.status != "enabled":
                raise NotFound("authority not found", field="authorityId")
        _, config = self.profiles.get(actor, profile)
        return profile, config


def secret_names(config: ProfileConfig) -> frozenset[str]:
    """The parameters that are secrets: the PKCS#12 password, whatever its name."""
    return frozenset(p.name for p in parameters(config) if p.input_type == PASSWORD_TYPE)


def _reads(standing: Standing, organization: int) -> bool:
    return standing.manages_organization(organization) or standing.belongs_to(organization)


class BatchCommands:
    def __init__(
        self,
        reader: AggregateReader,
        writer: EventWriter,
        sync: ReadModelSync,
        queries: BatchQueries,
        keys: IssuedKeys,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._sync = sync
        self._queries = queries
        self._keys = keys

    async def order(self, actor: Actor, request: BatchRequest, via: Interface) -> int:
        """The batch's number. Its balance is reserved in the same save, so an order beyond
        what the organization may still use is refused (409) and records nothing."""
        standing, profile, secrets = self._queries.checked_order(actor, request)
        params = {k: v for k, v in request.profile_params.items() if k not in secrets}
        password = next((v for k, v in request.profile_params.items() if k in secrets), None)
        order = Order(
            authority=request.authority,
            profile=profile,
            name=request.name,
            size=request.size,
            generator=request.generator or 0,
            generator_params=request.generator_params,
            profile_params=params,
            password=password,
            source=GENERATED,
        )
        return await self.place(actor, standing, order, via)

    async def place(self, actor: Actor, standing: Standing, order: "Order", via: Interface) -> int:
        """A checked order saved: the batch (with an uploaded batch's requests) and its
        balance's reservation, in one commit."""

        def command() -> tuple[int, list[Aggregate]]:
            cause = actor.cause(via)
            numbers, number = next_number(self._reader, "batch", cause)
            allocation = self._reader.get(allocation_id(standing.organization, order.authority))
            if not isinstance(allocation, Allocation) or allocation.removed:
                raise NotFound("authority not found", field="authorityId")
            allocation.reserve(str(number), str(actor.id), order.size, cause)
            batch = Batch.order(
                number,
                standing.number,
                cause,
                name=order.name,
                organization=standing.organization,
                authority=order.authority,
                profile=order.profile,
                user=str(actor.id),
                size=order.size,
                generator=order.generator,
                generator_params=order.generator_params,
                profile_params=order.profile_params,
                pkcs12_password=order.password,
                source=order.source,
            )
            for first in range(0, len(order.requests), REQUESTS_PER_EVENT):
                batch.add_requests(
                    order.requests[first : first + REQUESTS_PER_EVENT],
                    order.public_keys[first : first + REQUESTS_PER_EVENT],
                    cause,
                )
            return number, [numbers, allocation, batch]

        return await run_command(self._writer, self._sync, command)

    async def reject(self, actor: Actor, number: int, reason: str, via: Interface) -> None:
        """By the user who ordered it or the organization's administrators. Before the batch
        is downloaded this rejects it (the balance comes back), after it revokes it (the balance
        stays used); the issuer finishes either. A batch with nothing issued is rejected at
        once, its balance given back in the same save."""
        self._require_updater(actor, number)

        def command() -> tuple[None, list[Aggregate]]:
            batch = self._reader.get(batch_id(number))
            if not isinstance(batch, Batch):
                raise NotFound("batch not found", field="batchId")
            cause = actor.cause(via)
            batch.withdraw(reason, cause)
            allocation = self._reader.get(allocation_id(batch.organization, batch.authority))
            if batch.status is not BatchStatus.REJECTED or not isinstance(allocation, Allocation):
                return None, [batch]
            allocation.release(str(number), cause)
            return None, [batch, allocation]

        await run_command(self._writer, self._sync, command)
        if self._queries.get(actor, number).status == BatchStatus.REJECTED:
            self._keys.destroy(number)

    async def download(self, actor: Actor, number: int, via: Interface) -> BatchView:
        """The batch to download, by who may withdraw it (its private keys are its orderer's
        and its organization's administrators', not every member's); the first download is
        recorded: from then on it can only be revoked. A download is of the present."""
        if AS_OF.get() is not None:
            raise InvalidValue("a download is of the batch as it is now", field="as_of")
        found = self._require_updater(actor, number)

        def command() -> tuple[None, list[Aggregate]]:
            batch = self._reader.get(batch_id(number))
            if not isinstance(batch, Batch):
                raise NotFound("batch not found", field="batchId")
            if batch.status in ISSUING and found.status in DOWNLOADABLE:
                raise StaleWrite("the issuer's last saves have not reached this process yet")
            batch.download(actor.cause(via))
            return None, [batch]

        await run_command(self._writer, self._sync, command)
        return found

    def _require_updater(self, actor: Actor, number: int) -> BatchView:
        found = self._queries.get(actor, number)
        standing = standing_of(self._queries.members, actor)
        if found.user_number != standing.number and not standing.manages_organization(
            found.organization
        ):
            raise Forbidden("only who ordered the batch and its organization's admins may do this")
        return found
