"""What a publish topic addresses: a concrete `channels/{id}/messages[/subtopic]`, a module's
`from/module/{id}/...` or `to/module/{id}/...`, or nothing FleetID serves."""

from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from application.mqtt_topics import MAX_TOPIC, ChannelTopic, ModuleTopic, publish_target

KNOWN = "aecf0902-816d-4e38-a5b3-a1ad9a7cf9e8"
LEVELS = [
    "channels",
    "messages",
    KNOWN,
    KNOWN.upper(),
    "+",
    "#",
    "x",
    "",
    "a+b",
    "from",
    "to",
    "module",
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(LEVELS), min_size=1, max_size=6).map("/".join))
def test_a_topic_is_read_as_what_it_concretely_addresses(topic: str) -> None:
    levels = topic.split("/")
    no_wildcard = not set("+#") & set(topic)
    channel = levels[:3] == ["channels", KNOWN, "messages"] and no_wildcard
    module = (
        levels[:3] in (["from", "module", KNOWN], ["to", "module", KNOWN])
        and len(levels) > 3
        and "/".join(levels[3:]) != ""
        and no_wildcard
    )

    target = publish_target(topic)

    assert isinstance(target, ChannelTopic) is channel
    assert isinstance(target, ModuleTopic) is module
    if isinstance(target, ChannelTopic):
        assert target.channel == UUID(KNOWN)
        assert target.subtopic == (topic.split("/", 3)[3] if len(levels) > 3 else None)
    if isinstance(target, ModuleTopic):
        assert (target.module, target.inbound) == (UUID(KNOWN), levels[0] == "from")
        assert target.rest == topic.split("/", 3)[3]


def test_a_topic_longer_than_mqtt_takes_addresses_nothing() -> None:
    topic = f"channels/{KNOWN}/messages/" + "a" * MAX_TOPIC
    assert publish_target(topic) is None
    assert publish_target(topic[:MAX_TOPIC]) == ChannelTopic(UUID(KNOWN), "a" * (MAX_TOPIC - 55))
