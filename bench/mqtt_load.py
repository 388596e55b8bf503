"""MQTT load from raw sockets: pre-encoded MQTT 3.1.1 packets, so the client side costs little
next to the broker it measures."""

import asyncio
import struct
import time
from dataclasses import dataclass

from interfaces.mqtt import packets
from interfaces.mqtt.packets import Connect, Kind, Publish, Subscribe, Subscription

HOST = "127.0.0.1"
WINDOW = 200
"""QoS 1 publishes in flight per connection (below the embedded broker's receive maximum)."""


@dataclass(frozen=True)
class Login:
    client_id: str
    username: str | None = None
    password: str | None = None


def _connect_packet(login: Login) -> bytes:
    password = login.password.encode() if login.password else None
    return packets.connect(
        Connect(packets.V311, login.client_id, True, 0, login.username, password)
    )


async def connect(port: int, login: Login) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection(HOST, port, limit=1 << 22)
    writer.write(_connect_packet(login))
    connack = await reader.readexactly(4)
    if connack[0] >> 4 != Kind.CONNACK or connack[3] != 0:
        raise RuntimeError(f"{login.client_id}: CONNACK {connack.hex()}")
    return reader, writer


async def publish(port: int, login: Login, topic: str, payloads: list[bytes], qos: int) -> None:
    """Send every payload; at QoS 1 keep `WINDOW` in flight and return once all are acked."""
    reader, writer = await connect(port, login)
    if qos == 0:
        chunk = 500
        for start in range(0, len(payloads), chunk):
            writer.write(
                b"".join(
                    packets.publish(Publish(topic, p), packets.V311)
                    for p in payloads[start : start + chunk]
                )
            )
            await writer.drain()
        writer.write(packets.frame(Kind.PINGREQ, 0, b""))
        await reader.readexactly(2)
    else:
        await _publish_qos1(reader, writer, topic, payloads)
    writer.write(packets.frame(Kind.DISCONNECT, 0, b""))
    writer.close()


async def _publish_qos1(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, topic: str, payloads: list[bytes]
) -> None:
    sent = acked = ack_bytes = 0
    total = len(payloads)
    while acked < total:
        room = min(WINDOW - (sent - acked), total - sent)
        if room > 0:
            writer.write(b"".join(_numbered(topic, payloads, sent + i) for i in range(room)))
            sent += room
        data = await reader.read(65536)
        if not data:
            raise RuntimeError(f"the broker closed the connection after {acked} acks")
        if ack_bytes % 4 == 0 and data[0] != Kind.PUBACK << 4:
            raise RuntimeError(f"expected PUBACKs, got {data[:16].hex()}")
        ack_bytes += len(data)
        acked = ack_bytes // 4


def _numbered(topic: str, payloads: list[bytes], index: int) -> bytes:
    message = Publish(topic, payloads[index], 1, packet_id=index % 65535 + 1)
    return packets.publish(message, packets.V311)


async def subscribe(port: int, login: Login, topic_filter: str, qos: int) -> "Subscriber":
    reader, writer = await connect(port, login)
    request = Subscribe(1, (Subscription(topic_filter, qos),))
    writer.write(packets.subscribe(request, packets.V311))
    suback = await reader.readexactly(5)
    if suback[4] >= 0x80:
        raise RuntimeError(f"subscription to {topic_filter} refused")
    return Subscriber(reader, writer)


class Subscriber:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self.received = 0

    async def receive(self, count: int, timeout: float) -> float:
        """Read until `count` messages arrived; when the last did (monotonic)."""
        async with asyncio.timeout(timeout):
            buffer = b""
            while self.received < count:
                data = await self._reader.read(1 << 20)
                if not data:
                    raise RuntimeError("the broker closed the subscriber")
                buffer = self._parse(buffer + data)
        return time.monotonic()

    def _parse(self, buffer: bytes) -> bytes:
        acks = []
        position = 0
        while True:
            if len(buffer) - position < 2:
                break
            first = buffer[position]
            length, shift, index = 0, 0, position + 1
            while index < len(buffer):
                digit = buffer[index]
                length |= (digit & 0x7F) << shift
                shift += 7
                index += 1
                if not digit & 0x80:
                    break
            else:
                break
            if index + length > len(buffer):
                break
            if first >> 4 == Kind.PUBLISH:
                self.received += 1
                if first & 0x06:
                    topic_length = struct.unpack_from("!H", buffer, index)[0]
                    packet_id = buffer[index + 2 + topic_length : index + 4 + topic_length]
                    acks.append(bytes([Kind.PUBACK << 4, 2]) + packet_id)
            position = index + length
        if acks:
            self._writer.write(b"".join(acks))
        return buffer[position:]

    def close(self) -> None:
        self._writer.close()
