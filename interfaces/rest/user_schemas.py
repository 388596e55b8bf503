"""Request and response bodies of the users and tokens API, as the seed document names them."""

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar.params import QueryParameter
from msgspec import UNSET, Meta, Struct, UnsetType

from application.ports.users import UserPage, UserView
from application.sessions import TokenPair
from domain.errors import InvalidValue
from domain.users import MAX_IDENTITY_LENGTH, MAX_SECRET_LENGTH, MIN_SECRET_LENGTH
from domain.values import MAX_NAME_LENGTH
from interfaces.rest.value_schemas import Metadata, Name, Tags

ZERO_TIME = datetime(1, 1, 1, tzinfo=UTC)
"""What the API has always answered for 'never updated'."""

VISIBLE = r"^[^\s\x00-\x1f\x7f-\x9f]*$"
"""No whitespace and no control character; the domain also refuses the other characters Python
does not print (format, private-use, unassigned), which no portable pattern can list."""
Identity = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=MAX_IDENTITY_LENGTH,
        extra_json_schema={"extra": {"pattern": VISIBLE}},
    ),
]
Secret = Annotated[str, Meta(max_length=MAX_SECRET_LENGTH)]
NewSecret = Annotated[
    str,
    Meta(
        max_length=MAX_SECRET_LENGTH,
        extra_json_schema={"extra": {"min_length": MIN_SECRET_LENGTH}},
    ),
]
"""A secret being set: the domain checks its length and names the field."""
SearchText = Annotated[
    str | None,
    QueryParameter(
        pattern=r"^[^\x00-\x1f\x7f]*$",
        max_length=MAX_NAME_LENGTH,
        description="no control characters (no database stores NUL in text)",
    ),
]
"""A text filter in a query string."""


class NewCredentials(Struct):
    identity: Identity
    secret: NewSecret


class CreateUser(Struct, kw_only=True):
    credentials: NewCredentials
    name: Name = ""
    tags: Tags = []
    metadata: Metadata = {}
    status: Literal["enabled", "disabled"] = "enabled"
    role: Literal["admin", "user", "auditor"] = "user"


class UpdateUser(Struct, kw_only=True):
    name: Name | UnsetType = UNSET
    metadata: Metadata | UnsetType = UNSET


class UpdateTags(Struct):
    tags: Tags


class UpdateOwner(Struct):
    owner: UUID


class UpdateIdentity(Struct):
    identity: Identity


class ChangeSecret(Struct):
    old_secret: Secret
    new_secret: NewSecret


class IssueToken(Struct):
    identity: Identity
    secret: Secret


class Credentials(Struct, omit_defaults=True):
    identity: str | None = None


class UserResponse(Struct, kw_only=True, omit_defaults=True):
    id: UUID
    name: str = ""
    tags: list[str] = []
    owner: UUID | None = None
    credentials: Credentials
    metadata: dict[str, Any] = {}
    created_at: datetime
    updated_at: datetime
    updated_by: str | None = None
    status: str
    role: str

    @classmethod
    def of(cls, view: UserView) -> "UserResponse":
        return cls(
            id=view.id,
            name=view.name or "",
            tags=view.tags,
            owner=view.owner,
            credentials=Credentials(view.identity),
            metadata=view.metadata,
            created_at=view.created_at,
            updated_at=view.updated_at or ZERO_TIME,
            updated_by=view.updated_by,
            status=view.status,
            role=view.role,
        )


class UserPageResponse(Struct):
    limit: int
    offset: int
    total: int
    users: list[UserResponse]

    @classmethod
    def of(cls, page: UserPage) -> "UserPageResponse":
        return cls(page.limit, page.offset, page.total, [UserResponse.of(u) for u in page.items])


class TokenResponse(Struct):
    access_token: str
    refresh_token: str
    access_type: str

    @classmethod
    def of(cls, pair: TokenPair) -> "TokenResponse":
        return cls(pair.access_token, pair.refresh_token, pair.access_type)


def parse_metadata_filter(raw: str | None) -> dict[str, Any] | None:
    """The `metadata` query parameter is a JSON object to match against; empty is absent, as
    Magistrala reads it."""
    if not raw:
        return None
    try:
        value = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        raise InvalidValue("metadata must be a JSON object", field="metadata") from None
    if not isinstance(value, dict):
        raise InvalidValue("metadata must be a JSON object", field="metadata")
    _check_filter(value, 1)
    return value


MAX_FILTER_DEPTH = 8
"""Objects and arrays nested in a metadata filter, the outer object included, at most. On
SQLite each array level is a subquery, and its parser overflowed at 10 levels (measured); past
this a filter is refused on both databases alike rather than answering 500 on one."""


def _check_filter(value: Any, depth: int) -> None:
    """Databases compare 64-bit integers; a larger one could never match and must not crash.
    PostgreSQL stores no NUL in text or JSON strings: such a filter is refused, not sent."""
    if isinstance(value, dict | list) and depth > MAX_FILTER_DEPTH:
        raise InvalidValue(
            f"a metadata filter nests at most {MAX_FILTER_DEPTH} objects or arrays",
            field="metadata",
        )
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**63:
        raise InvalidValue("metadata numbers must fit in 64 bits", field="metadata")
    if isinstance(value, str) and "\x00" in value:
        raise InvalidValue("metadata must not contain NUL characters", field="metadata")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_filter(key, depth + 1)
            _check_filter(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_filter(item, depth + 1)
