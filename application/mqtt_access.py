"""Who may connect to the MQTT broker, and where each connection may publish and subscribe.

Every broker adapter asks these questions (the embedded broker's plugins, the files kept for
Mosquitto, the HTTP hooks of clustered brokers), so the answers are the same on every
deployment. A connection is a thing: username = its id, password = its secret, and client id
= its username, so no client can take over another's session. Decisions come from the read
model on every call: a disconnect, disable or secret change applies to the next packet.

Topics:
- `channels/{channel}/messages[/subtopic]`: publish with m_write, subscribe with m_read; the
  channel is always concrete (no wildcard), the subtopic may hold wildcards when subscribing;
- `from/module/{own id}/...`: a gateway's commands, publish only;
- `to/module/{own id}/...`: a gateway's acknowledgements, subscribe only.
"""

import re
from collections.abc import Collection
from uuid import UUID

from application.ports import BlindIndex, ConnectionViews, ThingViews
from application.things import secret_lookup

_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_LEVEL = r"(?:\+|[^#+/]*)"
"""One level of a topic filter: a whole-level `+`, or text without wildcards."""
_TAIL = rf"(?:/{_LEVEL})*(?:/#)?"
CHANNEL_TOPIC = re.compile(rf"channels/({_UUID})/messages(?:/([^#+\x00]*))?")
CHANNEL_FILTER = re.compile(rf"channels/({_UUID})/messages{_TAIL}")
MODULE_OUT = re.compile(rf"from/module/({_UUID})/[^#+]+")
MODULE_IN = re.compile(rf"to/module/({_UUID})(?:/{_LEVEL})*/(?:#|{_LEVEL})")
MODULE_ACK = re.compile(rf"to/module/{_UUID}/[^#+]+")
MAX_TOPIC = 1024


def thing_named(username: str | None) -> UUID | None:
    """The thing id a username spells (its canonical, lower-case form only). Brokers that ask
    per packet pass the username they authenticated at CONNECT, never one the client chose for
    the packet; whether that thing may still act is checked per packet."""
    if not username:
        return None
    try:
        thing = UUID(username)
    except ValueError:
        return None
    return thing if str(thing) == username else None


def service_may_publish(topic: str) -> bool:
    """Where FleetID's own account on an external broker publishes: packs accepted over HTTP,
    and gateways' acknowledgements. It reads nothing there when the broker posts to its hooks."""
    if len(topic) > MAX_TOPIC:
        return False
    return CHANNEL_TOPIC.fullmatch(topic) is not None or MODULE_ACK.fullmatch(topic) is not None


def channel_of(topic: str) -> UUID | None:
    """The channel a publish topic addresses, or None when it is not a channel topic."""
    found = CHANNEL_TOPIC.fullmatch(topic) if len(topic) <= MAX_TOPIC else None
    return UUID(found.group(1)) if found else None


def subtopic_of(topic: str) -> str | None:
    """What follows `channels/{id}/messages/` in a channel topic (`a/b`); None when nothing
    does, or when the topic is not a channel topic."""
    found = CHANNEL_TOPIC.fullmatch(topic) if len(topic) <= MAX_TOPIC else None
    return found.group(2) if found else None


def valid_subtopic(channel: UUID, subtopic: str) -> bool:
    """Whether a subtopic sent another way (an HTTP path) is one MQTT could carry on the
    channel's topic: no wildcard, no U+0000, the whole topic within MAX_TOPIC."""
    return subtopic_of(f"channels/{channel}/messages/{subtopic}") == subtopic


class MqttAccess:
    def __init__(self, things: ThingViews, connections: ConnectionViews, blind: BlindIndex) -> None:
        self._things = things
        self._connections = connections
        self._blind = blind

    def authenticate(
        self, client_id: str | None, username: str | None, password: str | None
    ) -> UUID | None:
        """The thing a CONNECT authenticates, or None: the username must be the id of the
        enabled thing holding the password as its secret, and the client id that username."""
        claimed = thing_named(username)
        if claimed is None or not password or client_id != username:
            return None
        holder = self._things.identify(secret_lookup(self._blind, password))
        return claimed if holder == claimed else None

    def may_publish(self, thing: UUID, topic: str) -> bool:
        if len(topic) > MAX_TOPIC:
            return False
        channel = channel_of(topic)
        if channel is not None:
            return self._has(thing, channel, "m_write")
        module = MODULE_OUT.fullmatch(topic)
        return module is not None and module.group(1) == str(thing) and self._enabled(thing)

    def may_subscribe(self, thing: UUID, topic_filter: str) -> bool:
        if len(topic_filter) > MAX_TOPIC:
            return False
        found = CHANNEL_FILTER.fullmatch(topic_filter)
        if found is not None:
            return self._has(thing, UUID(found.group(1)), "m_read")
        module = MODULE_IN.fullmatch(topic_filter)
        return module is not None and module.group(1) == str(thing) and self._enabled(thing)

    def still_connected(self, connections: Collection[tuple[UUID, str]]) -> set[UUID]:
        """Of these live connections (thing, password), the things that still hold that
        password and are enabled: all checked in one go, whenever the registry has moved."""
        lookups = {thing: secret_lookup(self._blind, password) for thing, password in connections}
        holders = self._things.holders(set(lookups.values()))
        return {thing for thing, lookup in lookups.items() if holders.get(lookup) == thing}

    def allowed_subscriptions(
        self, subscriptions: Collection[tuple[UUID, str]]
    ) -> set[tuple[UUID, str]]:
        """Of these (thing, topic filter) subscriptions, those allowed now: `may_subscribe` for
        many at once (a SUBSCRIBE's filters, or every session's when the registry moves)."""
        subscriptions = {(t, f) for t, f in subscriptions if len(f) <= MAX_TOPIC}
        readers = {thing for thing, _ in subscriptions}
        readable = self._connections.granted(readers, "m_read")
        enabled: dict[UUID, bool] = {}
        allowed = set()
        for thing, topic_filter in subscriptions:
            found = CHANNEL_FILTER.fullmatch(topic_filter)
            if found is not None:
                if (thing, UUID(found.group(1))) in readable:
                    allowed.add((thing, topic_filter))
                continue
            module = MODULE_IN.fullmatch(topic_filter)
            if module is not None and module.group(1) == str(thing):
                if thing not in enabled:
                    enabled[thing] = self._enabled(thing)
                if enabled[thing]:
                    allowed.add((thing, topic_filter))
        return allowed

    def _has(self, thing: UUID, channel: UUID, action: str) -> bool:
        access = self._connections.thing_access(thing, channel)
        return access is not None and access.permits(action)

    def _enabled(self, thing: UUID) -> bool:
        return self._things.is_enabled(thing)
