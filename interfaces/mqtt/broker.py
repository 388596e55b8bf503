"""FleetID's own MQTT broker (the embedded default), speaking MQTT 3.1.1 and 5.0.

Why not a general-purpose Python broker: the embedded one must make the identity a connection
authenticated the only identity its messages carry, refuse a takeover before authentication,
acknowledge a QoS 1 publish only once it is stored, and speak MQTT 5; amqtt 0.12 does none of
these (docs/architecture.md §7). So FleetID carries a small broker of its own, with exactly the
topics it serves (`application.mqtt_access`): no retained messages, no QoS 2, no shared
subscriptions.

Access is decided from the read model: at CONNECT, per publish, per subscription, and again for
every live connection and session whenever the log has moved on (a disable, a secret change or
a disconnect takes effect within `recheck_interval`).
"""

import asyncio
import logging
import time
from collections.abc import Callable
from uuid import UUID

from application.mqtt_access import MqttAccess
from application.ports.mqtt import SessionStore
from application.throttling import Throttle
from infrastructure.metrics import MQTT_CONNECTIONS
from interfaces.mqtt.connection import Connection
from interfaces.mqtt.limits import Limits
from interfaces.mqtt.packets import Connect, Prop, Publish, Reason
from interfaces.mqtt.router import Router
from interfaces.mqtt.sessions import Session
from interfaces.mqtt.topics import SubscriptionIndex

log = logging.getLogger(__name__)


class Broker:
    def __init__(
        self,
        access: MqttAccess,
        router: Router,
        position: Callable[[], int],
        limits: Limits | None = None,
        store: SessionStore | None = None,
        throttle: Throttle | None = None,
    ) -> None:
        """`position` is the read model's position in the log: when it moves, access is
        checked again for every connection and session. Persistent sessions are kept in
        `store`, when given, across restarts."""
        self.access = access
        self.router = router
        self.limits = limits or Limits()
        self._position = position
        self._store = store
        self._throttle = throttle
        self._sessions: dict[str, Session] = {}
        self._index: SubscriptionIndex[Session] = SubscriptionIndex()
        self._connections: set[Connection] = set()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._recheck: asyncio.Task[None] | None = None

    def authenticate(
        self, address: str, client_id: str, username: str | None, password: str
    ) -> UUID | None:
        """The thing a CONNECT authenticates; with a throttle, a refusal counts against the
        client's address, and an address that must wait is refused unchecked."""

        def check() -> UUID | None:
            return self.access.authenticate(client_id, username, password)

        return check() if self._throttle is None else self._throttle.admits(address, check)

    async def start(self, host: str, port: int) -> int:
        """Restore the stored sessions and listen; returns the port (useful with port 0)."""
        self._restore()
        await self.recheck()
        self._server = await asyncio.start_server(self._accept, host, port)
        self._recheck = asyncio.create_task(self._keep_checking())
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        """Stop accepting, tell every client the server is going (MQTT 5), and let each
        connection store and acknowledge what it has already read."""
        if self._server is not None:
            self._server.close()
        if self._recheck is not None:
            self._recheck.cancel()
        for connection in list(self._connections):
            connection.kick(Reason.SERVER_SHUTTING_DOWN)
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=30)
        if self._server is not None:
            await self._server.wait_closed()

    def _restore(self) -> None:
        if self._store is None:
            return
        wall, clock = time.time(), time.monotonic()
        for stored in self._store.load():
            left = wall - (stored.disconnected_at or wall)
            if left >= stored.expiry:
                self._store.forget(stored.client_id)
                continue
            session = Session(stored.client_id, stored.thing, self.limits.max_queued)
            session.expiry = stored.expiry
            session.disconnected_at = clock - left
            self._sessions[session.client_id] = session
            for topic_filter, qos, no_local in stored.subscriptions:
                session.subscriptions[topic_filter] = (qos, no_local)
                self._index.add(topic_filter, session)
        if self._sessions:
            log.info("restored %d MQTT sessions", len(self._sessions))

    def _persist(self, session: Session) -> None:
        """Keep a session that outlives its connection (and only such) in the store."""
        if self._store is None:
            return
        if session.expiry <= 0:
            self._store.forget(session.client_id)
            return
        subscriptions = [(f, qos, no_local) for f, (qos, no_local) in session.subscriptions.items()]
        left = None if session.connection is not None else time.time()
        self._store.save(session.client_id, session.thing, session.expiry, subscriptions, left)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = Connection(self, reader, writer)
        self._connections.add(connection)
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        MQTT_CONNECTIONS.inc()
        try:
            await connection.run()
        finally:
            MQTT_CONNECTIONS.dec()
            self._connections.discard(connection)
            self._tasks.discard(task)

    def attach(
        self, connection: Connection, client_id: str, thing: UUID, connect: Connect
    ) -> tuple[Session, bool]:
        """Give an authenticated connection its session; the one it replaces is disconnected.
        Returns the session and whether it was resumed."""
        earlier = self._sessions.get(client_id)
        if earlier is not None and earlier.connection is not None:
            earlier.connection.kick(Reason.SESSION_TAKEN_OVER)
            earlier.connection = None
        resumed = earlier is not None and not connect.clean_start and not earlier.expired()
        if earlier is not None and not resumed:
            self._forget(earlier)
            earlier = None
        session = earlier or Session(client_id, thing, self.limits.max_queued)
        session.expiry = self._expiry(connect)
        session.connection = connection
        session.disconnected_at = None
        self._sessions[client_id] = session
        if resumed:
            self._recheck_subscriptions(session)
        self._persist(session)
        return session, resumed

    async def detach(self, connection: Connection, *, will: bool) -> None:
        session = connection.session
        if session is None or session.connection is not connection:
            return
        session.connection = None
        session.disconnected_at = time.monotonic()
        if session.expiry <= 0:
            self._forget(session)
        else:
            self._persist(session)
        connect = connection.connect
        if will and connect is not None and connect.will is not None:
            await self._publish_will(session.thing, connect)

    async def _publish_will(self, thing: UUID, connect: Connect) -> None:
        will = connect.will
        assert will is not None
        try:
            outcome = await self.router.publish(thing, will.topic, will.payload, will.properties)
        except Exception:
            log.exception("thing %s: its will on %r could not be published", thing, will.topic)
            return
        for topic, payload in outcome.deliveries:
            self.route(topic, payload, will.qos, None)

    def subscribe(self, session: Session, topic_filter: str, qos: int, no_local: bool) -> None:
        session.subscriptions[topic_filter] = (qos, no_local)
        self._index.add(topic_filter, session)
        self._persist(session)

    def unsubscribe(self, session: Session, topic_filter: str) -> None:
        if session.subscriptions.pop(topic_filter, None) is not None:
            self._index.discard(topic_filter, session)
            self._persist(session)

    def listens(self, channel: str) -> bool:
        """Whether a session holds a subscription to a topic of this channel's messages."""
        return self._index.covers(f"channels/{channel}/messages")

    def route(self, topic: str, payload: bytes, qos: int, origin: Session | None) -> int:
        """Deliver to every session subscribed to `topic`, once per session (at the highest QoS
        of its matching subscriptions); how many sessions got it."""
        best: dict[Session, int] = {}
        for topic_filter, session in self._index.match(topic):
            granted, no_local = session.subscriptions[topic_filter]
            if no_local and session is origin:
                continue
            best[session] = max(best.get(session, 0), min(qos, granted))
        for session, level in best.items():
            message = Publish(topic, payload, level)
            if session.connection is not None:
                session.connection.deliver(message)
            elif level:
                session.enqueue(message)
        return len(best)

    def _expiry(self, connect: Connect) -> float:
        if connect.version == 5:
            asked = connect.properties.get(Prop.SESSION_EXPIRY, 0)
            seconds = float(asked) if isinstance(asked, int) else 0.0
        else:
            seconds = 0.0 if connect.clean_start else self.limits.max_session_expiry
        return min(seconds, self.limits.max_session_expiry)

    def _forget(self, session: Session) -> None:
        for topic_filter in session.subscriptions:
            self._index.discard(topic_filter, session)
        session.subscriptions.clear()
        if self._sessions.get(session.client_id) is session:
            del self._sessions[session.client_id]
            if self._store is not None:
                self._store.forget(session.client_id)

    async def _keep_checking(self) -> None:
        seen = self._position()
        while True:
            await asyncio.sleep(self.limits.recheck_interval)
            now = self._position()
            expired = [s for s in self._sessions.values() if s.expired()]
            for session in expired:
                self._forget(session)
            if now == seen:
                continue
            seen = now
            try:
                await self.recheck()
            except Exception:
                log.exception("checking live connections failed; next try at the next change")
                seen = -1

    async def recheck(self) -> None:
        """Apply the registry as it is now to every live connection and kept session, in a
        few queries whatever their number, run off the event loop. What changed meanwhile was
        checked when it changed (a CONNECT, a SUBSCRIBE) and is left alone."""
        live = [
            (connection, connection.session)
            for connection in list(self._connections)
            if connection.connect is not None and connection.session is not None
        ]
        credentials = {(session.thing, connection.password) for connection, session in live}
        held = {
            (session.thing, topic_filter)
            for session in self._sessions.values()
            for topic_filter in session.subscriptions
        }
        valid, allowed = await asyncio.to_thread(self._decide, credentials, held)
        for connection, session in live:
            if session.thing not in valid and connection.session is session:
                log.warning("client %s: no longer authorized, disconnecting it", session.client_id)
                connection.kick(Reason.NOT_AUTHORIZED)
        for session in list(self._sessions.values()):
            for topic_filter in list(session.subscriptions):
                pair = (session.thing, topic_filter)
                if pair in held and pair not in allowed:
                    self._drop_subscription(session, topic_filter)

    def _decide(
        self, credentials: set[tuple[UUID, str]], held: set[tuple[UUID, str]]
    ) -> tuple[set[UUID], set[tuple[UUID, str]]]:
        return self.access.still_connected(credentials), self.access.allowed_subscriptions(held)

    def _recheck_subscriptions(self, session: Session) -> None:
        for topic_filter in list(session.subscriptions):
            if not self.access.may_subscribe(session.thing, topic_filter):
                self._drop_subscription(session, topic_filter)

    def _drop_subscription(self, session: Session, topic_filter: str) -> None:
        log.warning(
            "client %s: subscription to %r no longer allowed, removed",
            session.client_id,
            topic_filter,
        )
        self.unsubscribe(session, topic_filter)
