"""The certificate manager's Batch API (`/api/v1/batches`): ordering, previewing, reading and
rejecting batches."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar
from uuid import UUID, uuid5

from litestar import Controller, MediaType, Request, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter
from litestar.response import Stream
from msgspec import Meta, Struct

from application.authorization import Actor
from application.batches import MAX_PAGE, BatchCommands, BatchQueries, BatchRequest
from application.downloads import BatchDownloads
from application.issuance import BatchIssuer
from application.member_rules import standing_of
from application.ports.batches import BatchEntry, BatchFilter, BatchView
from application.ports.certificates import CertificateView
from application.ports.profiles import ProfileViews
from application.uploads import BatchUploads
from domain.batches import DOWNLOADABLE, ISSUED, ISSUING, BatchStatus
from domain.causes import Interface
from domain.errors import InvalidValue
from domain.generators import MAX_COUNT
from domain.revocations import REASONS
from infrastructure.zip_stream import zip_stream
from interfaces.rest.as_of import AS_OF
from interfaces.rest.body_docs import ANSWER_KEY
from interfaces.rest.organization_schemas import MaybeNumber
from interfaces.rest.value_schemas import documented, optional_number

ActorDep = NamedDependency[Actor]
BatchId = Annotated[int, PathParameter(description="batch id", ge=0, le=2**53)]
Number = Annotated[int, Meta(ge=0, le=2**53)]
Parameters = Annotated[dict[str, str | int], Meta(max_length=64)]
"""The document shows every parameter as text; a number is read as its text. The domain names
a faulty key or value (`profileParams.years`)."""
STATUSES = (
    "Pending Creation",
    "Pending Issue",
    "Batch Issued Partly",
    "Ready For Download",
    "Zip removed after expiration",
    "Processing Reject",
    "Processing Revoke",
    "Rejected",
    "Revoked",
    "Broken",
)
"""The document's statuses, in its table's order: the grid's `filter.status` is a place in it
(from 1; 0 is any status)."""
INACTIVE = frozenset({"Rejected", "Revoked", "Broken", "Zip removed after expiration"})
DEFAULT_PAGE = 20
NO_DATE = datetime(1970, 1, 2, tzinfo=UTC)
"""A bound before this is no bound: the document's example sends the epoch for "any"."""
MAX_REASON_BYTES = 4096
Instant = Annotated[str, Meta(max_length=64, extra_json_schema={"format": "date-time"})]
"""ISO 8601 (RFC 3339 included); the field may also be milliseconds since the epoch."""


class BatchBody(Struct, rename="camel", kw_only=True):
    authority_id: Number
    batch_name: Annotated[str, Meta(max_length=255)] = ""
    generator_id: Annotated[int, Meta(ge=1, le=2**31)]
    generator_params: Parameters
    batch_size: Annotated[int, Meta(ge=1, le=MAX_COUNT)]
    profile_params: Parameters = {}

    def request(self) -> BatchRequest:
        return BatchRequest(
            self.authority_id,
            self.batch_name,
            self.generator_id,
            _texts(self.generator_params),
            self.batch_size,
            _texts(self.profile_params),
        )


class SingleBody(Struct, rename="camel", kw_only=True):
    authority_id: Number
    batch_name: Annotated[str, Meta(max_length=255)] = ""
    profile_params: Parameters = {}

    def request(self) -> BatchRequest:
        params = _texts(self.profile_params)
        return BatchRequest(self.authority_id, self.batch_name, None, {}, 1, params)


def _texts(parameters: dict[str, str | int]) -> dict[str, str]:
    return {key: str(value) for key, value in parameters.items()}


class Paging(Struct, rename="camel"):
    page_index: Annotated[int, Meta(ge=0, le=2**31)] = 0
    page_size: Annotated[int, Meta(ge=0, le=MAX_PAGE)] = 0
    """0 is the default page size, 20."""
    total_count: Any = None


class Filter(Struct, rename="camel"):
    """Every field may be left out, null or zero: it then asks nothing."""

    batch_id: MaybeNumber = None
    from_date: Instant | int | None = None
    to_date: Instant | int | None = None
    size_from: MaybeNumber = None
    size_to: MaybeNumber = None
    status: Annotated[
        Annotated[int, Meta(ge=0, le=len(STATUSES))] | None,
        documented(minimum=0, maximum=len(STATUSES)),
    ] = None
    batch_name: Annotated[str, Meta(max_length=255)] | None = None
    paging_settings: Paging | None = None

    def query(self, organization: int, profile: int | None) -> BatchFilter:
        paging = self.paging_settings or Paging()
        size = paging.page_size or DEFAULT_PAGE
        return BatchFilter(
            organization=organization,
            profile=profile,
            number=self.batch_id or None,
            name=self.batch_name or None,
            status=STATUSES[self.status - 1] if self.status else None,
            size_from=self.size_from or None,
            size_to=self.size_to or None,
            created_from=_date(self.from_date, "filter.fromDate"),
            created_to=_date(self.to_date, "filter.toDate"),
            offset=paging.page_index * size,
            limit=size,
        )


def _date(value: str | int | None, field: str) -> datetime | None:
    """ISO 8601, or milliseconds since the epoch."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, int):
            when = datetime.fromtimestamp(value / 1000, UTC)
        else:
            when = datetime.fromisoformat(value.strip().upper())
    except (ValueError, OverflowError, OSError):
        raise InvalidValue("must be an ISO 8601 time or milliseconds", field=field) from None
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return None if when < NO_DATE else when


class GridBody(Struct, rename="camel"):
    filter: Filter | None = None
    sort_columns: Any = None


class BatchInfo(Struct, rename="camel"):
    batch_id: int
    order_number: int
    creation_date: str
    profile: str
    size: int
    status: str
    active: bool
    batch_name: str
    reject_reason: str
    generator_parameters_values: dict[str, str]
    user_id: int
    downloadable: bool
    rejectable: bool


class Grid(Struct, rename="camel"):
    batches: list[BatchInfo]
    total_count: int


class AuditEntry(Struct, rename="camel"):
    log_id: str
    batch_id: int
    log_type: str
    user_name: str
    date_time: str
    message: str


class DeviceEntry(Struct, rename="camel"):
    log_id: str
    device_id: str
    cn: str
    date_time: str
    message: str


class ProcessingInfo(Struct):
    active: int
    success: int
    failed: int


@dataclass(frozen=True)
class BatchServices:
    commands: BatchCommands
    queries: BatchQueries
    profiles: ProfileViews
    issuer: BatchIssuer
    downloads: BatchDownloads
    uploads: BatchUploads

    def login_of(self, reader: Actor, actor: str) -> str:
        """The login of the user who acted, if the reader may see that user; otherwise (an
        admin to a user, an erased person, the system) empty."""
        try:
            acting = self.queries.members.by_user(UUID(actor))
        except ValueError:
            return ""
        if acting is None or acting.login is None:
            return ""
        standing = standing_of(self.queries.members, reader)
        visible = standing.sees(acting.number, acting.membership, acting.admin)
        return acting.login if visible else ""

    def info(self, view: BatchView) -> BatchInfo:
        profile = self.profiles.get(view.profile)
        return BatchInfo(
            view.number,
            view.number,
            _time(view.created_at),
            "" if profile is None else profile.name,
            view.size,
            view.status,
            view.status not in INACTIVE,
            view.name,
            view.reject_reason,
            view.generator_params,
            view.user_number,
            view.status in DOWNLOADABLE,
            view.status in ISSUING or (view.status in ISSUED and not view.downloaded),
        )


class BatchesController(Controller):
    path = "/api/v1/batches"
    parameters = AS_OF
    tags = ["certificate manager: batches"]
    services: ClassVar[BatchServices]

    @classmethod
    def bound_to(cls, services: BatchServices) -> type["BatchesController"]:
        return type(cls.__name__, (cls,), {"services": services})

    @put("/", status_code=200, summary="Order a batch numbered by a generator")
    async def order(self, data: JSONBody[BatchBody], actor: ActorDep) -> BatchInfo:
        return await self._order(actor, data.request())

    @put("/createSingleCertBatch", status_code=200, summary="Order one certificate")
    async def order_one(self, data: JSONBody[SingleBody], actor: ActorDep) -> BatchInfo:
        return await self._order(actor, data.request())

    async def _order(self, actor: Actor, request: BatchRequest) -> BatchInfo:
        number = await self.services.commands.order(actor, request, Interface.REST)
        return self.services.info(self.services.queries.get(actor, number))

    @put(
        "/preview",
        status_code=200,
        summary="What the batch's first certificate would be given, and the batch's serials",
    )
    async def preview(self, data: JSONBody[BatchBody], actor: ActorDep) -> dict[str, str]:
        values = self.services.queries.preview(actor, data.request())
        serials = values.serials()
        shown = serials[0] if len(serials) == 1 else f"{serials[0]} - {serials[-1]}"
        return {**values.first(), "serials": shown}

    @post("/", status_code=200, summary="A page of the organization's batches, oldest first")
    async def grid(
        self,
        data: JSONBody[GridBody],
        actor: ActorDep,
        profile_id: Annotated[
            int | None, optional_number("profileId", "only this profile's")
        ] = None,
        organization_id: Annotated[
            int | None,
            optional_number(
                "organizationId",
                "whose batches (an admin's choice); a user's are its organization's",
            ),
        ] = None,
    ) -> Grid:
        queries = self.services.queries
        standing = standing_of(queries.members, actor)
        organization = standing.organization or organization_id or 0
        query = (data.filter or Filter()).query(organization, profile_id or None)
        found, total = queries.page(actor, query)
        return Grid([self.services.info(view) for view in found], total)

    @get("/{batch_id:int}", sync_to_thread=False, summary="A batch")
    def batch(self, batch_id: BatchId, actor: ActorDep) -> BatchInfo:
        return self.services.info(self.services.queries.get(actor, batch_id))

    @get(
        "/{batch_id:int}/status",
        sync_to_thread=False,
        media_type=MediaType.TEXT,
        summary='"Processing" while issued, "Ready for download", or "Not Acceptable. Status: …"',
    )
    def status(self, batch_id: BatchId, actor: ActorDep) -> str:
        found = self.services.queries.get(actor, batch_id)
        if found.status in ISSUING:
            return "Processing"
        if found.status in DOWNLOADABLE:
            return "Ready for download"
        if found.status == BatchStatus.BROKEN:
            return "Failed"
        return f"Not Acceptable. Status: {found.status}"

    @get(
        "/{batch_id:int}/processing_info",
        sync_to_thread=False,
        summary="Certificates still to issue (active), issued (success) and failed",
    )
    def processing_info(self, batch_id: BatchId, actor: ActorDep) -> ProcessingInfo:
        found = self.services.queries.get(actor, batch_id)
        active = found.size - found.issued - found.failed if found.status in ISSUING else 0
        return ProcessingInfo(active, found.issued, found.failed)

    @get(
        "/{batch_id:int}/auditLog",
        sync_to_thread=False,
        summary="What happened to the batch, oldest first: who did it and when",
    )
    def audit_log(self, batch_id: BatchId, actor: ActorDep) -> list[AuditEntry]:
        queries = self.services.queries
        found = queries.get(actor, batch_id)
        return [
            AuditEntry(
                str(uuid5(found.id, str(entry.position))),
                batch_id,
                entry.status,
                self.services.login_of(actor, entry.by),
                _time(entry.at),
                _message(entry),
            )
            for entry in queries.history(actor, batch_id)
        ]

    @get(
        "/{batch_id:int}/download",
        summary="The batch's certificates (and keys FleetID made) as a ZIP, streamed",
        description="An attachment (`Content-Disposition`) named `batch-{batchId}.zip`; its "
        "files are in docs/certificate-manager.md. It is of the batch as it is now: it takes "
        "no `as_of`.",
        media_type="application/zip",
        opt={ANSWER_KEY: ("application/zip",)},
    )
    async def download(self, batch_id: BatchId, actor: ActorDep) -> Stream:
        found = await self.services.commands.download(actor, batch_id, Interface.REST)
        entries = self.services.downloads.entries(found.number)
        return Stream(
            zip_stream(entries, datetime.now(UTC)),
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="batch-{found.number}.zip"'},
        )

    @get(
        "/{batch_id:int}/devices/auditLog",
        sync_to_thread=False,
        summary="What happened to the batch's devices' certificates: issued, revoked",
    )
    def devices_audit_log(
        self,
        batch_id: BatchId,
        actor: ActorDep,
        position: Annotated[
            int | None, optional_number("position", "only the device at this place, from 1")
        ] = None,
    ) -> list[DeviceEntry]:
        found = self.services.queries.devices_history(actor, batch_id, position or None)
        return [_device_entry(version) for version in found]

    @delete(
        "/{batch_id:int}",
        status_code=200,
        media_type=MediaType.TEXT,
        summary="Reject a batch (before it is downloaded: its balance is given back) or revoke "
        "it (after), the reason as the body",
    )
    async def reject(
        self, batch_id: BatchId, actor: ActorDep, request: Request[Any, Any, Any]
    ) -> Response[bytes]:
        reason = _reason(await request.body())
        await self.services.commands.reject(actor, batch_id, reason, Interface.REST)
        return Response(b"", status_code=200)


def _device_entry(version: CertificateView) -> DeviceEntry:
    revoked = version.revoked_at is not None
    at = version.revoked_at if version.revoked_at is not None else version.created_at
    if revoked:
        reason = REASONS.get(version.reason or 0, "unspecified")
        message = f"certificate {version.serial} revoked: {reason}"
    else:
        message = f"certificate {version.serial} issued"
    log_id = uuid5(UUID(version.device), f"{version.status}:{at.isoformat()}")
    return DeviceEntry(str(log_id), version.device, version.common_name, _time(at), message)


def _time(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _message(entry: BatchEntry) -> str:
    if entry.status == BatchStatus.REJECTED.value:
        return f"rejected: {entry.reject_reason}" if entry.reject_reason else "rejected"
    return f"ordered {entry.size} certificate{'s' if entry.size != 1 else ''}"


def _reason(body: bytes) -> str:
    """The body is the reason, as text; a JSON string is read as its text."""
    if len(body) > MAX_REASON_BYTES:
        raise InvalidValue(f"must be at most {MAX_REASON_BYTES} bytes", field="reason")
    try:
        text = body.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise InvalidValue("must be UTF-8 text", field="reason") from None
    if text.startswith('"'):
        try:
            decoded = json.loads(text)
        except json.JSONDecodeError:
            return text
        return decoded if isinstance(decoded, str) else text
    return text
