"""A bare MQTT client over a socket, for what library clients will not send: forged DUPs,
taken client ids, malformed and oversized packets."""

import socket

from interfaces.mqtt import packets
from interfaces.mqtt.packets import Connect, Kind, Publish

BAD_CREDENTIALS = {packets.V311: 4, packets.V5: 0x86}
"""CONNACK's answer to a wrong username or password."""


def connect_packet(
    client_id: str,
    username: str | None,
    password: str | None,
    version: int = packets.V311,
    session_expiry: int | None = None,
    will: packets.Will | None = None,
) -> bytes:
    """Clean, unless `session_expiry` asks for a session that outlives the connection."""
    secret = password.encode() if password is not None else None
    clean = session_expiry is None
    properties: packets.Properties = {}
    if not clean and version == packets.V5:
        properties[packets.Prop.SESSION_EXPIRY] = session_expiry
    return packets.connect(
        Connect(version, client_id, clean, 60, username, secret, will, properties)
    )


class RawClient:
    def __init__(self, port: int, version: int = packets.V311, timeout: float = 5.0) -> None:
        self.version = version
        self.session_present = False
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)

    def close(self) -> None:
        self.sock.close()

    def connect(
        self,
        client_id: str,
        username: str | None,
        password: str | None,
        session_expiry: int | None = None,
        will: packets.Will | None = None,
    ) -> int:
        """The CONNACK's return (3.1.1) or reason (5) code; `session_present` its flag."""
        self.send(connect_packet(client_id, username, password, self.version, session_expiry, will))
        kind, body = self.read()
        assert kind == Kind.CONNACK
        self.session_present = bool(body[0] & 1)
        return body[1]

    def subscribe(self, topic_filter: str, packet_id: int = 1) -> int:
        """The SUBACK's code for the one filter."""
        request = packets.Subscribe(packet_id, (packets.Subscription(topic_filter, 1),))
        self.send(packets.subscribe(request, self.version))
        kind, body = self.read()
        assert kind == Kind.SUBACK
        return body[-1]

    def publish(
        self, topic: str, payload: bytes, qos: int = 1, packet_id: int = 1, dup: bool = False
    ) -> None:
        message = Publish(topic, payload, qos, dup=dup, packet_id=packet_id if qos else None)
        self.send(packets.publish(message, self.version))

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read(self) -> tuple[int, bytes]:
        """The next packet's type and body; (0, b"") once the server has closed."""
        head = self._exactly(1)
        if not head:
            return 0, b""
        length, shift = 0, 0
        while True:
            digit = self._exactly(1)[0]
            length |= (digit & 0x7F) << shift
            shift += 7
            if not digit & 0x80:
                break
        return head[0] >> 4, self._exactly(length)

    def closed(self) -> bool:
        """Whether the server closes the connection (after any packets it sends first)."""
        while True:
            try:
                kind, _ = self.read()
            except (TimeoutError, OSError):
                return False
            if kind == 0:
                return True

    def _exactly(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            try:
                chunk = self.sock.recv(size - len(data))
            except ConnectionResetError:
                return b""
            if not chunk:
                return b""
            data += chunk
        return data
