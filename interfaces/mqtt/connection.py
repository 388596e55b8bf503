"""One client's network connection: the MQTT protocol for a single socket.

Publishes are handled in a pipeline: each is authorized and handed to storage as it is read,
and its PUBACK goes out, in order, only once it is stored (so an acknowledged message survives
a disconnect or a restart). The identity is the one CONNECT authenticated, for the whole
connection; nothing a packet says changes it.
"""

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Awaitable
from typing import Protocol
from uuid import UUID

from application.mqtt_access import MqttAccess
from application.mqtt_topics import ChannelTopic, publish_target
from application.ports.messages import Receipt
from infrastructure.metrics import MQTT_PUBLISHES
from interfaces.mqtt import packets
from interfaces.mqtt.limits import Limits
from interfaces.mqtt.packets import (
    V5,
    Ack,
    Connect,
    Disconnect,
    Kind,
    MalformedPacket,
    Ping,
    Prop,
    Publish,
    Reason,
    Subscribe,
    Unsubscribe,
)
from interfaces.mqtt.router import Outcome, Queued, Router, settled
from interfaces.mqtt.sessions import Session
from interfaces.mqtt.topics import valid_filter, valid_name


class Hub(Protocol):
    """What a connection needs of its broker (interfaces/mqtt/broker.py is the one there is)."""

    access: MqttAccess
    router: Router
    limits: Limits

    def authenticate(
        self, address: str, client_id: str, username: str | None, password: str
    ) -> UUID | None: ...

    def attach(
        self, connection: "Connection", client_id: str, thing: UUID, connect: Connect
    ) -> tuple[Session, bool]: ...

    async def detach(self, connection: "Connection", *, will: bool) -> None: ...

    def subscribe(self, session: Session, topic_filter: str, qos: int, no_local: bool) -> None: ...

    def unsubscribe(self, session: Session, topic_filter: str) -> None: ...

    def route(self, topic: str, payload: bytes, qos: int, origin: Session | None) -> int: ...


log = logging.getLogger(__name__)
_GRANTED = {0: Reason.SUCCESS, 1: Reason.GRANTED_QOS_1}
_DISCONNECT_WITH_WILL = 0x04
LINGER = 1.0
_Work = tuple[Publish, Receipt | None, Outcome | Queued | Awaitable[Outcome]]
"""A publish read, its receipt (QoS 1), and its handling: started (telemetry, so storage
batches across publishes) or not (gateway commands, which run one at a time, in order)."""


class Refusal(Exception):
    """Ends a connection: MQTT 5 clients are told `reason` in a DISCONNECT first."""

    def __init__(self, reason: Reason, why: str) -> None:
        super().__init__(why)
        self.reason = reason


class Connection:
    def __init__(
        self, broker: Hub, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self._broker = broker
        self._reader = reader
        self._writer = writer
        self.version = packets.V311
        self.session: Session | None = None
        self.connect: Connect | None = None
        self.password = ""
        self._will_wanted = True
        self._receive_maximum = 65535
        self._max_outbound = broker.limits.max_packet
        self._pipeline: asyncio.Queue[_Work | None] = asyncio.Queue(broker.limits.receive_maximum)
        self._closing = False
        self._serving: asyncio.Future[None] | None = None
        self._farewell: Reason | None = None
        """The DISCONNECT reason, sent (MQTT 5) once every publish read has been answered."""

    @property
    def thing(self) -> UUID | None:
        return self.session.thing if self.session else None

    async def run(self) -> None:
        acker: asyncio.Task[None] | None = None
        try:
            if not await self._handshake() or self._closing:
                return
            acker = asyncio.create_task(self._acknowledge())
            self._serving = asyncio.ensure_future(self._serve())
            try:
                await self._serving
            except asyncio.CancelledError:
                if not self._closing:
                    raise
        except Refusal as refusal:
            log.warning("closing %s: %s", self._name(), refusal)
            self._farewell = refusal.reason
        except MalformedPacket as error:
            log.warning("closing %s: malformed packet: %s", self._name(), error)
            self._farewell = error.reason
        except (asyncio.IncompleteReadError, ConnectionError, TimeoutError):
            pass
        except Exception:
            log.exception("closing %s after an unexpected error", self._name())
            self._farewell = Reason.UNSPECIFIED
        finally:
            self._closing = True
            if acker is not None:
                await self._drain_pipeline(acker)
            if self._farewell is not None:
                self._send_disconnect(self._farewell)
            await self._broker.detach(self, will=self._will_wanted)
            await self._linger()
            self._close_transport()

    def kick(self, reason: Reason) -> None:
        """Close from outside (takeover, revocation, shutdown): the client is told why (MQTT 5),
        and publishes already read are still stored and acknowledged before the socket closes."""
        if self._closing:
            return
        self._closing = True
        self._will_wanted = reason != Reason.SESSION_TAKEN_OVER
        self._farewell = reason
        if self._serving is not None:
            self._serving.cancel()

    def deliver(self, message: Publish) -> None:
        """Send a message that matched one of this session's subscriptions."""
        session = self.session
        if session is None or self._closing:
            return
        if len(message.payload) + len(message.topic) + 16 > self._max_outbound:
            log.warning(
                "%s: message on %r exceeds its maximum packet size", self._name(), message.topic
            )
            return
        if message.qos == 0:
            self._write(packets.publish(message, self.version))
            return
        if len(session.inflight) >= self._receive_maximum:
            session.enqueue(message)
            return
        self._send_qos1(session, message)

    def _send_qos1(self, session: Session, message: Publish) -> None:
        packet_id = session.next_packet_id()
        numbered = Publish(message.topic, message.payload, 1, packet_id=packet_id)
        session.inflight[packet_id] = numbered
        self._write(packets.publish(numbered, self.version))

    async def _handshake(self) -> bool:
        limits = self._broker.limits
        try:
            async with asyncio.timeout(limits.connect_timeout):
                first, body = await self._read_packet()
        except TimeoutError:
            return False
        if first >> 4 != Kind.CONNECT:
            return False
        try:
            connect = packets.decode(first, body, 0)
        except MalformedPacket as error:
            if error.reason == Reason.UNSUPPORTED_PROTOCOL_VERSION:
                self._write(packets.connack(packets.V311, error.reason, False, {}))
            log.warning("refused a connection: %s", error)
            return False
        assert isinstance(connect, Connect)
        self.version = connect.version
        refusal, client_id = self._check_connect(connect)
        thing = None
        if refusal is None:
            thing = await asyncio.to_thread(
                self._broker.authenticate, self._peer(), client_id, connect.username, self.password
            )
            if thing is None:
                refusal = Reason.BAD_USERNAME_OR_PASSWORD
        if refusal is not None:
            log.warning("refused a connection from client %r: %s", client_id[:64], refusal.name)
            self._write(packets.connack(self.version, refusal, False, {}))
            return False
        assert thing is not None
        self.connect = connect
        self._configure(connect)
        session, present = self._broker.attach(self, client_id, thing, connect)
        self.session = session
        self._write(
            packets.connack(
                self.version, Reason.SUCCESS, present, self._granted(connect, client_id)
            )
        )
        self._resume(session)
        return True

    def _peer(self) -> str:
        peer = self._writer.get_extra_info("peername")
        return str(peer[0]) if isinstance(peer, tuple) else "unknown"

    def _check_connect(self, connect: Connect) -> tuple[Reason | None, str]:
        client_id = connect.client_id
        if not client_id and (connect.clean_start or self.version == V5):
            client_id = connect.username or ""
        if connect.properties.get(Prop.AUTH_METHOD) is not None:
            return Reason.BAD_AUTHENTICATION_METHOD, client_id
        if client_id != connect.username:
            return Reason.CLIENT_ID_NOT_VALID, client_id
        try:
            self.password = (connect.password or b"").decode()
        except UnicodeDecodeError:
            return Reason.BAD_USERNAME_OR_PASSWORD, client_id
        will = connect.will
        if will is not None and (will.qos > 1 or not valid_name(will.topic)):
            return Reason.NOT_AUTHORIZED if will.qos < 2 else Reason.QOS_NOT_SUPPORTED, client_id
        return None, client_id

    def _configure(self, connect: Connect) -> None:
        receive_maximum = connect.properties.get(Prop.RECEIVE_MAXIMUM)
        if isinstance(receive_maximum, int) and receive_maximum > 0:
            self._receive_maximum = receive_maximum
        elif self.version != V5:
            self._receive_maximum = self._broker.limits.receive_maximum
        max_packet = connect.properties.get(Prop.MAXIMUM_PACKET_SIZE)
        if isinstance(max_packet, int) and max_packet > 0:
            self._max_outbound = min(self._max_outbound, max_packet)

    def _granted(self, connect: Connect, client_id: str) -> packets.Properties:
        if self.version != V5:
            return {}
        limits = self._broker.limits
        granted: packets.Properties = {
            Prop.RECEIVE_MAXIMUM: limits.receive_maximum,
            Prop.MAXIMUM_QOS: 1,
            Prop.RETAIN_AVAILABLE: 0,
            Prop.MAXIMUM_PACKET_SIZE: limits.max_packet,
            Prop.SUBSCRIPTION_ID_AVAILABLE: 0,
            Prop.SHARED_AVAILABLE: 0,
        }
        if connect.client_id != client_id:
            granted[Prop.ASSIGNED_CLIENT_ID] = client_id
        return granted

    def _resume(self, session: Session) -> None:
        for packet_id, message in list(session.inflight.items()):
            again = Publish(message.topic, message.payload, 1, dup=True, packet_id=packet_id)
            self._write(packets.publish(again, self.version))
        self._flush_queue(session)

    def _flush_queue(self, session: Session) -> None:
        while session.queued and len(session.inflight) < self._receive_maximum:
            self._send_qos1(session, session.queued.popleft())

    async def _serve(self) -> None:
        keep_alive = self.connect.keep_alive if self.connect else 0
        timeout = keep_alive * 1.5 if keep_alive else None
        while True:
            try:
                async with asyncio.timeout(timeout):
                    first, body = await self._read_packet()
            except TimeoutError:
                raise Refusal(Reason.KEEP_ALIVE_TIMEOUT, "keep-alive expired") from None
            if self._closing:
                return
            packet = packets.decode(first, body, self.version)
            if isinstance(packet, Publish):
                await self._on_publish(packet)
            elif isinstance(packet, Ack):
                self._on_ack(packet)
            elif isinstance(packet, Subscribe):
                await self._on_subscribe(packet)
            elif isinstance(packet, Unsubscribe):
                self._on_unsubscribe(packet)
            elif isinstance(packet, Ping):
                self._write(packets.PINGRESP)
            elif isinstance(packet, Disconnect):
                self._will_wanted = packet.reason == _DISCONNECT_WITH_WILL
                return
            else:
                raise Refusal(Reason.PROTOCOL_ERROR, "a second CONNECT")

    async def _read_packet(self) -> tuple[int, bytes]:
        return await packets.read_packet(self._reader, self._broker.limits.max_packet)

    async def _on_publish(self, message: Publish) -> None:
        if message.qos > 1:
            raise Refusal(Reason.QOS_NOT_SUPPORTED, "QoS 2 is not supported")
        if Prop.TOPIC_ALIAS in message.properties:
            raise Refusal(Reason.TOPIC_ALIAS_INVALID, "topic aliases are not supported")
        if not valid_name(message.topic):
            raise Refusal(
                Reason.TOPIC_NAME_INVALID, f"no valid topic name: {message.topic[:200]!r}"
            )
        session = self.session
        assert session is not None
        command = message.topic.startswith("from/")
        MQTT_PUBLISHES.labels("command" if command else "telemetry").inc()
        receipt = None
        if message.qos and message.packet_id:
            receipt = Receipt(session.client_id, message.packet_id, _digest(message))
            if message.dup and await self._stored_before(session, receipt):
                await self._pipeline.put((message, None, Outcome(Reason.SUCCESS)))
                return
        router = self._broker.router
        target = publish_target(message.topic)
        work: Outcome | Queued | Awaitable[Outcome]
        if isinstance(target, ChannelTopic):
            work = router.telemetry(
                session.thing, target, message.topic, message.payload, message.properties, receipt
            )
        else:
            work = router.publish(
                session.thing, message.topic, message.payload, message.properties, receipt
            )
        await self._pipeline.put((message, receipt, work))

    async def _stored_before(self, session: Session, receipt: Receipt) -> bool:
        if session.stored.get(receipt.packet_id) == receipt.digest:
            return True
        return await asyncio.to_thread(self._broker.router.already_stored, receipt)

    async def _acknowledge(self) -> None:
        """Answer publishes in the order they came, each once it has been carried out."""
        while True:
            item = await self._pipeline.get()
            if item is None:
                return
            message, receipt, work = item
            try:
                outcome = await settled(work)
            except Exception:
                log.exception(
                    "%s: a publish on %r failed; it is not acknowledged",
                    self._name(),
                    message.topic,
                )
                self.kick(Reason.IMPLEMENTATION_SPECIFIC)
                continue
            if outcome.reason == Reason.SUCCESS:
                if receipt is not None and self.session is not None:
                    self.session.stored[receipt.packet_id] = receipt.digest
                for topic, payload in outcome.deliveries:
                    self._broker.route(topic, payload, message.qos, self.session)
            if message.qos and message.packet_id:
                reason = outcome.reason if self.version == V5 else Reason.SUCCESS
                self._write(packets.ack(Kind.PUBACK, message.packet_id, self.version, reason))

    async def _drain_pipeline(self, acker: "asyncio.Task[None]") -> None:
        if not acker.done():
            await self._pipeline.put(None)
        try:
            await acker
        except Exception:
            log.exception("%s: acknowledging failed", self._name())
        while not self._pipeline.empty():
            item = self._pipeline.get_nowait()
            if item is not None and isinstance(item[2], asyncio.Future):
                await asyncio.gather(item[2], return_exceptions=True)

    def _on_ack(self, ack: Ack) -> None:
        session = self.session
        assert session is not None
        if ack.kind != Kind.PUBACK:
            raise Refusal(Reason.PROTOCOL_ERROR, f"unexpected {ack.kind.name}")
        if session.inflight.pop(ack.packet_id, None) is not None:
            self._flush_queue(session)

    async def _on_subscribe(self, request: Subscribe) -> None:
        session = self.session
        assert session is not None
        filters = {wanted.topic_filter for wanted in request.subscriptions}
        allowed = await asyncio.to_thread(
            self._broker.access.allowed_subscriptions,
            {(session.thing, f) for f in filters if valid_filter(f)},
        )
        if self._closing:
            return
        codes = []
        for wanted in request.subscriptions:
            if not valid_filter(wanted.topic_filter):
                codes.append(Reason.TOPIC_FILTER_INVALID)
            elif (
                wanted.topic_filter not in session.subscriptions
                and len(session.subscriptions) >= self._broker.limits.max_subscriptions
            ):
                codes.append(Reason.QUOTA_EXCEEDED)
            elif (session.thing, wanted.topic_filter) in allowed:
                granted = min(wanted.qos, 1)
                self._broker.subscribe(session, wanted.topic_filter, granted, wanted.no_local)
                codes.append(_GRANTED[granted])
            else:
                log.warning(
                    "%s: refused a subscription to %r", self._name(), wanted.topic_filter[:200]
                )
                codes.append(Reason.NOT_AUTHORIZED)
        if self.version != V5:
            codes = [code if code < 0x80 else Reason.UNSPECIFIED for code in codes]
        self._write(packets.suback(request.packet_id, self.version, [int(code) for code in codes]))

    def _on_unsubscribe(self, request: Unsubscribe) -> None:
        session = self.session
        assert session is not None
        for topic_filter in request.topic_filters:
            self._broker.unsubscribe(session, topic_filter)
        self._write(packets.unsuback(request.packet_id, self.version, len(request.topic_filters)))

    def _write(self, data: bytes) -> None:
        if self._writer.is_closing():
            return
        self._writer.write(data)
        if self._writer.transport.get_write_buffer_size() > self._broker.limits.max_buffered:
            log.warning("%s reads too slowly: disconnecting it", self._name())
            self._writer.transport.abort()

    def _send_disconnect(self, reason: Reason) -> None:
        data = packets.disconnect(self.version, reason) if self.session else None
        if data is not None:
            self._write(data)

    async def _linger(self) -> None:
        """Half-close, then read and drop what the client still sends until it closes (or
        LINGER seconds): a socket closed with unread input is reset, and the client would lose
        the last PUBACKs and the DISCONNECT still on their way."""
        if self._writer.is_closing():
            return
        with contextlib.suppress(OSError, RuntimeError, TimeoutError):
            if self._writer.can_write_eof():
                self._writer.write_eof()
            async with asyncio.timeout(LINGER):
                while await self._reader.read(1 << 16):
                    pass

    def _close_transport(self) -> None:
        if not self._writer.is_closing():
            self._writer.close()

    def _name(self) -> str:
        return f"client {self.session.client_id}" if self.session else "a client"


def _digest(message: Publish) -> str:
    data = message.topic.encode() + b"\0" + message.payload
    return hashlib.blake2b(data, digest_size=16).hexdigest()
