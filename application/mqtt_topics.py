"""The topics a thing publishes to, parsed once into what they address.

- `channels/{channel}/messages[/subtopic]`: telemetry on a channel; the subtopic holds no
  wildcard and no U+0000;
- `from/module/{module}/{command}`: a gateway's command (application/identity_module.py reads
  the command);
- `to/module/{module}/{ack}`: a gateway's acknowledgement, which only FleetID publishes.

Ids are canonical lower-case UUIDs, as things are named. Every part of FleetID that reads a
publish topic (the router, the access rules, the broker hooks, the identity module) reads it
here, so they cannot disagree on what a topic means.
"""

import re
from dataclasses import dataclass
from uuid import UUID

UUID_PATTERN = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
MAX_TOPIC = 1024
_CHANNEL = re.compile(rf"channels/({UUID_PATTERN})/messages(?:/([^#+\x00]*))?")
_MODULE = re.compile(rf"(from|to)/module/({UUID_PATTERN})/([^#+]+)")


@dataclass(frozen=True)
class ChannelTopic:
    channel: UUID
    subtopic: str | None
    """What follows `messages/` (`a/b`); None when nothing does."""


@dataclass(frozen=True)
class ModuleTopic:
    module: UUID
    rest: str
    """What follows the module's id (`action/identity/create&ack=all`)."""
    inbound: bool
    """True for `from/module/...` (the gateway's commands), False for `to/module/...`."""


def publish_target(topic: str) -> ChannelTopic | ModuleTopic | None:
    """What a publish topic addresses; None for any topic FleetID does not serve."""
    if len(topic) > MAX_TOPIC:
        return None
    channel = _CHANNEL.fullmatch(topic)
    if channel is not None:
        return ChannelTopic(UUID(channel.group(1)), channel.group(2))
    module = _MODULE.fullmatch(topic)
    if module is not None:
        return ModuleTopic(UUID(module.group(2)), module.group(3), module.group(1) == "from")
    return None


def channel_topic(channel: UUID, subtopic: str | None = None) -> str:
    return f"channels/{channel}/messages" + (f"/{subtopic}" if subtopic is not None else "")
