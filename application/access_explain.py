"""Why a subject may or may not do an action on an object, at any position of the log.

Each decision is the one the application makes:
- a thing on a channel (`m_read`, `m_write`): the message routes' rule (application/messages.py),
  the thing and the channel enabled and the thing's policy on the channel holding the action;
- a user on a group or channel (the actions in DECIDED): the user enabled (a disabled user's
  tokens are refused), the object there, and an admin, the owner, or a member whose policy
  holds the action (application/groups.py, application/message_queries.py);
- a user on a thing (`c_list`, `c_update`, `c_delete`): the same, where the member holds the
  action on a channel the thing is connected to (application/authorization.py).

The explanation is every event that changed one of the decision's inputs in a way that matters
for the action, oldest first, with the decision after it. It is read from the read models'
history rows; nothing is replayed.
"""

from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from application.authorization import Actor
from application.ports.event_log import AccessHistory, Version
from domain.errors import Forbidden, InvalidValue, NotFound
from domain.policies import ACTIONS, CONNECTION_ACTIONS
from domain.users import Role

Rule = Callable[[Mapping[str, Any]], bool]
Says = Callable[[Any, Any], str]
"""Words a change of an input from one value to the next ("" when it does not matter)."""

DECIDED: dict[tuple[str, str], tuple[str, ...]] = {
    ("thing", "channel"): CONNECTION_ACTIONS,
    ("user", "group"): ("g_add", "g_update", "g_delete", "g_list"),
    ("user", "channel"): (
        "m_read",
        "g_add",
        "g_delete",
        "c_share",
        "c_list",
        "c_update",
        "c_delete",
    ),
    ("user", "thing"): ("c_list", "c_update", "c_delete"),
}
"""The actions FleetID decides by policy for each (subject, object) kind. A channel's own
update, enable and disable are its owner's or an admin's alone, whatever a member holds, so
`g_update` on a channel decides nothing; no thing command asks for `c_share` on a thing."""


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
    the change does not matter to the action). `versions` are one key's, in order: they do
    not overlap."""

    versions: Sequence[Version]
    says: Says

    def at(self, moment: int) -> Any:
        found = bisect_right(self.versions, moment, key=lambda version: version[0]) - 1
        if found < 0:
            return None
        _, end, value = self.versions[found]
        return value if end is None or moment < end else None


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
        if subject_kind is None:
            raise NotFound("no user or thing with this id was ever recorded", field="subject")
        if subject_kind not in ("user", "thing"):
            raise NotFound(
                f"the subject is a {subject_kind}: no decision has a subject of that kind",
                field="subject",
            )
        target_kind = self._history.kind_of(target)
        if target_kind is None:
            raise NotFound("nothing with this id was ever recorded", field="object")
        decided = DECIDED.get((subject_kind, target_kind))
        if decided is None:
            raise NotFound(
                f"no access decision is made for a {subject_kind} on a {target_kind}",
                field="object",
            )
        if action not in decided:
            raise NotFound(
                f"a {subject_kind}'s action on a {target_kind} is one of {', '.join(decided)}",
                field="action",
            )
        if subject_kind == "thing":
            return self._thing_on_channel(subject, target, action, until)
        if target_kind == "thing":
            return self._user_on_thing(subject, target, action, until)
        return self._user_on_container(subject, target_kind, target, action, until)

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
            **self._user(user, kind, target, until),
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
        inputs = self._user(user, "thing", thing, until)
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

    def _user(self, user: UUID, kind: str, target: UUID, until: int) -> dict[str, Input]:
        """What every user rule reads: the user's status and role, and the object's existence
        and owner."""
        history = self._history
        return {
            "status": Input(history.column("user", user, "status", until), _enabled("user")),
            "role": Input(history.column("user", user, "role", until), _admin),
            "object": Input(history.column(kind, target, "status", until), _exists(kind)),
            "owner": Input(history.column(kind, target, "owner", until), _owner(user)),
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
    """The user enabled, the object there, and the user an admin, its owner, or a member
    holding the action (`as_member`)."""
    return (
        now["status"] == "enabled"
        and now["object"] is not None
        and (now["role"] == Role.ADMIN.value or now["owner"] == str(user) or as_member)
    )


def _worded(holds: Callable[[Any], bool], on: str, off: str) -> Says:
    """Words a change of a value by whether it `holds` before and after; "" if it did not
    change that."""

    def says(before: Any, after: Any) -> str:
        now = holds(after)
        return "" if holds(before) == now else on if now else off

    return says


def _enabled(what: str) -> Says:
    return _worded(lambda v: v == "enabled", f"{what} enabled", f"{what} disabled or removed")


def _exists(kind: str) -> Says:
    return _worded(lambda v: v is not None, f"{kind} created", f"{kind} removed")


def _granted(action: str, where: str) -> Says:
    return _worded(
        lambda v: action in (v or ()), f"{action} granted{where}", f"{action} revoked{where}"
    )


def _owner(user: UUID) -> Says:
    return _worded(lambda v: v == str(user), "user became the owner", "user no longer the owner")


def _connected(channel: UUID) -> Says:
    return _worded(
        lambda v: v is not None,
        f"thing connected to {channel}",
        f"thing disconnected from {channel}",
    )


_admin = _worded(lambda v: v == Role.ADMIN.value, "user made an admin", "user no longer an admin")
