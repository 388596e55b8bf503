"""What a publish from an authenticated thing does: telemetry on a channel, or a gateway's
identity command. Both reach the same application commands REST uses.

The publisher is always the thing the broker authenticated for the connection (`thing`), never
anything the client put in the topic, payload or properties.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from dataclasses import dataclass
from uuid import UUID

from application.identity_module import IdentityModule
from application.messages import MessageCommands, Publisher
from application.mqtt_access import MqttAccess
from application.mqtt_topics import ChannelTopic, publish_target
from application.ports.messages import Receipt
from application.ports.storage import Unstorable
from domain.errors import DomainError, Forbidden, Unauthenticated
from interfaces.mqtt.packets import Prop, Reason
from interfaces.senml_codec import SENML_CBOR, SENML_JSON, decode_pack

log = logging.getLogger(__name__)
_JSON_STARTS = frozenset(b"[{ \t\r\n")


@dataclass(frozen=True)
class Outcome:
    reason: Reason
    """SUCCESS, or why the publish was refused (as MQTT 5's PUBACK says it)."""
    deliveries: tuple[tuple[str, bytes], ...] = ()
    """Messages for subscribers, once the publish has been carried out: (topic, payload)."""


REFUSED = Outcome(Reason.NOT_AUTHORIZED)
MAX_DECISIONS = 100_000


@dataclass(frozen=True)
class Queued:
    """Telemetry handed to the message store: its outcome is known once `stored` is done."""

    thing: UUID
    topic: str
    payload: bytes
    stored: Future[None]

    def outcome(self) -> Outcome:
        """Only once `stored` is done; raises what failed other than a refusal."""
        error = self.stored.exception()
        if error is None:
            return Outcome(Reason.SUCCESS, ((self.topic, self.payload),))
        if isinstance(error, Unstorable):
            return _refused(self.thing, self.topic, Outcome(Reason.UNSPECIFIED), str(error))
        raise error


async def settled(handled: Outcome | Queued | Awaitable[Outcome]) -> Outcome:
    """The outcome of a publish, waiting for it to be carried out; a queued one that is done
    already (most of a burst, once the first is) costs no turn of the event loop."""
    if isinstance(handled, Outcome):
        return handled
    if isinstance(handled, Queued):
        if not handled.stored.done():
            with contextlib.suppress(Exception):  # `outcome` raises it
                await asyncio.wrap_future(handled.stored)
        return handled.outcome()
    return await handled


class Router:
    def __init__(
        self,
        access: MqttAccess,
        messages: MessageCommands,
        identity: IdentityModule,
        position: Callable[[], int],
    ) -> None:
        """`position` is the read model's position in the log: a telemetry decision is reused
        until it moves, since nothing it depends on can change before then."""
        self._access = access
        self._messages = messages
        self._identity = identity
        self._position = position
        self._decided_at = -1
        self._decisions: dict[tuple[UUID, UUID], Publisher | DomainError] = {}

    async def publish(
        self,
        thing: UUID,
        topic: str,
        payload: bytes,
        properties: dict[int, object],
        receipt: Receipt | None = None,
    ) -> Outcome:
        """Carry out a publish; with a `receipt` (QoS 1), telemetry is stored with it."""
        target = publish_target(topic)
        if isinstance(target, ChannelTopic):
            return await settled(self.telemetry(thing, target, topic, payload, properties, receipt))
        if not self._access.may_command(thing, target):
            return _refused(
                thing, topic, REFUSED, "no such topic for this thing, or it is disabled"
            )
        ack = await self._identity.handle(thing, topic, payload)
        return Outcome(Reason.SUCCESS, ((ack.topic, ack.encode()),) if ack.send else ())

    def telemetry(
        self,
        thing: UUID,
        target: ChannelTopic,
        topic: str,
        payload: bytes,
        properties: dict[int, object],
        receipt: Receipt | None = None,
    ) -> "Outcome | Queued":
        """Hand a telemetry publish to the message store without waiting for it; the outcome
        right away when it is refused before that."""
        publisher = self._authorized(thing, target.channel)
        if isinstance(publisher, DomainError):
            return _refused(thing, topic, REFUSED, str(publisher))
        try:
            pack = decode_pack(payload, _content_type(payload, properties))
            stored = self._messages.submit(publisher, pack, "mqtt", receipt, target.subtopic)
        except DomainError as error:
            return _refused(thing, topic, Outcome(Reason.PAYLOAD_FORMAT_INVALID), str(error))
        return Queued(thing, topic, payload, stored)

    def _authorized(self, thing: UUID, channel: UUID) -> Publisher | DomainError:
        position = self._position()
        if position != self._decided_at or len(self._decisions) >= MAX_DECISIONS:
            self._decisions.clear()
            self._decided_at = position
        decision = self._decisions.get((thing, channel))
        if decision is None:
            try:
                decision = self._messages.authorize_thing(thing, channel)
            except (Unauthenticated, Forbidden) as error:
                decision = error
            self._decisions[thing, channel] = decision
        return decision

    def already_stored(self, receipt: Receipt) -> bool:
        """Whether this QoS 1 packet was stored before, by this process or before a restart."""
        return self._messages.already_stored(receipt)


def _content_type(payload: bytes, properties: dict[int, object]) -> str:
    """MQTT 5's content type when the client gave one; else JSON or CBOR, by the first byte."""
    given = properties.get(Prop.CONTENT_TYPE)
    if isinstance(given, str):
        return given
    return SENML_JSON if not payload or payload[0] in _JSON_STARTS else SENML_CBOR


def _refused(thing: UUID, topic: str, outcome: Outcome, why: str) -> Outcome:
    log.warning("refused a publish from thing %s on %r: %s", thing, topic[:200], why)
    return outcome
