"""FleetID's own MQTT 5 connection to an external broker, for the bridge.

A library client would do, but the bridge needs three things they hide or slow down: the DUP
flag of each delivery (only a redelivery may repeat a stored message), acknowledging a message
only once it is stored, and reading a burst of messages without a loop turn per packet.
"""

import asyncio
import contextlib
import itertools
from dataclasses import dataclass

from interfaces.mqtt import packets
from interfaces.mqtt.packets import (
    V5,
    Connect,
    Kind,
    MalformedPacket,
    Prop,
    Publish,
    Reason,
    Subscribe,
    Subscription,
)

MAX_PACKET = 16 * 1024 * 1024
CONNECT_TIMEOUT = 10.0
READ_SIZE = 1 << 16
INBOX = 16
"""Reads (each up to READ_SIZE bytes of messages) ahead of the bridge; past this FleetID stops
reading and the broker queues."""


class BrokerRefused(ConnectionError):
    pass


@dataclass(frozen=True)
class Login:
    host: str
    port: int
    client_id: str
    username: str
    password: str
    session_expiry: int
    keep_alive: int = 30


class BrokerConnection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._ids = itertools.cycle(range(1, 65536))
        self._inbox: asyncio.Queue[list[Publish] | BaseException] = asyncio.Queue(INBOX)
        self._subacks: dict[int, asyncio.Future[bytes]] = {}
        self._pubacks: dict[int, asyncio.Future[int]] = {}
        self._reading = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, login: Login) -> "BrokerConnection":
        async with asyncio.timeout(CONNECT_TIMEOUT):
            reader, writer = await asyncio.open_connection(login.host, login.port, limit=1 << 20)
            try:
                return await cls._handshake(reader, writer, login)
            except BaseException:
                writer.close()
                raise

    @classmethod
    async def _handshake(
        cls, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, login: Login
    ) -> "BrokerConnection":
        request = Connect(
            V5,
            login.client_id,
            False,
            login.keep_alive,
            login.username,
            login.password.encode(),
            None,
            {Prop.SESSION_EXPIRY: login.session_expiry},
        )
        writer.write(packets.connect(request))
        first, body = await packets.read_packet(reader, MAX_PACKET)
        if first >> 4 != Kind.CONNACK or len(body) < 2 or body[1] != Reason.SUCCESS:
            raise BrokerRefused(f"the broker refused the connection: {body[1:2].hex()}")
        return cls(reader, writer)

    async def subscribe(self, *topic_filters: str) -> None:
        """Subscribe at QoS 1, without the retained messages (each reconnect would store them
        again). Messages of a resumed session may arrive before the SUBACK: they wait in the
        inbox like any other."""
        wanted = tuple(Subscription(f, 1, retain_handling=2) for f in topic_filters)
        request = Subscribe(next(self._ids), wanted)
        answered = self._subacks[request.packet_id] = asyncio.get_running_loop().create_future()
        self._writer.write(packets.subscribe(request, V5))
        body = await asyncio.wait_for(answered, 30)
        codes = body[3 + body[2] :] if len(body) > 2 else b""
        if any(code >= 0x80 for code in codes):
            raise BrokerRefused(f"the broker refused a subscription: {codes.hex()}")

    async def receive(self, timeout: float) -> list[Publish]:
        """The messages of the next read (none after `timeout` seconds); raises once the
        connection is lost."""
        try:
            async with asyncio.timeout(timeout):
                item = await self._inbox.get()
        except TimeoutError:
            return []
        if isinstance(item, BaseException):
            raise item
        return item

    async def _read(self) -> None:
        """In the background from the start, so `receive` can time out without cutting a
        packet in half. Each read takes every packet the broker has sent so far."""
        buffer = bytearray()
        try:
            while True:
                data = await self._reader.read(READ_SIZE)
                if not data:
                    raise EOFError("the broker closed the connection")
                buffer += data
                messages = [
                    message
                    for first, body in packets.take_packets(buffer, MAX_PACKET)
                    if (message := self._on_packet(first, body)) is not None
                ]
                if messages:
                    await self._inbox.put(messages)
        except (OSError, EOFError, MalformedPacket) as error:
            lost = ConnectionError(f"lost the broker: {error}")
            for waiting in self._pubacks.values():
                if not waiting.done():
                    waiting.set_exception(lost)
            await self._inbox.put(lost)

    def _on_packet(self, first: int, body: bytes) -> Publish | None:
        """A message for the bridge; the other packets answer what this connection sent."""
        kind = first >> 4
        if kind == Kind.PUBLISH:
            message = packets.decode(first, body, V5)
            assert isinstance(message, Publish)
            return message
        if kind == Kind.SUBACK and len(body) >= 2:
            answered = self._subacks.pop(int.from_bytes(body[:2], "big"), None)
            if answered is not None and not answered.done():
                answered.set_result(body)
        elif kind == Kind.PUBACK and len(body) >= 2:
            confirmed = self._pubacks.pop(int.from_bytes(body[:2], "big"), None)
            if confirmed is not None and not confirmed.done():
                confirmed.set_result(body[2] if len(body) > 2 else Reason.SUCCESS)
        elif kind == Kind.DISCONNECT:
            raise ConnectionError(f"the broker disconnected: {body[:1].hex()}")
        elif kind not in (Kind.PUBACK, Kind.PINGRESP):
            raise MalformedPacket(f"unexpected packet type {kind}")
        return None

    def acknowledge_all(self, packet_ids: list[int]) -> None:
        """PUBACK each, in one write."""
        self._write(b"".join(packets.ack(Kind.PUBACK, i, V5) for i in packet_ids))

    def publish(self, topic: str, payload: bytes) -> None:
        """At QoS 1; the broker's PUBACK is not awaited (see `receive`)."""
        message = Publish(topic, payload, 1, packet_id=next(self._ids))
        self._write(packets.publish(message, V5))

    async def deliver(self, topic: str, payload: bytes, timeout: float = 30.0) -> int:
        """Publish at QoS 1 and wait for the broker's PUBACK; its reason code (below 0x80: the
        broker has taken the message). Raises when the connection is lost first."""
        packet_id = next(self._ids)
        confirmed = self._pubacks[packet_id] = asyncio.get_running_loop().create_future()
        self._write(packets.publish(Publish(topic, payload, 1, packet_id=packet_id), V5))
        try:
            return await asyncio.wait_for(confirmed, timeout)
        finally:
            self._pubacks.pop(packet_id, None)

    def ping(self) -> None:
        self._write(packets.frame(Kind.PINGREQ, 0, b""))

    async def close(self) -> None:
        self._reading.cancel()
        self._write(packets.disconnect(V5, Reason.SUCCESS) or b"")
        self._writer.close()
        with contextlib.suppress(ConnectionError):
            await self._writer.wait_closed()

    def _write(self, data: bytes) -> None:
        if not self._writer.is_closing():
            self._writer.write(data)
