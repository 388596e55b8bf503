"""The read-model views in memory, over the rows the real projections write to `MemoryTables`.

The service-layer tier (tests/acceptance) runs its scenarios on these fakes in seconds; the same
scenarios run on SQLite keep them honest. So each view answers as its SQL adapter in
infrastructure/*_views.py does: the same filters, the same order (creation time, then id), the
same views built from the same columns; `as_of` is ignored, these answer the current state.
"""

import json
import string
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar, overload
from uuid import UUID

from application.ports.allocations import AllocationView
from application.ports.authorities import AuthorityView
from application.ports.batches import BatchEntry, BatchFilter, BatchView
from application.ports.certificates import CertificateView, Revocation
from application.ports.channels import ChannelFilter, ChannelPage, ChannelView
from application.ports.connections import ChannelAccess
from application.ports.ecosystems import EcosystemView, Movement, Totals
from application.ports.entities import AdminKeyRecord, EntityPage, EntityView, WalletView
from application.ports.groups import GroupFilter, GroupPage, GroupView
from application.ports.mass_operations import ItemView, OperationView
from application.ports.members import MemberView
from application.ports.organizations import OrganizationView
from application.ports.pages import ListFilter, Page
from application.ports.policies import PolicyFilter, PolicyPage, PolicyView
from application.ports.profiles import ProfileView
from application.ports.security import SecretBox
from application.ports.things import ThingFilter, ThingPage, ThingView
from application.ports.twins import TwinFilter, TwinPage, TwinView
from application.ports.users import SessionState, UserFilter, UserPage, UserView
from domain.identities import normalized
from infrastructure.batch_views import FINISHED, WORKING, batch_entry, batch_view
from infrastructure.certificate_views import certificate_view
from infrastructure.ecosystem_views import ecosystem_view
from infrastructure.entity_views import admin_key_record, entity_view, wallet_view
from infrastructure.mass_operation_views import item_view, operation_view
from infrastructure.member_views import administers, member_view
from infrastructure.twin_views import twin_view
from tests.fakes.tables import MemoryTables, Row

T = TypeVar("T")
Test = Callable[[Row], bool]
"""One WHERE term of a listing, applied to a row."""

LISTING = "c_list"
"""The action letting a channel's members list the things connected to it (as SQL spells it)."""

_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


class _Window(Protocol):
    """What every filter says about the page it wants."""

    @property
    def offset(self) -> int: ...

    @property
    def limit(self) -> int: ...


def _page(
    rows: Iterable[Row], tests: Iterable[Test], window: _Window, view: Callable[[Row], T]
) -> Page[T]:
    """The rows passing every test, in the SQL listings' order (created_at, then id), `total`
    counted before the window is cut."""
    terms = list(tests)
    chosen = sorted(
        (row for row in rows if all(test(row) for test in terms)),
        key=lambda row: (row["created_at"], row["id"]),
    )
    items = chosen[window.offset : window.offset + window.limit]
    return Page(len(chosen), window.offset, window.limit, [view(row) for row in items])


def _common(query: ListFilter, hidden: str | None = None) -> Iterator[Test]:
    """The ListFilter fields every registry listing applies alike (`visible_to` is per
    aggregate); status "all" means any status but `hidden` (erased users)."""
    status = query.status
    if status == "all":
        yield lambda row: hidden is None or row["status"] != hidden
    else:
        yield lambda row: row["status"] == status
    if query.name is not None:
        yield _name_has(query.name)
    if query.metadata:
        wanted = json.loads(json.dumps(query.metadata, sort_keys=True))  # as `metadata_key`
        yield lambda row: _contains(_json(row["metadata"]), wanted)
    if query.owner is not None:
        yield _is("owner", query.owner)


def _is(column: str, value: UUID | str) -> Test:
    """UUIDs are stored as their str."""
    wanted = str(value)
    return lambda row: row[column] == wanted


def _among(column: str, values: Collection[str]) -> Test:
    return lambda row: row[column] in values


def _either(first: Test, second: Test) -> Test:
    return lambda row: first(row) or second(row)


def _name_has(text: str) -> Test:
    """A case-insensitive substring as SQLite's `lower(name) LIKE lower(?)`: ASCII letters only
    fold (PostgreSQL's ILIKE folds every letter); a NULL (erased) name never matches."""
    wanted = _ascii_lower(text)
    return lambda row: row["name"] is not None and wanted in _ascii_lower(row["name"])


def _ascii_lower(text: str) -> str:
    """SQLite's `lower()` without ICU."""
    return text.translate(_ASCII_LOWER)


def _tagged(tag: str) -> Test:
    return lambda row: tag in row["tags"]


def _at_or_below(path: str, top: str) -> bool:
    """A group path at `top` or below it (the SQL `path = top OR path LIKE top || '.%'`)."""
    return path == top or path.startswith(f"{top}.")


def _contains(document: Any, wanted: Any) -> bool:
    """PostgreSQL's `@>` (as infrastructure/sqlite_json.py spells it on SQLite): objects key by
    key, arrays element by element, each element contained in some item, scalars by JSON type
    and value (1 is 1.0, true is not 1); keys with a double quote never match."""
    if isinstance(wanted, dict):
        if any('"' in key for key in wanted):
            return False
        return isinstance(document, dict) and all(
            key in document and _contains(document[key], value) for key, value in wanted.items()
        )
    if isinstance(wanted, list):
        return isinstance(document, list) and all(
            any(_contains(item, element) for item in document) for element in wanted
        )
    return _same_scalar(document, wanted)


def _same_scalar(value: Any, wanted: Any) -> bool:
    if wanted is None:
        return value is None
    if isinstance(wanted, bool):
        return value is wanted
    if isinstance(wanted, int | float):
        return isinstance(value, int | float) and not isinstance(value, bool) and value == wanted
    return isinstance(value, str) and value == str(wanted)


def _json(value: Any) -> Any:
    """A document as a JSON column gives it back: a fresh copy, lists for tuples."""
    return json.loads(json.dumps(value))


@overload
def _utc(value: datetime) -> datetime: ...


@overload
def _utc(value: None) -> None: ...


def _utc(value: datetime | None) -> datetime | None:
    """As the UTCDateTime column gives it back."""
    return None if value is None else value.astimezone(UTC)


def _uuid(value: str | None) -> UUID | None:
    return UUID(value) if value else None


def _policies(tables: MemoryTables, **columns: str) -> list[Row]:
    """The granted policies (a revoked one has no current row) holding these column values."""
    return [
        row
        for row in tables.rows("policies")
        if all(row[column] == value for column, value in columns.items())
    ]


class MemoryUserViews:
    """`UserViews` as SqlUserViews answers it: an erased user is gone from `get` and from
    listings unless asked for by status, yet keeps its session state."""

    def __init__(self, tables: MemoryTables) -> None:
        self._tables = tables

    def get(self, user_id: UUID) -> UserView | None:
        row = self._tables.get("users", str(user_id))
        if row is None or row["status"] == "erased":
            return None
        return _user_view(row)

    def session_state(self, user_id: UUID) -> SessionState | None:
        row = self._tables.get("users", str(user_id))
        if row is None:
            return None
        return SessionState(row["status"], row["role"], _utc(row["sessions_since"]))

    def admin_exists(self) -> bool:
        return any(
            row["role"] == "admin" and row["status"] != "erased"
            for row in self._tables.rows("users")
        )

    def page(self, query: UserFilter) -> UserPage:
        return _page(self._tables.rows("users"), self._tests(query), query, _user_view)

    def _tests(self, query: UserFilter) -> Iterator[Test]:
        yield from _common(query, hidden="erased")
        if query.identity is not None:
            identity = normalized(query.identity).lower()
            yield (
                lambda row: (
                    row["identity"] is not None and _ascii_lower(row["identity"]) == identity
                )
            )
        if query.tag is not None:
            yield _tagged(query.tag)
        if query.visible_to is not None:
            yield _either(_is("id", query.visible_to), _is("owner", query.visible_to))
        if query.member_of is not None:
            members = {p["subject"] for p in _policies(self._tables, object=str(query.member_of))}
            yield _among("id", members)


class MemoryThingViews:
    """`ThingViews` as SqlThingViews answers it, secrets opened with the same SecretBox."""

    def __init__(self, tables: MemoryTables, box: SecretBox) -> None:
        self._tables = tables
        self._box = box

    def get(self, thing_id: UUID) -> ThingView | None:
        row = self._tables.get("things", str(thing_id))
        return None if row is None else self._view(row)

    def is_enabled(self, thing_id: UUID) -> bool:
        row = self._tables.get("things", str(thing_id))
        return row is not None and row["status"] == "enabled"

    def has_devices_behind(self, thing_id: UUID) -> bool:
        parent = str(thing_id)
        return any(row["parent"] == parent for row in self._tables.rows("things"))

    def holders(self, secret_lookups: Collection[str]) -> dict[str, UUID]:
        wanted = set(secret_lookups)
        return {
            row["secret_lookup"]: UUID(row["id"])
            for row in self._tables.rows("things")
            if row["secret_lookup"] in wanted and row["status"] == "enabled"
        }

    def identify(self, secret_lookup: str) -> UUID | None:
        """The first holder's status decides, as in SQL (a lookup has one current holder)."""
        row = next(
            (row for row in self._tables.rows("things") if row["secret_lookup"] == secret_lookup),
            None,
        )
        return UUID(row["id"]) if row is not None and row["status"] == "enabled" else None

    def page(self, query: ThingFilter) -> ThingPage:
        return _page(self._tables.rows("things"), self._tests(query), query, self._view)

    def _tests(self, query: ThingFilter) -> Iterator[Test]:
        yield from _common(query)
        if query.tag is not None:
            yield _tagged(query.tag)
        if query.visible_to is not None:
            me = str(query.visible_to)
            shared = {
                p["object"] for p in _policies(self._tables, subject=me) if LISTING in p["actions"]
            }
            listable = {p["subject"] for p in _policies(self._tables) if p["object"] in shared}
            yield _either(_is("owner", me), _among("id", listable))
        if query.channel is not None:
            connected = _policies(self._tables, object=str(query.channel))
            yield _among("id", {p["subject"] for p in connected})

    def _view(self, row: Row) -> ThingView:
        return ThingView(
            id=UUID(row["id"]),
            identity=row["identity"],
            name=row["name"],
            tags=list(_json(row["tags"])),
            metadata=dict(_json(row["metadata"])),
            owner=_uuid(row["owner"]),
            secret=self._box.open(row["sealed_secret"]),
            status=row["status"],
            created_at=_utc(row["created_at"]),
            updated_at=_utc(row["updated_at"]),
            updated_by=row["updated_by"],
            parent=_uuid(row["parent"]),
            public_key=row["public_key"],
        )


class MemoryChannelViews:
    """`ChannelViews` as SqlChannelViews answers it."""

    def __init__(self, tables: MemoryTables) -> None:
        self._tables = tables

    def get(self, channel_id: UUID) -> ChannelView | None:
        row = self._tables.get("channels", str(channel_id))
        return None if row is None else _channel_view(row)

    def page(self, query: ChannelFilter) -> ChannelPage:
        return _page(self._tables.rows("channels"), self._tests(query), query, _channel_view)

    def _tests(self, query: ChannelFilter) -> Iterator[Test]:
        yield from _common(query)
        if query.visible_to is not None:
            me = str(query.visible_to)
            joined = {p["object"] for p in _policies(self._tables, subject=me)}
            yield _either(_is("owner", me), _among("id", joined))
        if query.thing is not None:
            connected = _policies(self._tables, subject=str(query.thing))
            yield _among("id", {p["object"] for p in connected})
        if query.parent is not None:
            yield _is("parent", query.parent)
        if query.within is not None:
            within = query.within
            yield _among("parent", self._groups(lambda path: _at_or_below(path, within)))
        if query.ancestors_of is not None:
            start = query.ancestors_of
            yield _among("parent", self._groups(lambda path: _at_or_below(start, path)))

    def _groups(self, placed: Callable[[str], bool]) -> set[str]:
        """The current groups (any status) whose path is `placed`."""
        return {row["id"] for row in self._tables.rows("groups") if placed(row["path"])}


class MemoryGroupViews:
    """`GroupViews` as SqlGroupViews answers it; memberships are the user policies on groups."""

    def __init__(self, tables: MemoryTables) -> None:
        self._tables = tables

    def get(self, group_id: UUID) -> GroupView | None:
        row = self._tables.get("groups", str(group_id))
        return None if row is None else _group_view(row)

    def member_actions(self, user_id: UUID, group_id: UUID) -> list[str]:
        found = _policies(self._tables, subject=str(user_id), object=str(group_id))
        return list(found[0]["actions"]) if found else []

    def shared_actions(self, user_id: UUID, other_id: UUID) -> set[str]:
        theirs = {p["object"] for p in _policies(self._tables, subject=str(other_id))}
        mine = _policies(self._tables, subject=str(user_id), object_kind="group")
        return {action for p in mine if p["object"] in theirs for action in p["actions"]}

    def page(self, query: GroupFilter) -> GroupPage:
        return _page(self._tables.rows("groups"), self._tests(query), query, _group_view)

    def _tests(self, query: GroupFilter) -> Iterator[Test]:
        yield from _common(query)
        if query.parent is not None:
            yield _is("parent", query.parent)
        if query.visible_to is not None:
            me = str(query.visible_to)
            yield _either(_is("owner", me), _among("id", self._groups_of(me)))
        if query.member is not None:
            yield _among("id", self._groups_of(str(query.member)))
        if query.within is not None:
            within = query.within
            yield lambda row: _at_or_below(row["path"], within)
        if query.excluded is not None:
            excluded = str(query.excluded)
            yield lambda row: row["id"] != excluded
        if query.ancestors_of is not None:
            start = query.ancestors_of
            yield lambda row: _at_or_below(start, row["path"])

    def _groups_of(self, user: str) -> set[str]:
        return {p["object"] for p in _policies(self._tables, subject=user, object_kind="group")}


class MemoryPolicyViews:
    """`PolicyViews` as SqlPolicyViews answers it: granted policies of one subject kind."""

    def __init__(self, tables: MemoryTables) -> None:
        self._tables = tables

    def page(self, query: PolicyFilter) -> PolicyPage:
        return _page(self._tables.rows("policies"), self._tests(query), query, _policy_view)

    def _tests(self, query: PolicyFilter) -> Iterator[Test]:
        yield _is("subject_kind", query.subject_kind)
        if query.subject is not None:
            yield _is("subject", query.subject)
        if query.object is not None:
            yield _is("object", query.object)
        if query.action is not None:
            action = query.action
            yield lambda row: action in row["actions"]
        if query.owner is not None:
            yield _is("owner", query.owner)


class MemoryConnectionViews:
    """`ConnectionViews` as SqlConnectionViews answers it: a thing's connections are its
    policies on channels, which count only while the channel is there and enabled."""

    def __init__(self, tables: MemoryTables) -> None:
        self._tables = tables

    def thing_actions(self, user_id: UUID, thing_id: UUID) -> set[str]:
        channels = {p["object"] for p in _policies(self._tables, subject=str(thing_id))}
        memberships = _policies(self._tables, subject=str(user_id), subject_kind="user")
        return {action for p in memberships if p["object"] in channels for action in p["actions"]}

    def channel_access(self, secret_lookup: str, channel_id: UUID) -> ChannelAccess | None:
        holder = next(
            (row for row in self._tables.rows("things") if row["secret_lookup"] == secret_lookup),
            None,
        )
        return None if holder is None else self._access(holder, channel_id)

    def thing_access(self, thing_id: UUID, channel_id: UUID) -> ChannelAccess | None:
        thing = self._tables.get("things", str(thing_id))
        return None if thing is None else self._access(thing, channel_id)

    def granted(self, thing_ids: Collection[UUID], action: str) -> set[tuple[UUID, UUID]]:
        enabled = {row["id"] for row in self._tables.rows("things") if row["status"] == "enabled"}
        wanted = {str(thing) for thing in thing_ids} & enabled
        open_channels = {
            row["id"] for row in self._tables.rows("channels") if row["status"] == "enabled"
        }
        return {
            (UUID(p["subject"]), UUID(p["object"]))
            for p in _policies(self._tables, subject_kind="thing")
            if p["subject"] in wanted and p["object"] in open_channels and action in p["actions"]
        }

    def channels_of(self, thing_id: UUID) -> list[UUID]:
        """By channel id, as the SQL orders them."""
        connected = _policies(self._tables, subject=str(thing_id), subject_kind="thing")
        return [UUID(channel) for channel in sorted(p["object"] for p in connected)]

    def _access(self, thing: Row, channel_id: UUID) -> ChannelAccess:
        channel = self._tables.get("channels", str(channel_id))
        found = _policies(self._tables, subject=thing["id"], object=str(channel_id))
        connected = bool(found) and channel is not None and channel["status"] == "enabled"
        return ChannelAccess(
            thing=UUID(thing["id"]),
            thing_enabled=thing["status"] == "enabled",
            actions=frozenset(found[0]["actions"]) if connected else frozenset(),
        )


def _user_view(row: Row) -> UserView:
    """Erased users keep a row with NULL personal columns: no tags or metadata, not None."""
    return UserView(
        id=UUID(row["id"]),
        identity=row["identity"],
        name=row["name"],
        tags=list(_json(row["tags"] or [])),
        metadata=dict(_json(row["metadata"] or {})),
        role=row["role"],
        status=row["status"],
        owner=_uuid(row["owner"]),
        created_at=_utc(row["created_at"]),
        updated_at=_utc(row["updated_at"]),
        updated_by=row["updated_by"],
    )


def _placed(row: Row) -> dict[str, Any]:
    """The fields channels and groups share (both are placed entities with a description)."""
    return {
        "id": UUID(row["id"]),
        "name": row["name"],
        "description": row["description"],
        "metadata": dict(_json(row["metadata"])),
        "owner": _uuid(row["owner"]),
        "parent": _uuid(row["parent"]),
        "status": row["status"],
        "created_at": _utc(row["created_at"]),
        "updated_at": _utc(row["updated_at"]),
        "updated_by": row["updated_by"],
    }


def _channel_view(row: Row) -> ChannelView:
    return ChannelView(**_placed(row))


def _group_view(row: Row) -> GroupView:
    return GroupView(**_placed(row), path=row["path"], level=row["level"])


def _policy_view(row: Row) -> PolicyView:
    return PolicyView(
        subject=UUID(row["subject"]),
        object=UUID(row["object"]),
        actions=list(_json(row["actions"])),
        owner=_uuid(row["owner"]),
        created_at=_utc(row["created_at"]),
        updated_at=_utc(row["updated_at"]),
        updated_by=row["updated_by"],
    )


class MemoryMemberViews:
    """`MemberViews` as SqlMemberViews answers it."""

    def __init__(self, tables: MemoryTables) -> None:
        self._tables = tables

    def by_number(self, number: int) -> MemberView | None:
        return next((view for view in self._every() if view.number == number), None)

    def by_user(self, user_id: UUID) -> MemberView | None:
        return next((view for view in self._every() if view.user_id == user_id), None)

    def of_organization(self, organization: int) -> list[MemberView]:
        return [view for view in self._every() if view.membership.organization == organization]

    def ecosystem_admins(self, ecosystem: int) -> list[MemberView]:
        return [view for view in self._every() if view.admin or administers(view, ecosystem)]

    def email_taken(self, email: str) -> bool:
        wanted = email.lower()
        return any((row["email"] or "").lower() == wanted for row in self._tables.rows("members"))

    def _every(self) -> list[MemberView]:
        users = {row["id"]: row for row in self._tables.rows("users")}
        rows = sorted(self._tables.rows("members"), key=lambda row: row["number"])
        return [
            member_view({**row, **_sign_in(users[row["id"]])}) for row in rows if row["id"] in users
        ]


def _sign_in(user: Row) -> dict[str, Any]:
    return {"identity": user["identity"], "role": user["role"], "status": user["status"]}


class MemoryBatchViews:
    """`BatchViews` as SqlBatchViews answers it."""

    def __init__(self, tables: MemoryTables) -> None:
        self._tables = tables

    def get(self, number: int) -> BatchView | None:
        found = [row for row in self._tables.rows("batches") if row["number"] == number]
        return _batch(found[0]) if found else None

    def history(self, number: int) -> list[BatchEntry]:
        """The current version only: memory keeps no history (tests/fakes/tables.py)."""
        rows = [row for row in self._tables.rows("batches") if row["number"] == number]
        return [batch_entry(row) for row in rows]

    def page(self, query: BatchFilter) -> tuple[list[BatchView], int]:
        every = [_batch(row) for row in self._tables.rows("batches")]
        found = sorted((b for b in every if _wanted(b, query)), key=lambda b: b.created_at)
        return found[query.offset : query.offset + query.limit], len(found)

    def needing_work(self, finished_before: datetime) -> list[int]:
        return sorted(
            row["number"]
            for row in self._tables.rows("batches")
            if row["status"] in WORKING
            or (row["status"] in FINISHED and _utc(row["finished_at"]) < finished_before)
        )

    def certificates(self, batch: int, after: int, limit: int) -> list[CertificateView]:
        rows = self._tables.rows("certificates")
        found = sorted(
            (r for r in rows if r["batch"] == batch and r["position"] > after),
            key=lambda r: r["position"],
        )
        return [certificate_view(row) for row in found[:limit]]


def _batch(row: Row) -> BatchView:
    view = batch_view(row)
    return replace(view, created_at=_utc(view.created_at))


def _wanted(view: BatchView, query: BatchFilter) -> bool:
    return (
        view.organization == query.organization
        and (not query.profile or view.profile == query.profile)
        and (not query.number or view.number == query.number)
        and (not query.name or query.name.lower() in view.name.lower())
        and (not query.status or view.status == query.status)
        and (not query.size_from or view.size >= query.size_from)
        and (not query.size_to or view.size <= query.size_to)
        and (not query.created_from or view.created_at >= query.created_from)
        and (not query.created_to or view.created_at <= query.created_to)
    )


class MemoryCertificateViews:
    """`CertificateViews` as SqlCertificateViews answers it (current versions only)."""

    def __init__(self, tables: MemoryTables) -> None:
        self._tables = tables

    def get(self, authority: int, serial: str) -> CertificateView | None:
        found = self._where(lambda r: (r["authority"], r["serial"]) == (authority, serial))
        return found[0] if found else None

    def find(self, serial: str, common_name: str) -> list[CertificateView]:
        found = self._where(lambda r: (r["serial"], r["common_name"]) == (serial, common_name))
        return sorted(found, key=lambda c: c.authority)

    def of_devices(self, devices: list[str]) -> list[CertificateView]:
        found = {c.device: c for c in self._where(lambda r: r["device"] in devices)}
        return [found[device] for device in devices if device in found]

    def revocations(self, authority: int) -> tuple[int, list[Revocation]]:
        rows = self._revoked(authority)
        mark = max((row["valid_from"] for row in rows), default=0)
        return mark, [Revocation(r["serial"], _utc(r["revoked_at"]), r["reason"]) for r in rows]

    def history(self, batch: int, position: int | None) -> list[CertificateView]:
        """Current versions only: memory keeps no history (tests/fakes/tables.py)."""
        found = self._where(lambda r: r["batch"] == batch and position in (None, r["position"]))
        return sorted(found, key=lambda c: c.position)

    def revocation_mark(self, authority: int) -> int:
        return max((row["valid_from"] for row in self._revoked(authority)), default=0)

    def _revoked(self, authority: int) -> list[Row]:
        rows = self._tables.rows("certificates")
        return [r for r in rows if r["authority"] == authority and r["status"] == "REVOKED"]

    def _where(self, wanted: Callable[[Row], bool]) -> list[CertificateView]:
        return [certificate_view(r) for r in self._tables.rows("certificates") if wanted(r)]


class MemoryEcosystemViews:
    """`EcosystemViews` as SqlEcosystemViews answers it."""

    def __init__(self, tables: MemoryTables) -> None:
        self._tables = tables

    def get(self, number: int) -> EcosystemView | None:
        found = [row for row in self._tables.rows("ecosystems") if row["number"] == number]
        return ecosystem_view(found[0]) if found else None

    def totals(self) -> Totals:
        live = [row for row in self._tables.rows("allocations") if row["status"] != "removed"]
        return Totals(
            sum(row["balance"] for row in live),
            sum(row["used"] for row in live),
            sum(row["reserved"] for row in live),
        )

    def movements(self) -> list[Movement]:
        rows = sorted(self._tables.rows("balance_movements"), key=lambda row: row["valid_from"])
        return [Movement(row["kind"], row["count"], _utc(row["at"])) for row in rows]


class MemoryOrganizationViews:
    """`OrganizationViews` as SqlOrganizationViews answers it."""

    def __init__(self, tables: MemoryTables) -> None:
        self._tables = tables

    def get(self, number: int) -> OrganizationView | None:
        found = [row for row in self._tables.rows("organizations") if row["number"] == number]
        return _organization_view(found[0]) if found else None

    def page(self, offset: int, limit: int) -> list[OrganizationView]:
        ordered = sorted(self._tables.rows("organizations"), key=lambda row: row["number"])
        return [_organization_view(row) for row in ordered[offset : offset + limit]]


def _organization_view(row: Row) -> OrganizationView:
    return OrganizationView(
        number=row["number"],
        id=UUID(row["id"]),
        name=row["name"],
        address=row["address"],
        contact_name=row["contact_name"] or "",
        contact_email=row["contact_email"] or "",
        contact_phone=row["contact_phone"] or "",
        manufacture_id=row["manufacture_id"],
        logo=row["logo"],
        org_status=row["org_status"],
        parameters=dict(row["parameters"]),
        created_at=_utc(row["created_at"]),
        updated_at=_utc(row["updated_at"]),
        updated_by=row["updated_by"],
    )


class MemoryProfileViews:
    """`ProfileViews` as SqlProfileViews answers it."""

    def __init__(self, tables: MemoryTables) -> None:
        self._tables = tables

    def get(self, number: int) -> ProfileView | None:
        return next((view for view in self.all() if view.number == number), None)

    def all(self) -> list[ProfileView]:
        rows = sorted(self._tables.rows("profiles"), key=lambda row: row["number"])
        return [
            ProfileView(
                number=row["number"],
                id=UUID(row["id"]),
                name=row["name"],
                key_algorithm=row["key_algorithm"],
                config=row["config"],
                created_at=_utc(row["created_at"]),
                updated_at=_utc(row["updated_at"]),
            )
            for row in rows
        ]


class MemoryAuthorityViews:
    """`AuthorityViews` as SqlAuthorityViews answers it."""

    def __init__(self, tables: MemoryTables) -> None:
        self._tables = tables

    def get(self, number: int) -> AuthorityView | None:
        return next((view for view in self.all() if view.number == number), None)

    def all(self) -> list[AuthorityView]:
        rows = sorted(self._tables.rows("authorities"), key=lambda row: row["number"])
        return [
            AuthorityView(
                number=row["number"],
                name=row["name"],
                profile=row["profile"],
                key_algorithm=row["key_algorithm"],
                certificate=row["certificate"],
            )
            for row in rows
        ]


class MemoryAllocationViews:
    """`AllocationViews` as SqlAllocationViews answers it."""

    def __init__(self, tables: MemoryTables) -> None:
        self._tables = tables

    def get(self, organization: int, authority: int) -> AllocationView | None:
        return next(
            (
                view
                for view in self._all()
                if (view.organization, view.authority) == (organization, authority)
            ),
            None,
        )

    def of_organization(self, organization: int) -> list[AllocationView]:
        found = [v for v in self._all() if v.organization == organization and v.status != "removed"]
        return sorted(found, key=lambda view: view.authority)

    def authority_total(self, authority: int) -> int:
        return sum(
            v.balance for v in self._all() if v.authority == authority and v.status != "removed"
        )

    def _all(self) -> list[AllocationView]:
        return [
            AllocationView(
                organization=row["organization"],
                authority=row["authority"],
                balance=row["balance"],
                used=row["used"],
                reserved=row["reserved"],
                used_by=dict(row["used_by"]),
                status=row["status"],
            )
            for row in self._tables.rows("allocations")
        ]


class MemoryTwinViews:
    """`TwinViews` as SqlTwinViews answers it."""

    def __init__(self, tables: MemoryTables) -> None:
        self._tables = tables

    def get(self, object_id: str) -> TwinView | None:
        found = [row for row in self._tables.rows("twins") if row["object_id"] == object_id]
        return self._view(found[0]) if found else None

    def page(self, query: TwinFilter) -> TwinPage:
        tests: list[Test] = []
        if query.owner is not None:
            tests.append(_is("owner", query.owner))
        if query.object_type is not None:
            tests.append(_is("object_type", query.object_type))
        return _page(self._tables.rows("twins"), tests, query, self._view)

    def existing(self, object_ids: Collection[str]) -> set[str]:
        return {row["object_id"] for row in self._tables.rows("twins")} & set(object_ids)

    def _view(self, row: Row) -> TwinView:
        def parts(table: str) -> list[Row]:
            found = [part for part in self._tables.rows(table) if part["twin"] == row["id"]]
            return sorted(found, key=lambda part: part["place"])

        view = twin_view(row, parts("twin_services"), parts("twin_keys"))
        return replace(view, created_at=_utc(view.created_at), updated_at=_utc(view.updated_at))


class MemoryMassOperationViews:
    """`MassOperationViews` as SqlMassOperationViews answers it."""

    def __init__(self, tables: MemoryTables) -> None:
        self._tables = tables

    def get(self, operation_id: UUID) -> OperationView | None:
        found = [r for r in self._tables.rows("mass_operations") if r["id"] == str(operation_id)]
        return _operation(found[0]) if found else None

    def page(self, owner: UUID | None, offset: int, limit: int) -> Page[OperationView]:
        tests = [] if owner is None else [_is("owner", owner)]
        window = TwinFilter(offset, limit)
        return _page(self._tables.rows("mass_operations"), tests, window, _operation)

    def items(self, operation_id: UUID, offset: int, limit: int, ok: bool | None) -> list[ItemView]:
        found = sorted(
            (
                row
                for row in self._tables.rows("mass_operation_items")
                if row["operation"] == str(operation_id) and ok in (None, row["ok"])
            ),
            key=lambda row: row["position"],
        )
        return [item_view(row) for row in found[offset : offset + limit]]

    def unfinished(self) -> list[OperationView]:
        rows = sorted(self._unfinished(), key=lambda row: row["created_at"])
        return [_operation(row) for row in rows]

    def unfinished_of(self, owner: UUID) -> int:
        return sum(1 for row in self._unfinished() if row["owner"] == str(owner))

    def _unfinished(self) -> list[Row]:
        rows = self._tables.rows("mass_operations")
        return [row for row in rows if row["status"] in ("pending", "running")]


def _operation(row: Row) -> OperationView:
    view = operation_view(row)
    return replace(
        view,
        created_at=_utc(view.created_at),
        started_at=_utc(view.started_at),
        completed_at=_utc(view.completed_at),
    )


class MemoryEntityViews:
    """`EntityViews` as SqlEntityViews answers it."""

    def __init__(self, tables: MemoryTables) -> None:
        self._tables = tables

    def get(self, entity_id: UUID) -> EntityView | None:
        found = [row for row in self._present() if row["id"] == str(entity_id)]
        return self._view(found[0]) if found else None

    def page(self, offset: int, limit: int) -> EntityPage:
        return _page(self._present(), [], TwinFilter(offset, limit), self._view)

    def holder(self, key_lookup: str) -> UUID | None:
        found = [
            row["entity"]
            for row in self._tables.rows("entity_keys")
            if row["lookup"] == key_lookup and row["status"] == "active"
        ]
        return UUID(found[0]) if found else None

    def _present(self) -> list[Row]:
        return [row for row in self._tables.rows("entities") if row["status"] == "active"]

    def _view(self, row: Row) -> EntityView:
        view = entity_view(row)
        return replace(view, created_at=_utc(view.created_at), updated_at=_utc(view.updated_at))


class MemoryWalletViews:
    """`WalletViews` as SqlWalletViews answers it."""

    def __init__(self, tables: MemoryTables) -> None:
        self._tables = tables

    def get(self, wallet_id: UUID) -> WalletView | None:
        found = [
            row
            for row in self._tables.rows("wallets")
            if row["id"] == str(wallet_id) and row["status"] == "active"
        ]
        return (
            replace(wallet_view(found[0]), created_at=_utc(found[0]["created_at"]))
            if found
            else None
        )


class MemoryAdminKeyViews:
    """`AdminKeyViews` as SqlAdminKeyViews answers it."""

    def __init__(self, tables: MemoryTables) -> None:
        self._tables = tables

    def record(self) -> AdminKeyRecord:
        rows = sorted(self._tables.rows("admin_keys"), key=lambda row: row["valid_from"])
        return admin_key_record([{**row, "grace_until": _utc(row["grace_until"])} for row in rows])
