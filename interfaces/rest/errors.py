"""The one error shape of the API and the one map from exceptions to status codes.

Every error body is `{"status": int, "error": reason, "message": text, "field": name-or-null}`.
"""

import logging
import re
from typing import Any

import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException

from application.ports.mail import MailNotSent
from application.ports.storage import ConsistencyTimeout, Unstorable, WriterUnavailable
from application.throttling import TooManyAttempts
from domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidValue,
    NotFound,
    Unauthenticated,
)
from interfaces.rest.query_rules import query_name
from interfaces.senml_codec import UnsupportedMediaType

log = logging.getLogger(__name__)

STATUS_OF: list[tuple[type[DomainError], int]] = [
    (InvalidValue, 400),
    (Unauthenticated, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (UnsupportedMediaType, 415),
]

REASON_OF_STATUS = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "unstorable",
    429: "too_many_attempts",
    500: "internal_error",
    503: "unavailable",
}

_MISSING_FIELD = re.compile(r"Object missing required field `([^`]+)`")
_MISSING_PARAMETER = re.compile(r"Missing required (?:query|header|cookie) parameter '([^']+)'")
_BODY_PATH = re.compile(r" - at `\$\.data([.\[][^`]*)`$")
"""msgspec's own path, which Litestar drops for array elements (`$.data[3].name`)."""


class Problem(msgspec.Struct):
    status: int
    error: str
    message: str
    field: str | None = None


def problem(
    status: int,
    error: str,
    message: str,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    if status == 401:
        headers = {"WWW-Authenticate": "Bearer", **(headers or {})}
    return Response(
        Problem(status, error, message, field),
        status_code=status,
        media_type=MediaType.JSON,
        headers=headers,
    )


def domain_error(_: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    status = next((code for kind, code in STATUS_OF if isinstance(exc, kind)), 400)
    return problem(status, exc.reason, exc.message, exc.field)


def validation_error(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    """Litestar/msgspec validation: name the offending field as a dotted path."""
    extra = exc.extra if isinstance(exc.extra, list) and exc.extra else None
    if extra is None:
        missing_parameter = _MISSING_PARAMETER.match(exc.detail)
        named = missing_parameter.group(1) if missing_parameter else None
        return problem(400, "bad_request", exc.detail, named)
    first: dict[str, Any] = extra[0]
    message = str(first.get("message", exc.detail))
    field = first.get("key")
    if field == "data" and first.get("source") == "body" and message == "'data'":
        return problem(400, "missing_body", "a JSON request body is required")
    if field == "data" and first.get("source") == "body":
        located = _BODY_PATH.search(str(exc.__cause__ or ""))
        if located:
            field = located.group(1).removeprefix(".")
    missing = _MISSING_FIELD.search(message)
    if missing:
        field = f"{field}.{missing.group(1)}" if field and field != "data" else missing.group(1)
    if field == "data":
        field = None
    if first.get("source") == "query" and isinstance(field, str):
        parameter = request.route_handler.parsed_fn_signature.parameters.get(field)
        field = query_name(field, parameter) if parameter is not None else field
    return problem(400, "invalid_value", message, field)


def http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if isinstance(exc.__cause__, SerializationException):
        return problem(400, "malformed_json", exc.detail)
    status = exc.status_code
    return problem(status, REASON_OF_STATUS.get(status, "error"), exc.detail, headers=exc.headers)


def too_many_attempts(_: Request[Any, Any, Any], exc: TooManyAttempts) -> Response[Any]:
    """The secret was not checked: the caller learns only when it may try again."""
    headers = {"Retry-After": str(exc.retry_after)}
    return problem(429, exc.reason, exc.message, headers=headers)


def consistency_timeout(_: Request[Any, Any, Any], exc: ConsistencyTimeout) -> Response[Any]:
    """The change is stored; only its visibility in queries is late, and the client must know."""
    return problem(503, "read_model_lagging", f"change stored, but {exc}")


def writer_unavailable(_: Request[Any, Any, Any], exc: WriterUnavailable) -> Response[Any]:
    log.warning("a save could not reach the writer: %s", exc)
    return problem(503, "unavailable", "the change could not be stored now; try again")


def unstorable(_: Request[Any, Any, Any], exc: Unstorable) -> Response[Any]:
    """Records the checks let through but the database refused: the sender's data, so not a
    server error; nothing of the request was stored."""
    return problem(422, "unstorable", str(exc))


def mail_not_sent(_: Request[Any, Any, Any], exc: MailNotSent) -> Response[Any]:
    log.warning("the mail server refused a message: %s", exc)
    return problem(503, "mail_not_sent", "the e-mail could not be sent; try again later")


def too_deep(_: Request[Any, Any, Any], exc: RecursionError) -> Response[Any]:
    return problem(400, "too_deep", "the JSON document is nested too deeply")


def internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, "internal_error", "internal server error")


HANDLERS: dict[int | type[Exception], Any] = {
    TooManyAttempts: too_many_attempts,
    DomainError: domain_error,
    ValidationException: validation_error,
    HTTPException: http_error,
    ConsistencyTimeout: consistency_timeout,
    Unstorable: unstorable,
    WriterUnavailable: writer_unavailable,
    MailNotSent: mail_not_sent,
    RecursionError: too_deep,
    Exception: internal_error,
}
