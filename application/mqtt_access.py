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

from application.mqtt_topics import (
    MAX_TOPIC,
    UUID_PATTERN,
    ChannelTopic,
    ModuleTopic,
    channel_topic,
    publish_target,
)
from application.ports.connections import ConnectionViews
from application.ports.security import BlindIndex
from application.ports.things import ThingViews
from application.things import secret_lookup
from domain.policies import READ

_LEVEL = r"(?:\+|[^#+/]*)"
"""One level of a topic filter: a whole-level `+`, or text without wildcards."""
_TAIL = rf"(?:/{_LEVEL})*(?:/#)?"
CHANNEL_FILTER = re.compile(rf"channels/({UUID_PATTERN})/messages{_TAIL}")
MODULE_IN = re.compile(rf"to/module/({UUID_PATTERN})(?:/{_LEVEL})*/(?:#|{_LEVEL})")


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
    target = publish_target(topic)
    return isinstance(target, ChannelTopic) or (
        isinstance(target, ModuleTopic) and not target.inbound
    )


def valid_subtopic(channel: UUID, subtopic: str) -> bool:
    """Whether a subtopic sent another way (an HTTP path) is one MQTT could carry on the
    channel's topic: no wildcard, no U+0000, the whole topic within MAX_TOPIC."""
    target = publish_target(channel_topic(channel, subtopic))
    return isinstance(target, ChannelTopic) and target.subtopic == subtopic


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
        target = publish_target(topic)
        if isinstance(target, ChannelTopic):
            access = self._connections.thing_access(thing, target.channel)
            return access is not None and access.may_publish
        return self.may_command(thing, target)

    def may_command(self, thing: UUID, target: ChannelTopic | ModuleTopic | None) -> bool:
        """A gateway publishes commands under its own id only, while it is enabled."""
        return (
            isinstance(target, ModuleTopic)
            and target.inbound
            and target.module == thing
            and self._enabled(thing)
        )

    def may_subscribe(self, thing: UUID, topic_filter: str) -> bool:
        if len(topic_filter) > MAX_TOPIC:
            return False
        found = CHANNEL_FILTER.fullmatch(topic_filter)
        if found is not None:
            access = self._connections.thing_access(thing, UUID(found.group(1)))
            return access is not None and access.permits(READ)
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
        readable = self._connections.granted(readers, READ)
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

    def _enabled(self, thing: UUID) -> bool:
        return self._things.is_enabled(thing)
