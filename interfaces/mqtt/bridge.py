"""FleetID on an external broker (FLEETID_MQTT_URL): it subscribes, with its own account, to
telemetry and gateway commands, stores and carries them out, and publishes acknowledgements
and the packs accepted over HTTP.

The publisher of a message is the username the broker authenticated, which the broker stamps
on it as the MQTT 5 user property `fleetid-publisher` after its ACL check (Mosquitto: the
plugin in `infrastructure/mosquitto/`). A message without that stamp is not attributed to
anyone and is dropped. A message is acknowledged to the broker only once it is stored, so the
broker delivers again (to this persistent session) whatever FleetID had not stored when it
stopped; a redelivery of a stored message is recognised by its receipt.
"""

import asyncio
import hashlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import aiomqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from application.mqtt_access import thing_named
from application.ports import Receipt
from infrastructure.settings import BrokerAccount
from interfaces.mqtt.packets import Prop
from interfaces.mqtt.router import Router

log = logging.getLogger(__name__)
STAMP = "fleetid-publisher"
SUBSCRIPTIONS = ("channels/+/messages/#", "from/module/+/#")
IN_FLIGHT = 256
SESSION_EXPIRY = 7 * 24 * 60 * 60
"""How long the broker keeps FleetID's session (and queues its messages) while it is away."""


class Bridge:
    def __init__(self, account: BrokerAccount, router: Router) -> None:
        self._account = account
        self._router = router
        self._client: aiomqtt.Client | None = None
        self._slots = asyncio.Semaphore(IN_FLIGHT)
        self._commands = asyncio.Lock()
        self._tasks: set[asyncio.Future[object]] = set()
        self._redelivered: set[int] = set()

    def publish_later(self, topic: str, payload: bytes) -> None:
        """Publish at QoS 1 when connected (the HTTP feed's route); dropped with a log line
        while disconnected: the message store keeps the pack."""
        client = self._client
        if client is None:
            log.warning("not connected to the broker: a pack for %s is not delivered", topic)
            return
        self._spawn(client.publish(topic, payload, qos=1))

    async def run(self, stop: asyncio.Event, ready: Callable[[], None]) -> None:
        """Stay connected until `stop`, reconnecting after a broker restart."""
        announced = False
        while not stop.is_set():
            try:
                async with self._connect() as client:
                    self._client = client
                    for topic_filter in SUBSCRIPTIONS:
                        await client.subscribe(topic_filter, qos=1)
                    if not announced:
                        ready()
                        announced = True
                    await self._consume(client, stop)
            except aiomqtt.MqttError as error:
                self._client = None
                log.warning("broker connection lost (%s); reconnecting in 1 s", error)
                await asyncio.sleep(1)
            finally:
                self._client = None
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=30)

    def _connect(self) -> aiomqtt.Client:
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = SESSION_EXPIRY
        account = self._account
        client = aiomqtt.Client(
            account.host,
            account.port,
            identifier=account.username,
            username=account.username,
            password=account.password,
            protocol=aiomqtt.ProtocolVersion.V5,
            clean_start=False,
            properties=properties,
        )
        _manual_acks(client)
        self._watch_redeliveries(client)
        return client

    def _watch_redeliveries(self, client: aiomqtt.Client) -> None:
        """aiomqtt's messages do not carry the DUP flag; the paho message under them does.
        Only a redelivery can repeat a stored message, so only those are looked up."""
        deliver = client._client.on_message

        def on_message(paho: Any, userdata: Any, message: Any) -> None:
            if message.dup:
                self._redelivered.add(message.mid)
            deliver(paho, userdata, message)  # type: ignore[misc]

        client._client.on_message = on_message

    async def _consume(self, client: aiomqtt.Client, stop: asyncio.Event) -> None:
        messages = client.messages
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while True:
                following = asyncio.ensure_future(anext(messages))
                done, _ = await asyncio.wait(
                    {following, stopping}, return_when=asyncio.FIRST_COMPLETED
                )
                if following not in done:
                    following.cancel()
                    return
                await self._slots.acquire()
                self._spawn(self._handle(client, following.result()))
        finally:
            stopping.cancel()

    async def _handle(self, client: aiomqtt.Client, message: aiomqtt.Message) -> None:
        try:
            await self._carry_out(client, message)
        except Exception:
            log.exception("a message on %s failed; the broker will deliver it again", message.topic)
            return
        finally:
            self._slots.release()
        if message.qos:
            client._client.ack(message.mid, message.qos)  # see _manual_acks

    async def _carry_out(self, client: aiomqtt.Client, message: aiomqtt.Message) -> None:
        topic = str(message.topic)
        payload = message.payload if isinstance(message.payload, bytes) else b""
        stamp = _stamp(message.properties)
        thing = thing_named(stamp)
        if thing is None:
            if stamp != self._account.username:
                log.warning("dropped a message on %r without a thing's stamp (%r)", topic, stamp)
            return
        receipt = None
        if message.qos:
            digest = hashlib.blake2b(f"{stamp}\0{topic}\0".encode() + payload, digest_size=16)
            receipt = Receipt(f"broker:{self._account.username}", message.mid, digest.hexdigest())
            if message.mid in self._redelivered:
                self._redelivered.discard(message.mid)
                if self._router.already_stored(receipt):
                    return
        properties = _content_type(message.properties)
        if topic.startswith("from/"):
            async with self._commands:
                outcome = await self._router.publish(thing, topic, payload, properties, receipt)
            for ack_topic, ack_payload in outcome.deliveries:
                await client.publish(ack_topic, ack_payload, qos=1)
        else:
            await self._router.publish(thing, topic, payload, properties, receipt)

    def _spawn(self, work: Coroutine[Any, Any, object]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _manual_acks(client: aiomqtt.Client) -> None:
    """aiomqtt acknowledges a QoS 1 message as soon as it arrives, before FleetID has stored it;
    a crash then would lose it. Its paho client can leave the PUBACK to the application."""
    client._client.manual_ack_set(True)


def _stamp(properties: Properties | None) -> str | None:
    """The broker's stamp: the one `fleetid-publisher` user property (the broker refuses a
    publish whose client sent one, so two mean the broker is not stamping as it should)."""
    pairs = getattr(properties, "UserProperty", None) or []
    found = [value for name, value in pairs if name == STAMP]
    return found[-1] if len(found) == 1 else None


def _content_type(properties: Properties | None) -> dict[int, object]:
    content_type = getattr(properties, "ContentType", None)
    return {Prop.CONTENT_TYPE: content_type} if isinstance(content_type, str) else {}
