"""FleetID on an external broker (FLEETID_MQTT_URL): it subscribes, with its own account, to
telemetry and gateway commands, stores and carries them out, and publishes acknowledgements
and the packs accepted over HTTP. When the broker posts its messages to FleetID's hooks instead
(FLEETID_MQTT_INGEST=hooks), the bridge subscribes to nothing and publishes the acknowledgements
the hooks queued in the outbox.

The publisher of a message is the username the broker authenticated, which the broker stamps
on it as an MQTT 5 user property after its ACL check (Mosquitto: the plugin in
`infrastructure/mosquitto/`), under a name only FleetID and the plugin know. A message
without exactly one stamp is not attributed to anyone and is dropped. A message is
acknowledged to the broker only once it is stored, so the broker delivers again (to this
persistent session) whatever FleetID had not stored when it stopped; a redelivery (DUP) of a
stored message is recognised by its receipt.
"""

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from uuid import UUID

from application.mqtt_access import thing_named
from application.mqtt_topics import ChannelTopic, publish_target
from application.ports.messages import Receipt
from application.ports.mqtt import Outbox
from infrastructure.settings import BrokerAccount
from interfaces.mqtt.client import BrokerConnection, Login
from interfaces.mqtt.packets import MalformedPacket, Prop, Publish, Reason
from interfaces.mqtt.router import Outcome, Queued, Router, settled

log = logging.getLogger(__name__)
_Handled = Outcome | Queued | asyncio.Future[Outcome]
_Burst = list[tuple[Publish, _Handled]]
DROPPED = Outcome(Reason.SUCCESS)
"""A message acknowledged without being carried out: not a thing's, or stored before."""
SUBSCRIPTIONS = ("channels/+/messages/#", "from/module/+/#")
IN_FLIGHT = 16
"""Reads (bursts of messages) being carried out at once; past this FleetID stops reading and
the broker queues."""
SESSION_EXPIRY = 7 * 24 * 60 * 60
"""How long the broker keeps FleetID's session (and queues its messages) while it is away."""
KEEP_ALIVE = 30
RELAY_BATCH = 256
RELAY_INTERVAL = 0.05


class Bridge:
    def __init__(
        self,
        account: BrokerAccount,
        router: Router,
        stamp: str,
        outbox: Outbox | None = None,
    ) -> None:
        """`stamp`: the user property name the broker's plugin stamps publishers under.
        `outbox`: relay it, and subscribe to nothing (the broker posts messages to hooks)."""
        self._login = Login(
            account.host,
            account.port,
            account.username,
            account.username,
            account.password,
            SESSION_EXPIRY,
            KEEP_ALIVE,
        )
        self._router = router
        self._stamp = stamp
        self._outbox = outbox
        self._connection: BrokerConnection | None = None
        self._commands = asyncio.Lock()
        self._tasks: set[asyncio.Future[Outcome]] = set()
        self._failed = asyncio.Event()

    def publish_later(self, topic: str, payload: bytes) -> None:
        """Publish at QoS 1 when connected (the HTTP feed's route); dropped with a log line
        while disconnected: the message store keeps the pack."""
        if self._connection is None:
            log.warning("not connected to the broker: a pack for %s is not delivered", topic)
            return
        self._connection.publish(topic, payload)

    async def run(self, stop: asyncio.Event, ready: Callable[[], None]) -> None:
        """Stay connected until `stop`, reconnecting after a broker restart."""
        announced = False
        while not stop.is_set():
            connection = None
            workers: list[asyncio.Task[None]] = []
            self._failed.clear()
            try:
                connection = await BrokerConnection.open(self._login)
                if self._outbox is None:
                    await connection.subscribe(*SUBSCRIPTIONS)
                else:
                    workers.append(asyncio.create_task(self._relay(connection, self._outbox)))
                pipeline: asyncio.Queue[_Burst | None] = asyncio.Queue(IN_FLIGHT)
                workers.append(asyncio.create_task(self._acknowledge(connection, pipeline)))
                self._connection = connection
                if not announced:
                    ready()
                    announced = True
                await self._consume(connection, pipeline, stop)
                await pipeline.put(None)
                await asyncio.wait(workers[-1:], timeout=30)
            except (OSError, TimeoutError, MalformedPacket, asyncio.IncompleteReadError) as error:
                log.warning("broker connection lost (%s); reconnecting in 1 s", error)
                await asyncio.sleep(1)
            finally:
                self._connection = None
                for worker in workers:
                    worker.cancel()
                if connection is not None:
                    await connection.close()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=30)

    async def _consume(
        self,
        connection: BrokerConnection,
        pipeline: "asyncio.Queue[_Burst | None]",
        stop: asyncio.Event,
    ) -> None:
        """Hand each burst of messages over to be carried out, in the order they came."""
        pinged = time.monotonic()
        while not stop.is_set():
            if self._failed.is_set():
                raise ConnectionError("a message failed: reconnecting so the broker sends it again")
            messages = await connection.receive(timeout=0.5)
            if time.monotonic() - pinged > KEEP_ALIVE / 2:
                connection.ping()
                pinged = time.monotonic()
            if messages:
                await pipeline.put([(m, self._start(connection, m)) for m in messages])

    async def _acknowledge(
        self, connection: BrokerConnection, pipeline: "asyncio.Queue[_Burst | None]"
    ) -> None:
        """Acknowledge each burst once it is carried out. A message that fails stops the
        acknowledgements: the bridge reconnects, and the broker delivers again what is not
        acknowledged."""
        while (burst := await pipeline.get()) is not None:
            done: list[int] = []
            for message, handled in burst:
                try:
                    await settled(handled)
                except Exception:
                    log.exception(
                        "a message on %s failed; the broker will deliver it again", message.topic
                    )
                    self._failed.set()
                    return
                if message.qos and message.packet_id:
                    done.append(message.packet_id)
            if done:
                connection.acknowledge_all(done)

    def _start(self, connection: BrokerConnection, message: Publish) -> "_Handled":
        """Start carrying out a message: telemetry goes to the message store at once; a
        gateway's command runs after the commands before it."""
        stamp = _stamp(message.properties, self._stamp)
        thing = thing_named(stamp)
        if thing is None:
            if stamp != self._login.username:
                log.warning("dropped a message on %r without a thing's stamp", message.topic)
            return DROPPED
        receipt = None
        if message.qos and message.packet_id:
            digest = hashlib.blake2b(
                f"{stamp}\0{message.topic}\0".encode() + message.payload, digest_size=16
            )
            receipt = Receipt(
                f"broker:{self._login.username}", message.packet_id, digest.hexdigest()
            )
            if message.dup and self._router.already_stored(receipt):
                return DROPPED
        properties = _content_type(message.properties)
        target = publish_target(message.topic)
        if isinstance(target, ChannelTopic):
            return self._router.telemetry(
                thing, target, message.topic, message.payload, properties, receipt
            )
        command = asyncio.ensure_future(
            self._command(connection, thing, message, properties, receipt)
        )
        self._tasks.add(command)
        command.add_done_callback(self._tasks.discard)
        return command

    async def _command(
        self,
        connection: BrokerConnection,
        thing: UUID,
        message: Publish,
        properties: dict[int, object],
        receipt: Receipt | None,
    ) -> Outcome:
        async with self._commands:
            outcome = await self._router.publish(
                thing, message.topic, message.payload, properties, receipt
            )
        for ack_topic, ack_payload in outcome.deliveries:
            connection.publish(ack_topic, ack_payload)
        return outcome

    async def _relay(self, connection: BrokerConnection, outbox: Outbox) -> None:
        """Publish what the hooks queued, oldest first, deleting each once the broker has it;
        a failure makes the bridge reconnect and start again from what is left."""
        try:
            while True:
                queued = await asyncio.to_thread(outbox.oldest, RELAY_BATCH)
                if not queued:
                    await asyncio.sleep(RELAY_INTERVAL)
                    continue
                reasons = await asyncio.gather(
                    *(connection.deliver(message.topic, message.payload) for message in queued)
                )
                for message, reason in zip(queued, reasons, strict=True):
                    if reason >= Reason.UNSPECIFIED:
                        log.warning("the broker refused %s (reason 0x%02x)", message.topic, reason)
                await asyncio.to_thread(outbox.remove, [message.id for message in queued])
        except (OSError, TimeoutError, ConnectionError) as error:
            log.warning("relaying the outbox failed (%s)", error)
            self._failed.set()


def _stamp(properties: dict[int, object], stamp: str) -> str | None:
    """The broker's stamp: the one user property of that name (the broker refuses a publish
    whose client sent one, so two mean the broker is not stamping as it should)."""
    pairs = properties.get(Prop.USER_PROPERTY)
    found = [value for name, value in pairs if name == stamp] if isinstance(pairs, list) else []
    return found[0] if len(found) == 1 else None


def _content_type(properties: dict[int, object]) -> dict[int, object]:
    content_type = properties.get(Prop.CONTENT_TYPE)
    return {Prop.CONTENT_TYPE: content_type} if isinstance(content_type, str) else {}
