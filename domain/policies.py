"""The Policy aggregate: the actions a subject may take on an object.

A thing's policy on a channel is a connection (`m_read`, `m_write`); users' policies on groups
come with groups. One aggregate per (subject, object) pair, its id derived from the pair, so that
concurrent grants of one pair meet in the write model and exactly one creates it.
"""

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.aggregate import FleetAggregate
from domain.causes import Cause
from domain.errors import InvalidValue

NAMESPACE = UUID("5d9a6c1e-2b7f-4e83-9a41-0c6f1d2e3b4a")

ACTIONS = (
    "g_add",
    "g_delete",
    "g_update",
    "g_list",
    "c_delete",
    "c_update",
    "c_list",
    "m_write",
    "m_read",
    "c_share",
)
PUBLISH = "m_write"
READ = "m_read"
CONNECTION_ACTIONS = (PUBLISH, READ)
"""What a connection grants when no actions are given."""


class Kind(StrEnum):
    USER = "user"
    THING = "thing"
    CHANNEL = "channel"
    GROUP = "group"


def check_actions(actions: Sequence[str], field: str = "actions") -> list[str]:
    """Only the predefined actions; duplicates are dropped (first occurrence wins)."""
    if not actions:
        raise InvalidValue("at least one action is required", field=field)
    unique: list[str] = []
    for action in actions:
        if action not in ACTIONS:
            raise InvalidValue(
                f"unknown action {action!r}; allowed: {', '.join(ACTIONS)}", field=field
            )
        if action not in unique:
            unique.append(action)
    return unique


class Policy(FleetAggregate):
    class Granted(FleetAggregate.Created):
        subject: UUID
        subject_kind: Kind
        object: UUID
        object_kind: Kind
        actions: list[str]
        owner: UUID | None

    @event(Granted)
    def __init__(
        self,
        subject: UUID,
        subject_kind: Kind,
        object: UUID,
        object_kind: Kind,
        actions: list[str],
        owner: UUID | None,
        cause: Cause,
    ) -> None:
        self.subject = subject
        self.subject_kind = Kind(subject_kind)
        self.object = object
        self.object_kind = Kind(object_kind)
        self.actions = actions
        self.owner = owner
        self.active = True

    @staticmethod
    def id_for(subject: UUID, object: UUID) -> UUID:
        return uuid5(NAMESPACE, f"{subject}/{object}")

    @classmethod
    def grant(
        cls,
        *,
        subject: UUID,
        subject_kind: Kind,
        object: UUID,
        object_kind: Kind,
        actions: Sequence[str],
        owner: UUID | None,
        cause: Cause,
    ) -> "Policy":
        return cls._create(
            cls.Granted,
            id=cls.id_for(subject, object),
            subject=subject,
            subject_kind=subject_kind,
            object=object,
            object_kind=object_kind,
            actions=check_actions(actions),
            owner=owner,
            cause=cause,
        )

    class ActionsChanged(FleetAggregate.Event):
        actions: list[str]

    class Revoked(FleetAggregate.Event):
        pass

    class Regranted(FleetAggregate.Event):
        """Carries the pair and its first grant again, so that the read model can open a fresh
        version from the event alone."""

        created_at: datetime
        subject: UUID
        subject_kind: Kind
        object: UUID
        object_kind: Kind
        actions: list[str]
        owner: UUID | None

    def allow(self, actions: Sequence[str], owner: UUID | None, cause: Cause) -> None:
        """Grant again after a revocation, or make an active policy allow exactly `actions`."""
        wanted = check_actions(actions)
        if not self.active:
            self._regrant(
                created_at=self.created_on,
                subject=self.subject,
                subject_kind=self.subject_kind,
                object=self.object,
                object_kind=self.object_kind,
                actions=wanted,
                owner=owner,
                cause=cause,
            )
        elif wanted != self.actions:
            self._change_actions(actions=wanted, cause=cause)

    def change_actions(self, actions: Sequence[str], cause: Cause) -> None:
        wanted = check_actions(actions)
        if wanted != self.actions:
            self._change_actions(actions=wanted, cause=cause)

    def revoke(self, cause: Cause) -> None:
        if self.active:
            self._revoke(cause=cause)

    def permits(self, action: str) -> bool:
        return self.active and action in self.actions

    @event(ActionsChanged)
    def _change_actions(self, actions: list[str], cause: Cause) -> None:
        self.actions = actions

    @event(Revoked)
    def _revoke(self, cause: Cause) -> None:
        self.active = False

    @event(Regranted)
    def _regrant(
        self,
        created_at: datetime,
        subject: UUID,
        subject_kind: Kind,
        object: UUID,
        object_kind: Kind,
        actions: list[str],
        owner: UUID | None,
        cause: Cause,
    ) -> None:
        self.actions = actions
        self.owner = owner
        self.active = True
