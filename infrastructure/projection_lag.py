"""How far each read model is behind the event log, measured when metrics are scraped.

Read from the database, not from a process's memory: the positions table and the log are what
every process shares, so any worker answering a scrape gives the same figures, and a leader that
has stalled shows as lag even though no process is counting.
"""

import time
from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client.metrics_core import GaugeMetricFamily, Metric

from infrastructure.log_entries import entry_of
from infrastructure.projection_positions import ProjectionPositions
from infrastructure.raw_log import RawLog


class ProjectionLag:
    """A prometheus_client collector: per projection, the log positions it has not applied
    (`fleetid_projection_lag_events`) and how long ago the first of them was recorded
    (`fleetid_projection_lag_seconds`); both 0 when it is up to date."""

    def __init__(
        self,
        positions: ProjectionPositions,
        log: RawLog,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._positions = positions
        self._log = log
        self._clock = clock

    def collect(self) -> Iterator[Metric]:
        applied = self._positions.load()
        last = self._log.last_position()
        waiting = {position: self._recorded_after(position) for position in set(applied.values())}
        now = self._clock()
        events = GaugeMetricFamily(
            "fleetid_projection_lag_events",
            "Log positions the projection has not applied yet",
            labels=["projection"],
        )
        seconds = GaugeMetricFamily(
            "fleetid_projection_lag_seconds",
            "Age of the oldest event the projection has not applied yet",
            labels=["projection"],
        )
        for name, position in sorted(applied.items()):
            events.add_metric([name], max(0, last - position))
            oldest = waiting[position]
            seconds.add_metric([name], 0.0 if oldest is None else max(0.0, now - oldest))
        yield events
        yield seconds

    def _recorded_after(self, position: int) -> float | None:
        """When the first event after `position` was recorded (seconds since the epoch); None
        when there is none."""
        following = self._log.after(position, 1)
        if not following:
            return None
        recorded_at = entry_of(following[0]).recorded_at
        return None if recorded_at is None else datetime.fromisoformat(recorded_at).timestamp()
