"""Following the message store when rows appear out of id order: every row is delivered once,
and a missing id holds the watermark back until it appears or its wait is over."""

from hypothesis import given
from hypothesis import strategies as st

from interfaces.mqtt.http_feed import ArrivalOrder


def test_a_late_commit_below_newer_rows_is_still_delivered() -> None:
    order = ArrivalOrder(10, gap_wait=2.0)
    assert order.accept([11, 13], now=0.0) == {11, 13}
    assert order.watermark == 11
    assert order.accept([13], now=1.0) == set()
    assert order.accept([12, 13], now=1.5) == {12}
    assert order.watermark == 13


def test_an_id_that_never_appears_is_passed_over_after_its_wait() -> None:
    order = ArrivalOrder(0, gap_wait=2.0)
    order.accept([2, 3], now=0.0)
    assert order.watermark == 0
    order.accept([2, 3], now=1.9)
    assert order.watermark == 0
    order.accept([2, 3], now=2.0)
    assert order.watermark == 3


@given(st.permutations(list(range(1, 30))), st.integers(min_value=1, max_value=29))
def test_any_visibility_order_delivers_every_row_exactly_once(ids: list[int], batch: int) -> None:
    order = ArrivalOrder(0, gap_wait=1e9)
    visible: set[int] = set()
    delivered: list[int] = []
    for start in range(0, len(ids), batch):
        visible.update(ids[start : start + batch])
        above = sorted(i for i in visible if i > order.watermark)
        delivered.extend(order.accept(above, now=float(start)))
    assert sorted(delivered) == list(range(1, 30))
    assert order.watermark == 29
