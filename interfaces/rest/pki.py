"""FleetID's authorities for relying parties, without sign-in, at the URLs issued certificates
name (interfaces/rest/pki_urls.py): `GET /pki/authorities/{n}.cer` (the authority's certificate,
DER), `GET /pki/authorities/{n}.crl` (its CRL, DER), and its OCSP responder, `POST
/pki/ocsp/{n}` with a DER request or `GET /pki/ocsp/{n}/{base64 of the request}` (RFC 6960,
appendix A)."""

import base64
import binascii
from typing import Annotated, Any, ClassVar
from urllib.parse import unquote

from litestar import Controller, Request, Response, get, post
from litestar.openapi.spec import OpenAPIFormat, OpenAPIMediaType, OpenAPIType, RequestBody, Schema
from litestar.params import PathParameter

from application.pki import PkiQueries
from domain.errors import InvalidValue
from interfaces.rest.body_docs import ANSWER_KEY, BODY_KEY
from interfaces.rest.pki_urls import PKI

MAX_OCSP_REQUEST = 4096
"""A request for one certificate is about a hundred bytes; nonces and signatures add little."""
FILE = r"^(0|[1-9][0-9]{0,8})\.(crl|cer)$"
PKIX_CERT = "application/pkix-cert"
PKIX_CRL = "application/pkix-crl"
OCSP_RESPONSE = "application/ocsp-response"
OCSP_REQUEST = "application/ocsp-request"
OCSP_BODY = RequestBody(
    required=True,
    description="An OCSP request, DER (RFC 6960); anything else is answered malformedRequest.",
    content={
        OCSP_REQUEST: OpenAPIMediaType(
            schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
        )
    },
)
Authority = Annotated[int, PathParameter(description="authorityId", ge=0, le=2**31)]
FileName = Annotated[
    str,
    PathParameter(description="`{authorityId}.cer` or `{authorityId}.crl`", pattern=FILE),
]
Encoded = Annotated[str, PathParameter(description="the DER request, base64, URL-encoded")]


class PkiController(Controller):
    path = PKI
    tags = ["certificate manager: revocation"]
    services: ClassVar[PkiQueries]

    @classmethod
    def bound_to(cls, services: PkiQueries) -> type["PkiController"]:
        return type(cls.__name__, (cls,), {"services": services})

    @get(
        "/authorities/{file:str}",
        sync_to_thread=True,
        security=[],
        summary="An authority's certificate (`{n}.cer`, DER) or CRL (`{n}.crl`, DER)",
        opt={ANSWER_KEY: (PKIX_CERT, PKIX_CRL)},
    )
    def authority_file(self, file: FileName) -> Response[bytes]:
        name, kind = file.split(".")
        number = int(name)
        if kind == "crl":
            return Response(self.services.crl(number), media_type=PKIX_CRL, headers=_cached())
        return Response(
            _der(self.services.certificate(number)), media_type=PKIX_CERT, headers=_cached()
        )

    @post(
        "/ocsp/{authority:int}",
        status_code=200,
        security=[],
        summary="OCSP (RFC 6960): the DER request as the body (application/ocsp-request)",
        opt={
            "body_media_types": (OCSP_REQUEST,),
            BODY_KEY: OCSP_BODY,
            ANSWER_KEY: (OCSP_RESPONSE,),
        },
    )
    async def ocsp_post(
        self, authority: Authority, request: Request[Any, Any, Any]
    ) -> Response[bytes]:
        body = await request.body()
        if len(body) > MAX_OCSP_REQUEST:
            raise InvalidValue(f"must be at most {MAX_OCSP_REQUEST} bytes", field="body")
        return _ocsp(self.services.ocsp(authority, body))

    @get(
        "/ocsp/{authority:int}/{encoded:path}",
        sync_to_thread=True,
        security=[],
        summary="OCSP (RFC 6960): the request, DER in base64, URL-encoded, as the path",
        opt={ANSWER_KEY: (OCSP_RESPONSE,)},
    )
    def ocsp_get(self, authority: Authority, encoded: Encoded) -> Response[bytes]:
        """What is not base64 is no request: the responder says so as RFC 6960 asks, with a
        malformedRequest response."""
        text = unquote(encoded.lstrip("/"))
        if len(text) > MAX_OCSP_REQUEST * 2:
            raise InvalidValue(f"must be at most {MAX_OCSP_REQUEST} bytes", field="request")
        try:
            request = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            request = b""
        return _ocsp(self.services.ocsp(authority, request))


def _ocsp(der: bytes) -> Response[bytes]:
    return Response(der, media_type=OCSP_RESPONSE, headers={"Cache-Control": "no-store"})


def _cached() -> dict[str, str]:
    return {"Cache-Control": "max-age=300"}


def _der(pem: str) -> bytes:
    """A PEM certificate's DER: its base64 body."""
    lines = [line for line in pem.strip().splitlines() if not line.startswith("-----")]
    return base64.b64decode("".join(lines))
