"""Why a subject may or may not do an action on an object, at any position of the log.

Each decision is the one the application makes:
- a thing on a channel (`m_read`, `m_write`): the message routes' rule (application/messages.py),
  the thing and the channel enabled and the thing's policy on the channel holding the action;
- a user on a group or channel (any policy action): the user enabled (a disabled user's tokens
  are refused) and an admin, the owner, or a member whose policy holds the action
  (application/groups.py);
- a user on a thing (`c_list`, `c_update`, `c_delete`, `c_share`): the user enabled and an
  admin, the owner, or a member holding the action on a channel the thing is connected to
  (application/authorization.py).

The explanation is every event that changed one of the decision's inputs in a way that matters
for the action, oldest first, with the decision after it. It is read from the read models'
history rows; nothing is replayed.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from application.authorization import CLIENT_ACTIONS, Actor
from application.ports import AccessHistory, Version
from domain.errors import Forbidden, InvalidValue, NotFound
from domain.policies import ACTIONS, CONNECTION_ACTIONS
from domain.users import Role

Rule = Callable[[Mapping[str, Any]], bool]


@dataclass(frozen=True)
class Step:
    position: int
    aggregate_id: str
    aggregate_type: str
    event_type: str
    effect: str
    allowed_after: bool


@dataclass(frozen=True)
class Explanation:
    allowed: bool
    position: int
    steps: list[Step]
    """The events that changed the decision's inputs, oldest first."""


@dataclass(frozen=True)
class Input:
    """One value a decision reads, through time, and how a change of it is worded ("" when
    the change does not matter to the action)."""

    versions: Sequence[Version]
    says: Callable[[Any, Any], str]

    def at(self, moment: int) -> Any:
        for start, end, value in self.versions:
            if start <= moment and (end is None or moment < end):
                return value
        return None


class AccessExplainer:
    def __init__(self, history: AccessHistory, applied: Callable[[], int]) -> None:
        """`applied`: the read models' position, for an explanation of now."""
        self._history = history
        self._applied = applied

    def explain(
        self, actor: Actor, subject: UUID, target: UUID, action: str, position: int | None
    ) -> Explanation:
        """As of `position`, or now when it is None."""
        if not actor.reads_the_log:
            raise Forbidden("only auditors and admins explain access decisions")
        if action not in ACTIONS:
            raise InvalidValue(f"action must be one of {', '.join(ACTIONS)}", field="action")
        until = self._applied() if position is None else position
        inputs, rule = self._decision(subject, target, action, until)
        return self._replay(inputs, rule, until)

    def _decision(
        self, subject: UUID, target: UUID, action: str, until: int
    ) -> tuple[dict[str, Input], Rule]:
        subject_kind = self._history.kind_of(subject)
        if subject_kind not in ("user", "thing"):
            raise NotFound("no user or thing with this id was ever recorded", field="subject")
        target_kind = self._history.kind_of(target)
        if target_kind is None:
            raise NotFound("nothing with this id was ever recorded", field="object")
        if subject_kind == "thing" and target_kind == "channel":
            _require(action, CONNECTION_ACTIONS, "a thing's action on a channel")
            return self._thing_on_channel(subject, target, action, until)
        if subject_kind == "user" and target_kind in ("group", "channel"):
            return self._user_on_container(subject, target_kind, target, action, until)
        if subject_kind == "user" and target_kind == "thing":
            _require(action, sorted(CLIENT_ACTIONS), "a user's action on a thing")
            return self._user_on_thing(subject, target, action, until)
        raise InvalidValue(
            f"no access decision is made for a {subject_kind} on a {target_kind}", field="object"
        )

    def _thing_on_channel(
        self, thing: UUID, channel: UUID, action: str, until: int
    ) -> tuple[dict[str, Input], Rule]:
        inputs = {
            "thing": Input(
                self._history.column("thing", thing, "status", until), _enabled("thing")
            ),
            "channel": Input(
                self._history.column("channel", channel, "status", until), _enabled("channel")
            ),
            "policy": Input(
                self._history.policies(thing, until, [channel]).get(channel, []),
                _granted(action, ""),
            ),
        }

        def rule(now: Mapping[str, Any]) -> bool:
            return (
                now["thing"] == "enabled"
                and now["channel"] == "enabled"
                and action in (now["policy"] or ())
            )

        return inputs, rule

    def _user_on_container(
        self, user: UUID, kind: str, target: UUID, action: str, until: int
    ) -> tuple[dict[str, Input], Rule]:
        inputs = {
            **self._user(user, until),
            "owner": Input(self._history.column(kind, target, "owner", until), _owner(user)),
            "policy": Input(
                self._history.policies(user, until, [target]).get(target, []),
                _granted(action, ""),
            ),
        }

        def rule(now: Mapping[str, Any]) -> bool:
            return _user_may(now, user, action in (now["policy"] or ()))

        return inputs, rule

    def _user_on_thing(
        self, user: UUID, thing: UUID, action: str, until: int
    ) -> tuple[dict[str, Input], Rule]:
        connections = self._history.policies(thing, until)
        # Only channels where the user ever held the action: the others never mattered.
        memberships = {
            channel: versions
            for channel, versions in self._history.policies(user, until, list(connections)).items()
            if any(action in (actions or ()) for _, _, actions in versions)
        }
        inputs = {
            **self._user(user, until),
            "owner": Input(self._history.column("thing", thing, "owner", until), _owner(user)),
        }
        for channel, versions in memberships.items():
            inputs[f"connection {channel}"] = Input(connections[channel], _connected(channel))
            inputs[f"member {channel}"] = Input(versions, _granted(action, f" on {channel}"))

        def rule(now: Mapping[str, Any]) -> bool:
            return _user_may(
                now,
                user,
                any(
                    now[f"connection {channel}"] is not None
                    and action in (now[f"member {channel}"] or ())
                    for channel in memberships
                ),
            )

        return inputs, rule

    def _user(self, user: UUID, until: int) -> dict[str, Input]:
        return {
            "status": Input(self._history.column("user", user, "status", until), _enabled("user")),
            "role": Input(self._history.column("user", user, "role", until), _admin),
        }

    def _replay(self, inputs: Mapping[str, Input], rule: Rule, until: int) -> Explanation:
        moments = sorted(
            {
                moment
                for given in inputs.values()
                for start, end, _ in given.versions
                for moment in (start, end)
                if moment is not None and moment <= until
            }
        )
        changes: list[tuple[int, str, bool]] = []
        before: dict[str, Any] = dict.fromkeys(inputs)
        allowed = False
        for moment in moments:
            after = {name: given.at(moment) for name, given in inputs.items()}
            allowed = rule(after)
            effect = "; ".join(
                said
                for name, given in inputs.items()
                if (said := given.says(before[name], after[name]))
            )
            if effect:
                changes.append((moment, effect, allowed))
            before = after
        events = self._history.events_at([moment for moment, _, _ in changes])
        steps = [
            Step(
                moment,
                events[moment].aggregate_id,
                events[moment].aggregate_type,
                events[moment].event_type,
                effect,
                allowed_after,
            )
            for moment, effect, allowed_after in changes
            if moment in events
        ]
        return Explanation(allowed, until, steps)


def _user_may(now: Mapping[str, Any], user: UUID, as_member: bool) -> bool:
    """Enabled, and an admin, the owner, or a member holding the action (`as_member`)."""
    return now["status"] == "enabled" and (
        now["role"] == Role.ADMIN.value or now["owner"] == str(user) or as_member
    )


def _require(action: str, allowed: Sequence[str], what: str) -> None:
    if action not in allowed:
        raise InvalidValue(f"{what} is one of {', '.join(allowed)}", field="action")


def _enabled(what: str) -> Callable[[Any, Any], str]:
    def says(before: Any, after: Any) -> str:
        if (before == "enabled") == (after == "enabled"):
            return ""
        return f"{what} {'enabled' if after == 'enabled' else 'disabled or removed'}"

    return says


def _granted(action: str, where: str) -> Callable[[Any, Any], str]:
    def says(before: Any, after: Any) -> str:
        held = action in (after or ())
        if (action in (before or ())) == held:
            return ""
        return f"{action} {'granted' if held else 'revoked'}{where}"

    return says


def _owner(user: UUID) -> Callable[[Any, Any], str]:
    def says(before: Any, after: Any) -> str:
        owns = after == str(user)
        if (before == str(user)) == owns:
            return ""
        return "user became the owner" if owns else "user no longer the owner"

    return says


def _connected(channel: UUID) -> Callable[[Any, Any], str]:
    def says(before: Any, after: Any) -> str:
        if (before is None) == (after is None):
            return ""
        return f"thing {'connected to' if after is not None else 'disconnected from'} {channel}"

    return says


def _admin(before: Any, after: Any) -> str:
    admin = after == Role.ADMIN.value
    if (before == Role.ADMIN.value) == admin:
        return ""
    return "user made an admin" if admin else "user no longer an admin"
