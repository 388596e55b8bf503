"""Which MQTT topics name a channel: only concrete `channels/{id}/messages[/subtopic]`."""

from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from application.mqtt_access import channel_of

KNOWN = "aecf0902-816d-4e38-a5b3-a1ad9a7cf9e8"
LEVELS = ["channels", "messages", KNOWN, KNOWN.upper(), "+", "#", "x", "", "a+b", "from", "module"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(LEVELS), min_size=1, max_size=6).map("/".join))
def test_a_topic_names_a_channel_exactly_when_it_is_a_concrete_channel_topic(topic: str) -> None:
    levels = topic.split("/")
    concrete = levels[:3] == ["channels", KNOWN, "messages"] and not set("+#") & set(topic)

    assert (channel_of(topic) == UUID(KNOWN)) is concrete
    assert channel_of(topic) in (None, UUID(KNOWN))
