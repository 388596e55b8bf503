"""What the application needs from infrastructure, as Protocols the composition root fills in."""

from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.senml import Measurement


class StaleWrite(Exception):
    """Another command changed (or created) one of the aggregates first."""


class Unstorable(Exception):
    """The database refused a caller's rows themselves (a constraint or a size limit), not the
    connection: storing them again cannot succeed, so the caller must refuse them, not retry."""


class MailNotSent(Exception):
    """The mail server did not take a message: the request that needed it failed, and may be
    sent again."""


class ConsistencyTimeout(Exception):
    """The read models did not reach a command's position in time."""


class EventWriter(Protocol):
    def submit(self, *aggregates: Aggregate) -> Future[int]:
        """Store all pending events in one transaction; the future gives the last position."""
        ...


class AggregateReader(Protocol):
    def get(self, aggregate_id: UUID) -> Aggregate | None: ...


class ReadModelSync(Protocol):
    async def settled(self, position: int) -> None:
        """Return once every projection has processed `position`; raise ConsistencyTimeout."""
        ...


class PasswordHasher(Protocol):
    def hash(self, secret: str) -> str: ...

    def verify(self, secret: str, hashed: str) -> bool: ...

    def burn(self) -> None:
        """Spend the time of one verification, so unknown identities answer as slowly."""
        ...


class BlindIndex(Protocol):
    def key(self, value: str) -> str:
        """A keyed, irreversible lookup key for a unique value."""
        ...


@dataclass(frozen=True)
class FailureCount:
    failures: int
    last_failure: float
    """Seconds since the epoch."""


class FailureLog(Protocol):
    """Failed secret checks by key, where every worker and process sees them."""

    def count(self, key: str) -> FailureCount | None: ...

    def record(self, key: str, now: float, forget_before: float) -> None:
        """One more failure, atomically; a count whose last failure is older than
        `forget_before` starts again at one."""
        ...

    def clear(self, key: str) -> None: ...


class SubjectKeys(Protocol):
    def erase(self, subject: str) -> None: ...


@dataclass(frozen=True)
class TokenClaims:
    subject: UUID
    kind: str
    issued_at: float
    expires_at: float


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


class Mailer(Protocol):
    """Where the server's e-mail goes: an outbox table by default, SMTP when configured."""

    def send(self, mail: Mail) -> None: ...


class TokenCodec(Protocol):
    def issue(self, subject: UUID, kind: str, ttl: int) -> str: ...

    def decode(self, token: str, kind: str) -> TokenClaims:
        """Raise domain Unauthenticated for a bad, expired or wrong-kind token."""
        ...


class RowWriter(Protocol):
    """The history-keeping table operations projections are written against."""

    def insert(self, table: str, key: str, values: Mapping[str, Any], position: int) -> None: ...

    def update(self, table: str, key: str, changes: Mapping[str, Any], position: int) -> None: ...

    def delete(self, table: str, key: str, position: int) -> None:
        """Close the current version and open none: the entity (a revoked policy) is gone."""
        ...

    def scrub(self, table: str, key: str, columns: Mapping[str, Any]) -> None:
        """Overwrite columns in every version of a row: erasure reaches history too."""
        ...


@dataclass(frozen=True)
class UserView:
    id: UUID
    identity: str | None
    name: str | None
    tags: list[str]
    metadata: dict[str, Any]
    role: str
    status: str
    owner: UUID | None
    created_at: datetime
    updated_at: datetime | None
    updated_by: str | None


@dataclass(frozen=True)
class UserPage:
    total: int
    offset: int
    limit: int
    users: list[UserView]


@dataclass(frozen=True)
class UserFilter:
    offset: int = 0
    limit: int = 10
    name: str | None = None
    identity: str | None = None
    tag: str | None = None
    status: str = "enabled"
    """enabled, disabled, or all (both)."""
    metadata: dict[str, Any] | None = None
    visible_to: UUID | None = None
    """When set, only that user and the users it owns."""
    owner: UUID | None = None
    """When set, only the users this user owns."""
    member_of: UUID | None = None
    """When set, only the members of this group."""


@dataclass(frozen=True)
class SessionState:
    status: str
    role: str
    sessions_since: datetime | None


class SessionStates(Protocol):
    def session_state(self, user_id: UUID) -> SessionState | None: ...


class UserViews(Protocol):
    def get(self, user_id: UUID) -> UserView | None: ...

    def page(self, query: UserFilter) -> UserPage: ...

    def session_state(self, user_id: UUID) -> SessionState | None: ...

    def admin_exists(self) -> bool: ...


class SecretBox(Protocol):
    """Encrypts values the API must show again (thing secrets) under a key outside the log."""

    def seal(self, plaintext: str) -> str: ...

    def open(self, sealed: str) -> str: ...


@dataclass(frozen=True)
class ThingView:
    id: UUID
    identity: str
    name: str
    tags: list[str]
    metadata: dict[str, Any]
    owner: UUID | None
    secret: str | None
    """None where the caller may not see it (see `application.things.shown_to`)."""
    status: str
    created_at: datetime
    updated_at: datetime | None
    updated_by: str | None
    parent: UUID | None = None
    """The gateway (or device behind it) the thing connects through."""
    public_key: str | None = None


@dataclass(frozen=True)
class ThingPage:
    total: int
    offset: int
    limit: int
    things: list[ThingView]


@dataclass(frozen=True)
class ThingFilter:
    offset: int = 0
    limit: int = 10
    name: str | None = None
    tag: str | None = None
    status: str = "enabled"
    """enabled, disabled, or all (both)."""
    metadata: dict[str, Any] | None = None
    owner: UUID | None = None
    """When set, only the things this user owns."""
    visible_to: UUID | None = None
    """When set, only things this user owns or may list (c_list on a channel they are on)."""
    channel: UUID | None = None
    """When set, only the things connected to this channel."""


class ThingViews(Protocol):
    def get(self, thing_id: UUID) -> ThingView | None: ...

    def page(self, query: ThingFilter) -> ThingPage: ...

    def identify(self, secret_lookup: str) -> UUID | None:
        """The enabled thing holding this secret, if any."""
        ...

    def holders(self, secret_lookups: Collection[str]) -> dict[str, UUID]:
        """The enabled thing holding each of these secrets (by lookup)."""
        ...

    def is_enabled(self, thing_id: UUID) -> bool:
        """Whether the thing exists and is enabled (its secret is not decrypted)."""
        ...

    def has_devices_behind(self, thing_id: UUID) -> bool:
        """Whether any thing names this one as its parent."""
        ...


@dataclass(frozen=True)
class ChannelView:
    id: UUID
    name: str
    description: str
    metadata: dict[str, Any]
    owner: UUID | None
    parent: UUID | None
    status: str
    created_at: datetime
    updated_at: datetime | None
    updated_by: str | None


@dataclass(frozen=True)
class ChannelPage:
    total: int
    offset: int
    limit: int
    channels: list[ChannelView]


@dataclass(frozen=True)
class ChannelFilter:
    offset: int = 0
    limit: int = 10
    name: str | None = None
    status: str = "enabled"
    """enabled, disabled, or all (both)."""
    metadata: dict[str, Any] | None = None
    owner: UUID | None = None
    """When set, only the channels this user owns."""
    visible_to: UUID | None = None
    """When set, only channels this user owns or is a member of."""
    thing: UUID | None = None
    """When set, only the channels this thing is connected to."""
    parent: UUID | None = None
    """When set, only the channels opened in this group."""
    within: str | None = None
    """A group's path: channels opened in that group or any group below it."""
    ancestors_of: str | None = None
    """A group's path: channels opened in that group or any group above it."""


class ChannelViews(Protocol):
    def get(self, channel_id: UUID) -> ChannelView | None: ...

    def page(self, query: ChannelFilter) -> ChannelPage: ...


@dataclass(frozen=True)
class PolicyView:
    subject: UUID
    object: UUID
    actions: list[str]
    owner: UUID | None
    created_at: datetime
    updated_at: datetime | None
    updated_by: str | None


@dataclass(frozen=True)
class PolicyFilter:
    subject_kind: str
    """`user` (memberships of groups and channels) or `thing` (connections)."""
    offset: int = 0
    limit: int = 10
    subject: UUID | None = None
    object: UUID | None = None
    action: str | None = None
    owner: UUID | None = None
    """When set, only the policies this user granted."""


@dataclass(frozen=True)
class PolicyPage:
    total: int
    offset: int
    limit: int
    policies: list[PolicyView]


class PolicyViews(Protocol):
    def page(self, query: PolicyFilter) -> PolicyPage: ...


@dataclass(frozen=True)
class ChannelAccess:
    """What the thing holding a secret may do on one channel."""

    thing: UUID
    thing_enabled: bool
    actions: frozenset[str]
    """Empty unless the thing is connected to the channel and the channel is enabled."""

    def permits(self, action: str) -> bool:
        return self.thing_enabled and action in self.actions


class ConnectionViews(Protocol):
    def channel_access(self, secret_lookup: str, channel_id: UUID) -> ChannelAccess | None:
        """None when no thing holds this secret."""
        ...

    def granted(self, thing_ids: Collection[UUID], action: str) -> set[tuple[UUID, UUID]]:
        """(thing, channel) pairs where the enabled thing holds `action` on the enabled
        channel."""
        ...

    def thing_access(self, thing_id: UUID, channel_id: UUID) -> ChannelAccess | None:
        """None when no thing has this id."""
        ...

    def channels_of(self, thing_id: UUID) -> list[UUID]:
        """The channels a thing is connected to."""
        ...

    def thing_actions(self, user_id: UUID, thing_id: UUID) -> set[str]:
        """The actions a user holds on the channels a thing is connected to."""
        ...


@dataclass(frozen=True)
class GroupView:
    id: UUID
    name: str
    description: str
    metadata: dict[str, Any]
    owner: UUID | None
    parent: UUID | None
    path: str
    level: int
    status: str
    created_at: datetime
    updated_at: datetime | None
    updated_by: str | None


@dataclass(frozen=True)
class GroupPage:
    total: int
    offset: int
    limit: int
    groups: list[GroupView]


@dataclass(frozen=True)
class GroupFilter:
    offset: int = 0
    limit: int = 10
    name: str | None = None
    status: str = "enabled"
    """enabled, disabled, or all (both)."""
    metadata: dict[str, Any] | None = None
    owner: UUID | None = None
    parent: UUID | None = None
    """Direct children of this group."""
    visible_to: UUID | None = None
    """When set, only groups this user owns or is a member of."""
    member: UUID | None = None
    """When set, only groups this user is a member of."""
    within: str | None = None
    """A group's path: that group and everything below it."""
    ancestors_of: str | None = None
    """A group's path: that group and every group above it."""
    excluded: UUID | None = None
    """Leave this group out (a subtree or ancestry without its starting group)."""


class GroupViews(Protocol):
    def get(self, group_id: UUID) -> GroupView | None: ...

    def page(self, query: GroupFilter) -> GroupPage: ...

    def member_actions(self, user_id: UUID, group_id: UUID) -> list[str]:
        """The actions a user's membership of a group grants (empty: not a member)."""
        ...

    def shared_actions(self, user_id: UUID, other_id: UUID) -> set[str]:
        """The actions `user_id` holds in the groups both users are members of."""
        ...


@dataclass(frozen=True)
class Receipt:
    """The transport packet a pack came in (MQTT client and QoS 1 packet id, with a digest of
    what it carried), stored with the pack so a retransmission is recognised."""

    client_id: str
    packet_id: int
    digest: str


class MessageSink(Protocol):
    def append(
        self,
        channel: UUID,
        publisher: UUID,
        protocol: str,
        received_at: float,
        measurements: Sequence[Measurement],
        receipt: Receipt | None = None,
        subtopic: str | None = None,
    ) -> Future[None]:
        """Store the measurements (and the receipt, in the same transaction); the future
        resolves once they are durable."""
        ...

    def received(self, client_id: str, packet_id: int) -> str | None:
        """The digest last stored under this client's packet id."""
        ...


Comparator = Literal["eq", "lt", "le", "gt", "ge"]


@dataclass(frozen=True)
class MessageFilter:
    channel: UUID
    offset: int = 0
    limit: int = 10
    publisher: UUID | None = None
    name: str | None = None
    value: float | None = None
    comparator: Comparator = "eq"
    """How `value` compares the stored value with the one asked for (stored `lt` asked, …)."""
    string_value: str | None = None
    bool_value: bool | None = None
    data_value: str | None = None
    since: float | None = None
    """Inclusive lower bound on `time` (the API's `from`)."""
    until: float | None = None
    """Exclusive upper bound on `time` (the API's `to`)."""
    subtopic: str | None = None
    """Exactly this subtopic (`a/b` of `channels/{id}/messages/a/b`)."""


@dataclass(frozen=True)
class MessageView:
    channel: UUID
    publisher: UUID
    protocol: str
    name: str
    unit: str | None
    time: float
    update_time: float | None
    value: float | None
    string_value: str | None
    bool_value: bool | None
    data_value: str | None
    sum: float | None
    subtopic: str | None = None


@dataclass(frozen=True)
class MessagePage:
    total: int
    offset: int
    limit: int
    messages: list[MessageView]


Aggregation = Literal["min", "max", "avg", "sum", "count"]


@dataclass(frozen=True)
class AggregateView:
    """One time window of one series (name and unit): `count` counts every matching message,
    the other functions the numeric values."""

    channel: UUID
    name: str
    unit: str | None
    time: float
    """Start of the window, in seconds since the epoch (a multiple of the interval)."""
    value: float | None


@dataclass(frozen=True)
class AggregatePage:
    total: int
    offset: int
    limit: int
    points: list[AggregateView]


class MessageViews(Protocol):
    def page(self, query: MessageFilter) -> MessagePage:
        """Newest first (time, then arrival), `total` counting every match."""
        ...

    def aggregate(
        self, query: MessageFilter, function: Aggregation, interval: float
    ) -> AggregatePage:
        """Matching messages folded per series and window of `interval` seconds, newest
        window first; `total` counts the windows."""
        ...


@dataclass(frozen=True)
class EventFilter:
    after: int = 0
    """Events after this log position (the previous page's `next`)."""
    limit: int = 100
    aggregate_id: UUID | None = None
    aggregate_type: str | None = None
    event_type: str | None = None
    actor: str | None = None
    since: datetime | None = None
    """Inclusive lower bound on the recorded time."""
    until: datetime | None = None
    """Exclusive upper bound on the recorded time."""


@dataclass(frozen=True)
class EventPage:
    lines: list[bytes]
    """Each event as its exported JSON line (infrastructure/log_entries.py)."""
    next: int
    """The `after` of the next page: this page's last position (the query's when it is empty)."""
    more: bool
    """Whether more events matched than the page holds."""


class EventLogViews(Protocol):
    def page(self, query: EventFilter) -> EventPage: ...


Version = tuple[int, int | None, Any]
"""One version of a value: (valid_from, valid_to, value), valid_to None while current."""


@dataclass(frozen=True)
class LoggedEvent:
    position: int
    aggregate_id: str
    aggregate_type: str
    event_type: str


class AccessHistory(Protocol):
    """The inputs of access decisions through time, from the read models' history rows."""

    def kind_of(self, entity: UUID) -> str | None:
        """'user', 'thing', 'channel' or 'group' (None: no such id was ever recorded)."""
        ...

    def column(self, kind: str, entity: UUID, column: str, until: int) -> list[Version]:
        """The versions of one column of a user, thing, channel or group begun by `until`."""
        ...

    def policies(
        self, subject: UUID, until: int, objects: Collection[UUID] | None = None
    ) -> dict[UUID, list[Version]]:
        """The versions of the actions `subject` held on each object (only `objects`, if
        given), begun by `until`."""
        ...

    def events_at(self, positions: Collection[int]) -> dict[int, LoggedEvent]: ...
