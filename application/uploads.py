"""Uploaded batches: a file of certificate signing requests (`/upload`), or a CSV file of each
certificate's values (`/upload-csv`), ordered from the authority of the profile named.

Every request and every row is checked before anything is stored, by the same rules as a
batch's values: an upload with any fault is refused whole (400 naming `files`, with each fault's
line or file name, the first MAX_FAULTS of them) and records nothing. A CSR must prove
possession of its key (its signature) and hold a key of the profile's algorithm; the profile,
not the CSR, decides what a certificate holds: of the CSR only the subject attributes the
profile takes from it (`CSR.Subject.commonName`) and its public key are used."""

import asyncio
import base64
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, replace

from application.authorization import Actor
from application.batches import BatchCommands, BatchQueries, Order, secret_names
from application.ports.authorities import AuthorityViews
from application.ports.uploads import SigningRequest, SigningRequestReader, UnreadableUpload
from domain.batch_values import CONTROL, BatchValues
from domain.batches import FROM_CSRS, FROM_CSV
from domain.causes import Interface
from domain.errors import InvalidValue, NotFound
from domain.generators import MAX_COUNT
from domain.profile_configs import ProfileConfig, parameters

MAX_FAULTS = 20
MAX_VALUE = 64
"""RFC 5280's bound on most subject attributes (ub-common-name and the like)."""
SUBJECT = "CSR.Subject."
GIVEN = ("Request.", "Batch.")


@dataclass(frozen=True)
class Upload:
    profile: int
    authority: int | None
    """The `authorityId` the batch request names, if any: it must be the profile's."""
    name: str
    profile_params: dict[str, str]


@dataclass(frozen=True)
class BatchUploads:
    queries: BatchQueries
    commands: BatchCommands
    authorities: AuthorityViews
    requests: SigningRequestReader

    def authorize(self, actor: Actor, profile: int) -> None:
        """Before the upload is read: who may not order from the profile's authority learns
        only that (404), whatever it sent."""
        self.queries.ordering(actor, self._authority(profile))

    async def from_csrs(
        self, actor: Actor, upload: Upload, content: bytes, zipped: bool, via: Interface
    ) -> int:
        authority = self._chosen(upload)
        standing, profile, config = self.queries.ordering(actor, authority)
        faults: list[str] = []

        def read() -> tuple[list[SigningRequest], list[dict[str, str]]]:
            try:
                found = self.requests.read(content, zipped)
            except UnreadableUpload as error:
                raise InvalidValue(str(error), field="files") from None
            return found, [_csr_values(config, upload.profile_params, r, faults) for r in found]

        found, rows = await asyncio.to_thread(read)
        _refuse(faults)
        order = _order(upload, authority, profile, config, rows, FROM_CSRS)
        keys = [base64.b64encode(r.public_key).decode() for r in found]
        return await self.commands.place(actor, standing, replace(order, public_keys=keys), via)

    async def from_csv(self, actor: Actor, upload: Upload, content: bytes, via: Interface) -> int:
        authority = self._chosen(upload)
        standing, profile, config = self.queries.ordering(actor, authority)
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidValue("must be UTF-8 (or ASCII) text", field="files") from None
        faults: list[str] = []
        rows = await asyncio.to_thread(
            lambda: list(_csv_rows(config, upload.profile_params, text, faults))
        )
        _refuse(faults)
        if not rows:
            raise InvalidValue("holds no row after its header", field="files")
        order = _order(upload, authority, profile, config, rows, FROM_CSV)
        return await self.commands.place(actor, standing, order, via)

    def _authority(self, profile: int) -> int:
        """The profile's authority: FleetID makes one per profile. No such profile answers as
        an authority the caller may not use."""
        found = [a.number for a in self.authorities.all() if a.profile == profile]
        if not found:
            raise NotFound("authority not found", field="authorityId")
        return found[0]

    def _chosen(self, upload: Upload) -> int:
        authority = self._authority(upload.profile)
        if upload.authority is not None and upload.authority != authority:
            raise InvalidValue("must be the profile's authority", field="authorityId")
        return authority


def _order(
    upload: Upload,
    authority: int,
    profile: int,
    config: ProfileConfig,
    rows: list[dict[str, str]],
    source: str,
) -> Order:
    secrets = secret_names(config)
    params = {k: v for k, v in upload.profile_params.items() if k not in secrets}
    password = next((v for k, v in upload.profile_params.items() if k in secrets), None)
    if len(rows) > MAX_COUNT:
        raise InvalidValue(f"holds over {MAX_COUNT} certificates", field="files")
    return Order(
        authority=authority,
        profile=profile,
        name=upload.name,
        size=len(rows),
        generator=0,
        generator_params={},
        profile_params=params,
        password=password,
        source=source,
        requests=rows,
    )


def _csr_values(
    config: ProfileConfig,
    batch: dict[str, str],
    request: SigningRequest,
    faults: list[str],
) -> dict[str, str]:
    """A CSR's values: each subject attribute the profile takes from CSRs, under the name of
    the parameter it stands for (`macAddress`), or of the attribute (`Subject.commonName`)
    where no parameter does."""
    for attribute in request.subject.values():
        if len(attribute) > MAX_VALUE or CONTROL.search(attribute):
            faults.append(
                f"{request.where}: a subject attribute over {MAX_VALUE} characters or "
                "holding a control character"
            )
            return {}
    if request.key_algorithm != config.key_algorithm:
        shown = request.key_algorithm or "an unsupported"
        faults.append(f"{request.where}: {shown} key; the profile certifies {config.key_algorithm}")
    named: dict[str, str] = {}
    own: dict[str, str] = {}
    for element in config.elements:
        taken = [s.removeprefix(SUBJECT) for s in element.sources if s.startswith(SUBJECT)]
        value = next((request.subject[t] for t in taken if t in request.subject), None)
        if value is None:
            continue
        names = [s.split(".", 1)[1] for s in element.sources if s.startswith(GIVEN)]
        if names:
            named[names[0]] = value
        else:
            own[f"Subject.{taken[0]}"] = value
    _check(config, {**batch, **named}, request.where, faults)
    return {**named, **own}


def _csv_rows(
    config: ProfileConfig, batch: dict[str, str], text: str, faults: list[str]
) -> Iterator[dict[str, str]]:
    """Rows of values by parameter name. The header names columns in any order and letter
    case: every parameter a certificate needs that the batch does not give is mandatory."""
    secrets = secret_names(config)
    names = {p.name.lower(): p for p in parameters(config) if p.name not in secrets}
    lines = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(lines, [])
    except csv.Error as error:
        faults.append(f"line 1: {error}")
        return
    columns = []
    for title in header:
        parameter = names.get(title.strip().lower())
        if parameter is None:
            faults.append(f"line 1: {title.strip()!r} is no parameter of the profile")
        elif parameter.name in columns:
            faults.append(f"line 1: {parameter.name} is named twice")
        columns.append(parameter.name if parameter else "")
    for parameter in names.values():
        needed = parameter.required and parameter.name not in batch
        if needed and parameter.name not in columns:
            faults.append(f"line 1: the mandatory column {parameter.name} is missing")
    if faults:
        return
    try:
        for row in lines:
            number = lines.line_num
            if not any(field.strip() for field in row):
                continue
            if len(row) != len(columns):
                faults.append(f"line {number}: {len(row)} fields, the header names {len(columns)}")
                continue
            values = {c: v.strip() for c, v in zip(columns, row, strict=True) if v.strip()}
            _check(config, {**batch, **values}, f"line {number}", faults)
            yield values
            if number > MAX_COUNT + 1:
                faults.append(f"line {number}: over {MAX_COUNT} rows")
                return
    except csv.Error as error:
        faults.append(f"line {lines.line_num}: {error}")


def _check(config: ProfileConfig, values: dict[str, str], where: str, faults: list[str]) -> None:
    try:
        BatchValues.of(config, None, {}, values, 1)
    except InvalidValue as error:
        faults.append(f"{where}: {error.field}: {error}")


def _refuse(faults: list[str]) -> None:
    if not faults:
        return
    shown = "; ".join(faults[:MAX_FAULTS])
    more = len(faults) - MAX_FAULTS
    raise InvalidValue(shown + (f"; and {more} more" if more > 0 else ""), field="files")
