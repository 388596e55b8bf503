"""Why a thing may or may not do something on a channel, at any position of the log.

The decision is the one the message routes make (application/messages.py): the thing and the
channel enabled, and the thing's policy on the channel holding the action. The explanation is
every event that changed one of those inputs, oldest first, with the decision after it, read
from the read models' history; nothing is replayed.
"""

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from application.authorization import Actor
from application.ports import AccessHistory, AccessInputs
from domain.errors import Forbidden, InvalidValue

ACTIONS = ("m_read", "m_write")


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


class AccessExplainer:
    def __init__(self, history: AccessHistory, applied: Callable[[], int]) -> None:
        """`applied`: the read models' position, for an explanation of now."""
        self._history = history
        self._applied = applied

    def explain(
        self, actor: Actor, thing: UUID, channel: UUID, action: str, position: int | None
    ) -> Explanation:
        """As of `position`, or now when it is None."""
        if position is None:
            position = self._applied()
        if not actor.reads_the_log:
            raise Forbidden("only auditors and admins explain access decisions")
        if action not in ACTIONS:
            raise InvalidValue(f"action must be one of {', '.join(ACTIONS)}", field="action")
        changes = self._history.inputs(thing, channel, position)
        events = self._history.events_at([c.position for c in changes])
        steps: list[Step] = []
        before = AccessInputs(0, frozenset(), False, False)
        for after in changes:
            effect = _effect(before, after, action)
            if effect and after.position in events:
                event = events[after.position]
                steps.append(
                    Step(
                        after.position,
                        event.aggregate_id,
                        event.aggregate_type,
                        event.event_type,
                        effect,
                        _allows(after, action),
                    )
                )
            before = after
        return Explanation(_allows(before, action), position, steps)


def _allows(inputs: AccessInputs, action: str) -> bool:
    return inputs.thing_enabled and inputs.channel_enabled and action in inputs.actions


def _effect(before: AccessInputs, after: AccessInputs, action: str) -> str:
    said = []
    if (action in before.actions) != (action in after.actions):
        said.append(f"{action} {'granted' if action in after.actions else 'revoked'}")
    if before.thing_enabled != after.thing_enabled:
        said.append(f"thing {'enabled' if after.thing_enabled else 'disabled or removed'}")
    if before.channel_enabled != after.channel_enabled:
        said.append(f"channel {'enabled' if after.channel_enabled else 'disabled or removed'}")
    return "; ".join(said)
