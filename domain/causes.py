"""Who caused an event and through which door it came in: recorded on every event for auditors."""

from dataclasses import dataclass
from enum import StrEnum


class ActorKind(StrEnum):
    USER = "user"
    THING = "thing"
    SYSTEM = "system"
    ENTITY = "entity"
    """An identity entity, by its API key."""
    ADMIN_KEY = "admin_key"
    """Whoever holds the admin API key; the actor is the key's lookup hash, cut short."""


class Interface(StrEnum):
    REST = "rest"
    MQTT = "mqtt"
    CLI = "cli"
    PROCESS = "process"
    """FleetID's own background work (issuing a batch), carrying on what a caller asked."""


@dataclass(frozen=True)
class Cause:
    actor: str
    kind: ActorKind
    via: Interface

    @classmethod
    def system(cls, via: Interface) -> "Cause":
        return cls(actor="system", kind=ActorKind.SYSTEM, via=via)
