"""The certificate manager's Upload API: `POST /api/v1/batches/upload?profileId=` (a PEM file
of certificate signing requests, or a ZIP of `.csr`/`.pem` files) and `/upload-csv?profileId=`
(a CSV file of each certificate's values), each a multipart form of two parts: `csrBatchRequest`
(JSON: `profileParams`, and optionally `batchName` and `authorityId`) and `files`."""

import json
from typing import Annotated, Any, ClassVar

from litestar import Controller, Request, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.openapi.spec import (
    Encoding,
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIType,
    RequestBody,
    Schema,
)
from litestar.params import QueryParameter

from application.authorization import Actor
from application.uploads import Upload
from domain.causes import Interface
from domain.errors import InvalidValue
from interfaces.rest.batches import BatchInfo, BatchServices
from interfaces.rest.body_docs import BODY_KEY

ActorDep = NamedDependency[Actor]
ProfileId = Annotated[
    int, QueryParameter(name="profileId", ge=0, le=2**31, description="profileId")
]
MULTIPART = ("multipart/form-data",)
BATCH_REQUEST = Schema(
    type=OpenAPIType.OBJECT,
    properties={
        "profileParams": Schema(
            type=OpenAPIType.OBJECT,
            additional_properties=Schema(type=OpenAPIType.STRING, max_length=255),
            description="the batch's own values, by parameter name",
        ),
        "batchName": Schema(type=OpenAPIType.STRING, max_length=255),
        "authorityId": Schema(type=OpenAPIType.INTEGER, minimum=0, maximum=2**31),
    },
    required=["profileParams"],
)
FORM = RequestBody(
    required=True,
    description="`files` must hold what the route reads, each item following the profile's rules "
    "(`/api/v1/profiles/{id}/parameters`): a fault is 400 naming `files`.",
    content={
        "multipart/form-data": OpenAPIMediaType(
            schema=Schema(
                type=OpenAPIType.OBJECT,
                properties={
                    "csrBatchRequest": BATCH_REQUEST,
                    "files": Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY),
                },
                required=["csrBatchRequest", "files"],
            ),
            encoding={"csrBatchRequest": Encoding(content_type="application/json")},
        )
    },
)
MAX_REQUEST_PART = 64 * 1024
ZIP_MAGIC = b"PK\x03\x04"


class UploadsController(Controller):
    path = "/api/v1/batches"
    tags = ["certificate manager: batches"]
    services: ClassVar[BatchServices]

    @classmethod
    def bound_to(cls, services: BatchServices, max_bytes: int) -> type["UploadsController"]:
        attributes = {"services": services, "request_max_body_size": max_bytes}
        return type(cls.__name__, (cls,), attributes)

    @post(
        "/upload",
        status_code=200,
        summary="Order a batch of the certificate signing requests uploaded",
        description="`files`: PEM text of one or more requests, or a ZIP of `.csr`/`.pem` files.",
        opt={"body_media_types": MULTIPART, BODY_KEY: FORM},
    )
    async def upload(
        self, profile_id: ProfileId, actor: ActorDep, request: Request[Any, Any, Any]
    ) -> BatchInfo:
        self.services.uploads.authorize(actor, profile_id)
        upload, content = await _form(request, profile_id)
        zipped = content.startswith(ZIP_MAGIC)
        uploads = self.services.uploads
        number = await uploads.from_csrs(actor, upload, content, zipped, Interface.REST)
        return self._info(actor, number)

    @post(
        "/upload-csv",
        status_code=200,
        summary="Order a batch of the CSV file's rows, a certificate each",
        description="`files`: CSV with a header of parameter names (any letter case).",
        opt={"body_media_types": MULTIPART, BODY_KEY: FORM},
    )
    async def upload_csv(
        self, profile_id: ProfileId, actor: ActorDep, request: Request[Any, Any, Any]
    ) -> BatchInfo:
        self.services.uploads.authorize(actor, profile_id)
        upload, content = await _form(request, profile_id)
        number = await self.services.uploads.from_csv(actor, upload, content, Interface.REST)
        return self._info(actor, number)

    def _info(self, actor: Actor, number: int) -> BatchInfo:
        return self.services.info(self.services.queries.get(actor, number))


async def _form(request: Request[Any, Any, Any], profile: int) -> tuple[Upload, bytes]:
    form = await request.form()
    described = await _part(form.get("csrBatchRequest"), "csrBatchRequest", MAX_REQUEST_PART)
    content = await _part(form.get("files"), "files", None)
    try:
        fields = json.loads(described)
    except (ValueError, UnicodeDecodeError):
        raise InvalidValue("must be JSON", field="csrBatchRequest") from None
    if not isinstance(fields, dict):
        raise InvalidValue("must be a JSON object", field="csrBatchRequest")
    params = fields.get("profileParams", {})
    if not isinstance(params, dict) or not all(
        isinstance(v, str | int) and not isinstance(v, bool) for v in params.values()
    ):
        raise InvalidValue("must be an object of texts", field="csrBatchRequest.profileParams")
    authority = fields.get("authorityId")
    if authority is not None and (isinstance(authority, bool) or not isinstance(authority, int)):
        raise InvalidValue("must be a number", field="csrBatchRequest.authorityId")
    name = fields.get("batchName") or ""
    if not isinstance(name, str):
        raise InvalidValue("must be text", field="csrBatchRequest.batchName")
    texts = {str(k): str(v) for k, v in params.items()}
    return Upload(profile, authority, name, texts), content


async def _part(value: Any, name: str, limit: int | None) -> bytes:
    """A part's bytes, sent as a file or as a field."""
    if value is None:
        raise InvalidValue("is missing", field=name)
    if isinstance(value, UploadFile):
        data = await value.read()
    else:
        data = str(value).encode()
    if limit is not None and len(data) > limit:
        raise InvalidValue(f"must be at most {limit} bytes", field=name)
    return data
