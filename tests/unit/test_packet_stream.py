"""Splitting a byte stream from a broker into MQTT packets, however the reads cut it."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interfaces.mqtt import packets
from interfaces.mqtt.packets import V5, MalformedPacket, Publish, Reason

MAX = 1 << 20


def _stream(payloads: list[bytes]) -> bytes:
    return b"".join(
        packets.publish(Publish(f"channels/c/messages/{n}", p, 1, packet_id=n + 1), V5)
        for n, p in enumerate(payloads)
    )


@given(
    payloads=st.lists(st.binary(max_size=300), min_size=1, max_size=20),
    cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=30),
)
def test_packets_come_out_whole_and_in_order_wherever_the_reads_cut(
    payloads: list[bytes], cuts: list[int]
) -> None:
    stream = _stream(payloads)
    edges = sorted({0, len(stream), *(c % (len(stream) + 1) for c in cuts)})
    buffer, taken = bytearray(), []
    for start, end in itertools.pairwise(edges):
        buffer += stream[start:end]
        taken += packets.take_packets(buffer, MAX)
    assert not buffer
    decoded = [packets.decode(first, body, V5) for first, body in taken]
    assert [m.payload for m in decoded if isinstance(m, Publish)] == payloads
    assert [m.packet_id for m in decoded if isinstance(m, Publish)] == list(
        range(1, len(payloads) + 1)
    )


def test_a_partial_packet_waits_for_the_rest() -> None:
    whole = _stream([b"x" * 200])
    buffer = bytearray(whole[:-1])
    assert packets.take_packets(buffer, MAX) == []
    assert bytes(buffer) == whole[:-1]
    buffer += whole[-1:]
    assert len(packets.take_packets(buffer, MAX)) == 1


def test_a_packet_over_the_limit_is_refused_before_its_body_arrives() -> None:
    header = bytes([0x30]) + packets.varint(MAX)
    with pytest.raises(MalformedPacket) as refused:
        packets.take_packets(bytearray(header), MAX)
    assert refused.value.reason == Reason.PACKET_TOO_LARGE


def test_a_length_of_five_bytes_is_malformed() -> None:
    with pytest.raises(MalformedPacket, match="four bytes"):
        packets.take_packets(bytearray(b"\x30\xff\xff\xff\xff\x01"), MAX)
