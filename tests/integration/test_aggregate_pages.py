"""An aggregation page folded from the newest windows only is the page folded from every row:
hypothesis draws records with gaps between windows, several series, any offset and limit, and
the database's answer is checked against the same fold done here."""

import math
from collections import defaultdict
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.ports.messages import MessageFilter
from domain.senml import Measurement
from infrastructure.message_views import SqlMessageViews
from interfaces.bootstrap import FleetID

Record = tuple[str, float, float]
"""name, time, value"""

records = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c"]),
        st.one_of(st.integers(0, 40), st.integers(500, 520)).map(lambda t: 1_000_000.0 + t * 7),
        st.integers(-50, 50).map(float),
    ),
    min_size=0,
    max_size=60,
)


def expected(
    rows: list[Record], interval: float, offset: int, limit: int
) -> list[tuple[str, float, float]]:
    series: defaultdict[tuple[str, float], list[float]] = defaultdict(list)
    for name, time, value in rows:
        series[(name, math.floor(time / interval) * interval)].append(value)
    ordered = sorted(series.items(), key=lambda item: (-item[0][1], item[0][0]))
    return [(name, window, sum(v) / len(v)) for (name, window), v in ordered][
        offset : offset + limit
    ]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=records,
    interval=st.sampled_from([7.0, 60.0, 3600.0]),
    offset=st.integers(0, 30),
    limit=st.integers(1, 12),
)
def test_a_page_of_windows_is_the_fold_of_every_row(
    fleet: FleetID, rows: list[Record], interval: float, offset: int, limit: int
) -> None:
    channel, publisher = uuid4(), uuid4()
    if rows:
        measured = [Measurement(name, "Cel", time, value=value) for name, time, value in rows]
        fleet.message_writer.append(channel, publisher, "http", 0.0, measured).result()
    page = SqlMessageViews(fleet.reads).aggregate(
        MessageFilter(channel, offset=offset, limit=limit), "avg", interval
    )
    want = expected(rows, interval, offset, limit)
    got = [(p.name, p.time, p.value) for p in page.points]
    assert [(n, t) for n, t, _ in got] == [(n, t) for n, t, _ in want]
    assert [v for _, _, v in got] == pytest.approx([v for _, _, v in want])
    assert page.total == len({(n, math.floor(t / interval)) for n, t, _ in rows})


@pytest.mark.parametrize("time", [1.7e308, -1.7e308, 5e-324])
def test_extreme_times_fold_without_error(fleet: FleetID, time: float) -> None:
    """Times at the doubles' ends, the shortest interval the API takes (1s): the newest
    windows' start is still a finite number on both databases."""
    channel = uuid4()
    record = Measurement("edge", None, time, value=1.0)
    fleet.message_writer.append(channel, uuid4(), "http", 0.0, [record]).result()
    page = SqlMessageViews(fleet.reads).aggregate(MessageFilter(channel), "count", 1.0)
    assert page.total == 1
    assert [(p.name, p.value) for p in page.points] == [("edge", 1.0)]
