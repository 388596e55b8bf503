"""Messages a clustered broker posts to FleetID over HTTP (`FLEETID_MQTT_INGEST=hooks`).

EMQX (a rule with an HTTP action) and VerneMQ (the `on_publish` webhook) post each publish with
the username the broker authenticated for the connection, through FleetID's own authentication
hook; that username is the publisher, as the stamp is behind Mosquitto. The message then takes
the same path as a publish on the embedded broker. A gateway's acknowledgement cannot be
published from an HTTP worker, so it is queued in the outbox for the bridge.
"""

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from typing import Literal

import msgspec

from application.mqtt_access import thing_named
from application.ports.messages import Receipt
from application.ports.mqtt import Outbox
from interfaces.mqtt.packets import Prop, Reason
from interfaces.mqtt.router import Router

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Posted:
    broker: str
    """Which kind of broker posted it (`emqx`, `vernemq`): the receipts of each are apart."""
    username: str | None
    topic: str
    payload: bytes
    message_id: str | None = None
    """The broker's id of the message, the same on each retry of the post (EMQX)."""
    content_type: str | None = None


class Ingested(msgspec.Struct, omit_defaults=True):
    result: Literal["accepted", "duplicate", "refused", "ignored"]
    reason: str | None = None


class HookIngest:
    def __init__(self, router: Router, outbox: Outbox, service: str | None) -> None:
        """`service`: FleetID's own username on the broker, whose publishes come back here."""
        self._router = router
        self._outbox = outbox
        self._service = service

    async def accept(self, posted: Posted) -> Ingested:
        thing = thing_named(posted.username)
        if thing is None:
            if posted.username != self._service:
                log.warning("ignored a posted message on %r from a non-thing", posted.topic[:200])
            return Ingested("ignored", "not_a_thing")
        receipt = _receipt(posted) if posted.message_id else None
        if receipt is not None and self._router.already_stored(receipt):
            return Ingested("duplicate")
        properties: dict[int, object] = {}
        if posted.content_type:
            properties[Prop.CONTENT_TYPE] = posted.content_type
        outcome = await self._router.publish(
            thing, posted.topic, posted.payload, properties, receipt
        )
        if outcome.reason != Reason.SUCCESS:
            return Ingested("refused", outcome.reason.name.lower())
        if posted.topic.startswith("from/"):
            await asyncio.to_thread(self._outbox.put, list(outcome.deliveries))
        return Ingested("accepted")


def _receipt(posted: Posted) -> Receipt:
    """Kept like a client's packet id, in one of 65,536 slots per publisher picked by the
    message id: a retried post is recognised unless another message of the same publisher
    landed in its slot in between."""
    digest = hashlib.blake2b(f"{posted.message_id}".encode(), digest_size=16).digest()
    return Receipt(
        f"{posted.broker}:{posted.username}", int.from_bytes(digest[:2], "big"), digest.hex()
    )
