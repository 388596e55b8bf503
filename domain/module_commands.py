"""What a gateway's identity command with a correlation id came to, kept so that a redelivery
(MQTT QoS 1 repeats messages) changes nothing and is answered with the same acknowledgement."""

from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.aggregate import FleetAggregate
from domain.causes import Cause

NAMESPACE = UUID("3f0c54a2-8d0e-4b7a-9a51-6c2f1e0b7d44")
MAX_CORRELATION_ID = 256


class ModuleCommand(FleetAggregate):
    class Recorded(FleetAggregate.Created):
        module: UUID
        correlation_id: str
        action: str
        result: str
        reason: str | None
        message: str
        identity: UUID | None

    @event(Recorded)
    def __init__(
        self,
        module: UUID,
        correlation_id: str,
        action: str,
        result: str,
        reason: str | None,
        message: str,
        identity: UUID | None,
        cause: Cause,
    ) -> None:
        self.module = module
        self.correlation_id = correlation_id
        self.action = action
        self.result = result
        self.reason = reason
        self.message = message
        self.identity = identity

    @staticmethod
    def create_id(module: UUID, correlation_id: str) -> UUID:
        return uuid5(NAMESPACE, f"{module}\x00{correlation_id}")
