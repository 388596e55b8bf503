"""MQTT 3.1.1 and 5.0 control packets: decoded from and encoded to their wire form.

Only what a broker receives is decoded and only what it sends is encoded, plus the reverse of
each for the tests' own checks. Every malformed input raises `MalformedPacket` with the reason
code MQTT 5 gives it; nothing here touches a socket.
"""

import asyncio
import struct
from dataclasses import dataclass, field
from enum import IntEnum

V311 = 4
V5 = 5
MAX_REMAINING = 268_435_455
"""The largest remaining length four varint bytes can say."""


class Kind(IntEnum):
    CONNECT = 1
    CONNACK = 2
    PUBLISH = 3
    PUBACK = 4
    PUBREC = 5
    PUBREL = 6
    PUBCOMP = 7
    SUBSCRIBE = 8
    SUBACK = 9
    UNSUBSCRIBE = 10
    UNSUBACK = 11
    PINGREQ = 12
    PINGRESP = 13
    DISCONNECT = 14
    AUTH = 15


class Reason(IntEnum):
    """MQTT 5 reason codes (the subset a broker sends); 3.1.1 return codes are mapped from them."""

    SUCCESS = 0x00
    GRANTED_QOS_1 = 0x01
    NO_MATCHING_SUBSCRIBERS = 0x10
    UNSPECIFIED = 0x80
    MALFORMED_PACKET = 0x81
    PROTOCOL_ERROR = 0x82
    IMPLEMENTATION_SPECIFIC = 0x83
    UNSUPPORTED_PROTOCOL_VERSION = 0x84
    CLIENT_ID_NOT_VALID = 0x85
    BAD_USERNAME_OR_PASSWORD = 0x86
    NOT_AUTHORIZED = 0x87
    SERVER_UNAVAILABLE = 0x88
    BAD_AUTHENTICATION_METHOD = 0x8C
    SERVER_SHUTTING_DOWN = 0x8B
    KEEP_ALIVE_TIMEOUT = 0x8D
    SESSION_TAKEN_OVER = 0x8E
    TOPIC_FILTER_INVALID = 0x8F
    TOPIC_NAME_INVALID = 0x90
    PACKET_ID_IN_USE = 0x91
    RECEIVE_MAXIMUM_EXCEEDED = 0x93
    TOPIC_ALIAS_INVALID = 0x94
    PACKET_TOO_LARGE = 0x95
    ADMINISTRATIVE_ACTION = 0x98
    QUOTA_EXCEEDED = 0x97
    PAYLOAD_FORMAT_INVALID = 0x99
    QOS_NOT_SUPPORTED = 0x9B
    SHARED_SUBSCRIPTIONS_NOT_SUPPORTED = 0x9E
    WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED = 0xA2


class Prop(IntEnum):
    """MQTT 5 property identifiers used here."""

    PAYLOAD_FORMAT = 0x01
    MESSAGE_EXPIRY = 0x02
    CONTENT_TYPE = 0x03
    RESPONSE_TOPIC = 0x08
    CORRELATION_DATA = 0x09
    SUBSCRIPTION_ID = 0x0B
    SESSION_EXPIRY = 0x11
    ASSIGNED_CLIENT_ID = 0x12
    SERVER_KEEP_ALIVE = 0x13
    AUTH_METHOD = 0x15
    AUTH_DATA = 0x16
    REQUEST_PROBLEM_INFO = 0x17
    WILL_DELAY = 0x18
    REQUEST_RESPONSE_INFO = 0x19
    RESPONSE_INFO = 0x1A
    SERVER_REFERENCE = 0x1C
    REASON_STRING = 0x1F
    RECEIVE_MAXIMUM = 0x21
    TOPIC_ALIAS_MAXIMUM = 0x22
    TOPIC_ALIAS = 0x23
    MAXIMUM_QOS = 0x24
    RETAIN_AVAILABLE = 0x25
    USER_PROPERTY = 0x26
    MAXIMUM_PACKET_SIZE = 0x27
    WILDCARD_AVAILABLE = 0x28
    SUBSCRIPTION_ID_AVAILABLE = 0x29
    SHARED_AVAILABLE = 0x2A


_BYTE, _U16, _U32, _VARINT, _TEXT, _BINARY, _PAIR = range(7)
_PROP_TYPES = {
    Prop.PAYLOAD_FORMAT: _BYTE,
    Prop.MESSAGE_EXPIRY: _U32,
    Prop.CONTENT_TYPE: _TEXT,
    Prop.RESPONSE_TOPIC: _TEXT,
    Prop.CORRELATION_DATA: _BINARY,
    Prop.SUBSCRIPTION_ID: _VARINT,
    Prop.SESSION_EXPIRY: _U32,
    Prop.ASSIGNED_CLIENT_ID: _TEXT,
    Prop.SERVER_KEEP_ALIVE: _U16,
    Prop.AUTH_METHOD: _TEXT,
    Prop.AUTH_DATA: _BINARY,
    Prop.REQUEST_PROBLEM_INFO: _BYTE,
    Prop.WILL_DELAY: _U32,
    Prop.REQUEST_RESPONSE_INFO: _BYTE,
    Prop.RESPONSE_INFO: _TEXT,
    Prop.SERVER_REFERENCE: _TEXT,
    Prop.REASON_STRING: _TEXT,
    Prop.RECEIVE_MAXIMUM: _U16,
    Prop.TOPIC_ALIAS_MAXIMUM: _U16,
    Prop.TOPIC_ALIAS: _U16,
    Prop.MAXIMUM_QOS: _BYTE,
    Prop.RETAIN_AVAILABLE: _BYTE,
    Prop.USER_PROPERTY: _PAIR,
    Prop.MAXIMUM_PACKET_SIZE: _U32,
    Prop.WILDCARD_AVAILABLE: _BYTE,
    Prop.SUBSCRIPTION_ID_AVAILABLE: _BYTE,
    Prop.SHARED_AVAILABLE: _BYTE,
}

Properties = dict[int, object]
"""Property id to value; user properties (and repeated subscription ids) as a list."""


class MalformedPacket(ValueError):
    def __init__(self, message: str, reason: Reason = Reason.MALFORMED_PACKET) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Will:
    topic: str
    payload: bytes
    qos: int
    retain: bool
    properties: Properties = field(default_factory=dict)


@dataclass(frozen=True)
class Connect:
    version: int
    client_id: str
    clean_start: bool
    keep_alive: int
    username: str | None = None
    password: bytes | None = None
    will: Will | None = None
    properties: Properties = field(default_factory=dict)


@dataclass(frozen=True)
class Publish:
    topic: str
    payload: bytes
    qos: int = 0
    retain: bool = False
    dup: bool = False
    packet_id: int | None = None
    properties: Properties = field(default_factory=dict)


@dataclass(frozen=True)
class Subscription:
    topic_filter: str
    qos: int
    no_local: bool = False
    retain_handling: int = 0
    """MQTT 5: 0 send retained messages on subscribing, 1 only if new, 2 never."""


@dataclass(frozen=True)
class Subscribe:
    packet_id: int
    subscriptions: tuple[Subscription, ...]
    properties: Properties = field(default_factory=dict)


@dataclass(frozen=True)
class Unsubscribe:
    packet_id: int
    topic_filters: tuple[str, ...]


@dataclass(frozen=True)
class Ack:
    """PUBACK, PUBREC, PUBREL or PUBCOMP."""

    kind: Kind
    packet_id: int
    reason: int = Reason.SUCCESS


@dataclass(frozen=True)
class Ping:
    pass


@dataclass(frozen=True)
class Disconnect:
    reason: int = Reason.SUCCESS
    properties: Properties = field(default_factory=dict)


Inbound = Connect | Publish | Subscribe | Unsubscribe | Ack | Ping | Disconnect


async def read_packet(reader: asyncio.StreamReader, max_size: int) -> tuple[int, bytes]:
    """The next packet's first byte and body; a packet over `max_size` bytes is refused before
    its body is read."""
    head = await reader.readexactly(2)
    first, length, shift, digit = head[0], 0, 0, head[1]
    while True:
        length |= (digit & 0x7F) << shift
        if not digit & 0x80:
            break
        shift += 7
        if shift > 21:
            raise MalformedPacket("remaining length longer than four bytes")
        digit = (await reader.readexactly(1))[0]
    if length + 5 > max_size:
        raise MalformedPacket(f"a packet of {length} bytes", Reason.PACKET_TOO_LARGE)
    return first, await reader.readexactly(length) if length else b""


def take_packets(buffer: bytearray, max_size: int) -> list[tuple[int, bytes]]:
    """The complete packets at the start of `buffer` (first byte and body), removed from it;
    a partial one stays for the next read. A packet over `max_size` bytes is refused as soon
    as its length is known."""
    packets: list[tuple[int, bytes]] = []
    start, end = 0, len(buffer)
    while (header := _remaining_length(buffer, start + 1, end)) is not None:
        length, body = header
        if length + 5 > max_size:
            raise MalformedPacket(f"a packet of {length} bytes", Reason.PACKET_TOO_LARGE)
        if body + length > end:
            break
        packets.append((buffer[start], bytes(buffer[body : body + length])))
        start = body + length
    del buffer[:start]
    return packets


def _remaining_length(buffer: bytearray, pos: int, end: int) -> tuple[int, int] | None:
    """The length encoded at `pos` and where the body starts; None while it is incomplete."""
    length = 0
    for shift in range(0, 28, 7):
        if pos >= end:
            return None
        digit = buffer[pos]
        pos += 1
        length |= (digit & 0x7F) << shift
        if not digit & 0x80:
            return length, pos
    raise MalformedPacket("remaining length longer than four bytes")


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        value, digit = value >> 7, value & 0x7F
        out.append(digit | (0x80 if value else 0))
        if not value:
            return bytes(out)


class _Reader:
    """A cursor over one packet's body; running off its end is a malformed packet."""

    __slots__ = ("_data", "_pos")

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def take(self, size: int) -> bytes:
        end = self._pos + size
        if end > len(self._data):
            raise MalformedPacket("packet shorter than its fields")
        chunk = self._data[self._pos : end]
        self._pos = end
        return chunk

    def byte(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        value: int = struct.unpack("!H", self.take(2))[0]
        return value

    def u32(self) -> int:
        value: int = struct.unpack("!I", self.take(4))[0]
        return value

    def varint(self) -> int:
        value = 0
        for shift in range(0, 28, 7):
            digit = self.byte()
            value |= (digit & 0x7F) << shift
            if not digit & 0x80:
                return value
        raise MalformedPacket("variable byte integer longer than four bytes")

    def binary(self) -> bytes:
        return self.take(self.u16())

    def text(self) -> str:
        raw = self.binary()
        try:
            text = raw.decode()
        except UnicodeDecodeError:
            raise MalformedPacket("string is not UTF-8") from None
        if "\x00" in text:
            raise MalformedPacket("string holds U+0000")
        return text

    def rest(self) -> bytes:
        return self.take(len(self._data) - self._pos)

    @property
    def done(self) -> bool:
        return self._pos == len(self._data)

    def properties(self) -> Properties:
        body = _Reader(self.take(self.varint()))
        found: Properties = {}
        while not body.done:
            ident = body.varint()
            kind = _PROP_TYPES.get(ident)  # type: ignore[call-overload]
            if kind is None:
                raise MalformedPacket(f"unknown property 0x{ident:02x}")
            value = body._value(kind)
            if ident in (Prop.USER_PROPERTY, Prop.SUBSCRIPTION_ID):
                values = found.setdefault(ident, [])
                assert isinstance(values, list)
                values.append(value)
            elif ident in found:
                raise MalformedPacket(f"property 0x{ident:02x} given twice", Reason.PROTOCOL_ERROR)
            else:
                found[ident] = value
        return found

    def _value(self, kind: int) -> object:
        if kind == _BYTE:
            return self.byte()
        if kind == _U16:
            return self.u16()
        if kind == _U32:
            return self.u32()
        if kind == _VARINT:
            return self.varint()
        if kind == _TEXT:
            return self.text()
        if kind == _BINARY:
            return self.binary()
        return (self.text(), self.text())


def decode(first: int, body: bytes, version: int) -> Inbound:
    """One packet a client sent, from its first byte and body; `version` is the connection's
    protocol level (that of CONNECT itself is read from the packet)."""
    try:
        kind = Kind(first >> 4)
    except ValueError:
        raise MalformedPacket("reserved packet type", Reason.PROTOCOL_ERROR) from None
    flags = first & 0x0F
    reader = _Reader(body)
    if kind == Kind.PUBLISH:
        return _publish(flags, reader, version)
    expected = 0x02 if kind in (Kind.SUBSCRIBE, Kind.UNSUBSCRIBE, Kind.PUBREL) else 0
    if flags != expected:
        raise MalformedPacket(f"{kind.name} with reserved flags {flags:#x}")
    if kind == Kind.CONNECT:
        return _connect(reader)
    if kind in (Kind.PUBACK, Kind.PUBREC, Kind.PUBREL, Kind.PUBCOMP):
        packet_id = reader.u16()
        reason = reader.byte() if version == V5 and not reader.done else Reason.SUCCESS
        return Ack(kind, packet_id, reason)
    if kind == Kind.SUBSCRIBE:
        return _subscribe(reader, version)
    if kind == Kind.UNSUBSCRIBE:
        return _unsubscribe(reader, version)
    if kind == Kind.PINGREQ:
        return Ping()
    if kind == Kind.DISCONNECT:
        if version == V5 and not reader.done:
            reason = reader.byte()
            return Disconnect(reason, reader.properties() if not reader.done else {})
        return Disconnect()
    raise MalformedPacket(f"a client may not send {kind.name}", Reason.PROTOCOL_ERROR)


def _connect(reader: _Reader) -> Connect:
    name = reader.text()
    version = reader.byte()
    if name != "MQTT" or version not in (V311, V5):
        raise MalformedPacket(
            f"protocol {name!r} level {version}", Reason.UNSUPPORTED_PROTOCOL_VERSION
        )
    flags = reader.byte()
    if flags & 0x01:
        raise MalformedPacket("CONNECT reserved flag set")
    keep_alive = reader.u16()
    properties = reader.properties() if version == V5 else {}
    client_id = reader.text()
    will = None
    if flags & 0x04:
        will_properties = reader.properties() if version == V5 else {}
        will_qos = (flags >> 3) & 0x03
        if will_qos == 3:
            raise MalformedPacket("will QoS 3")
        will = Will(reader.text(), reader.binary(), will_qos, bool(flags & 0x20), will_properties)
    elif flags & 0x38:
        raise MalformedPacket("will QoS or retain without a will")
    username = reader.text() if flags & 0x80 else None
    password = reader.binary() if flags & 0x40 else None
    if not reader.done:
        raise MalformedPacket("bytes after the CONNECT payload")
    return Connect(
        version, client_id, bool(flags & 0x02), keep_alive, username, password, will, properties
    )


def _publish(flags: int, reader: _Reader, version: int) -> Publish:
    qos = (flags >> 1) & 0x03
    if qos == 3:
        raise MalformedPacket("PUBLISH with QoS 3")
    dup = bool(flags & 0x08)
    if dup and qos == 0:
        raise MalformedPacket("DUP set on a QoS 0 PUBLISH")
    topic = reader.text()
    packet_id = reader.u16() if qos else None
    if packet_id == 0:
        raise MalformedPacket("packet identifier 0")
    properties = reader.properties() if version == V5 else {}
    return Publish(topic, reader.rest(), qos, bool(flags & 0x01), dup, packet_id, properties)


def _subscribe(reader: _Reader, version: int) -> Subscribe:
    packet_id = reader.u16()
    properties = reader.properties() if version == V5 else {}
    found = []
    while not reader.done:
        topic_filter = reader.text()
        options = reader.byte()
        if options & (0xC0 if version == V5 else 0xFC) or options & 0x03 == 3:
            raise MalformedPacket(f"subscription options {options:#x}")
        found.append(Subscription(topic_filter, options & 0x03, bool(options & 0x04)))
    if not found:
        raise MalformedPacket("SUBSCRIBE without a topic filter", Reason.PROTOCOL_ERROR)
    return Subscribe(packet_id, tuple(found), properties)


def _unsubscribe(reader: _Reader, version: int) -> Unsubscribe:
    packet_id = reader.u16()
    if version == V5:
        reader.properties()
    filters = []
    while not reader.done:
        filters.append(reader.text())
    if not filters:
        raise MalformedPacket("UNSUBSCRIBE without a topic filter", Reason.PROTOCOL_ERROR)
    return Unsubscribe(packet_id, tuple(filters))


def _text(value: str) -> bytes:
    raw = value.encode()
    return struct.pack("!H", len(raw)) + raw


def _binary(value: bytes) -> bytes:
    return struct.pack("!H", len(value)) + value


def encode_properties(properties: Properties) -> bytes:
    body = bytearray()
    for ident, value in properties.items():
        values = value if isinstance(value, list) else [value]
        for one in values:
            body += varint(ident) + _encode_value(_PROP_TYPES[ident], one)  # type: ignore[index]
    return varint(len(body)) + body


def _encode_value(kind: int, value: object) -> bytes:
    if kind == _BYTE:
        return bytes([value])  # type: ignore[list-item]
    if kind == _U16:
        return struct.pack("!H", value)
    if kind == _U32:
        return struct.pack("!I", value)
    if kind == _VARINT:
        return varint(value)  # type: ignore[arg-type]
    if kind == _TEXT:
        return _text(value)  # type: ignore[arg-type]
    if kind == _BINARY:
        return _binary(value)  # type: ignore[arg-type]
    assert isinstance(value, tuple)
    return _text(value[0]) + _text(value[1])


def frame(kind: Kind, flags: int, body: bytes) -> bytes:
    return bytes([kind << 4 | flags]) + varint(len(body)) + body


def connect(request: Connect) -> bytes:
    """A client's CONNECT (FleetID's own, to an external broker; the tests' and bench's)."""
    flags = 0x02 if request.clean_start else 0
    if request.username is not None:
        flags |= 0x80
    if request.password is not None:
        flags |= 0x40
    will = request.will
    if will is not None:
        flags |= 0x04 | will.qos << 3 | (0x20 if will.retain else 0)
    body = _text("MQTT") + bytes([request.version, flags]) + struct.pack("!H", request.keep_alive)
    if request.version == V5:
        body += encode_properties(request.properties)
    body += _text(request.client_id)
    if will is not None:
        if request.version == V5:
            body += encode_properties(will.properties)
        body += _text(will.topic) + _binary(will.payload)
    if request.username is not None:
        body += _text(request.username)
    if request.password is not None:
        body += _binary(request.password)
    return frame(Kind.CONNECT, 0, body)


def subscribe(request: Subscribe, version: int) -> bytes:
    body = struct.pack("!H", request.packet_id)
    if version == V5:
        body += encode_properties(request.properties)
    for wanted in request.subscriptions:
        options = wanted.qos | (0x04 if wanted.no_local else 0)
        if version == V5:
            options |= wanted.retain_handling << 4
        body += _text(wanted.topic_filter) + bytes([options])
    return frame(Kind.SUBSCRIBE, 0x02, body)


def connack(version: int, reason: Reason, session_present: bool, properties: Properties) -> bytes:
    if version == V5:
        body = bytes([int(session_present), reason]) + encode_properties(properties)
    else:
        body = bytes([int(session_present), _V311_CONNACK.get(reason, 3)])
    return frame(Kind.CONNACK, 0, body)


_V311_CONNACK = {
    Reason.SUCCESS: 0,
    Reason.UNSUPPORTED_PROTOCOL_VERSION: 1,
    Reason.CLIENT_ID_NOT_VALID: 2,
    Reason.SERVER_UNAVAILABLE: 3,
    Reason.BAD_USERNAME_OR_PASSWORD: 4,
    Reason.NOT_AUTHORIZED: 5,
}


def publish(message: Publish, version: int) -> bytes:
    flags = message.dup << 3 | message.qos << 1 | message.retain
    body = bytearray(_text(message.topic))
    if message.qos:
        assert message.packet_id is not None
        body += struct.pack("!H", message.packet_id)
    if version == V5:
        body += encode_properties(message.properties)
    body += message.payload
    return frame(Kind.PUBLISH, flags, bytes(body))


def ack(kind: Kind, packet_id: int, version: int, reason: int = Reason.SUCCESS) -> bytes:
    body = struct.pack("!H", packet_id)
    if version == V5 and reason != Reason.SUCCESS:
        body += bytes([reason])
    return frame(kind, 0x02 if kind == Kind.PUBREL else 0, body)


def suback(packet_id: int, version: int, codes: list[int]) -> bytes:
    head = struct.pack("!H", packet_id) + (encode_properties({}) if version == V5 else b"")
    return frame(Kind.SUBACK, 0, head + bytes(codes))


def unsuback(packet_id: int, version: int, count: int) -> bytes:
    body = struct.pack("!H", packet_id)
    if version == V5:
        body += encode_properties({}) + bytes(count)
    return frame(Kind.UNSUBACK, 0, body)


PINGRESP = frame(Kind.PINGRESP, 0, b"")


def disconnect(version: int, reason: Reason) -> bytes | None:
    """A server's DISCONNECT: MQTT 3.1.1 has none, the connection is just closed."""
    if version != V5:
        return None
    return frame(Kind.DISCONNECT, 0, bytes([reason]) + encode_properties({}))
