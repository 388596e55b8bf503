"""The read models' lag as a scrape reports it: read from the positions table and the log, so
any process reports the same figures, on SQLite and PostgreSQL."""

import time

from infrastructure.projection_lag import ProjectionLag
from infrastructure.projection_positions import ProjectionPositions
from infrastructure.schema import projection_positions
from interfaces.bootstrap import FleetID
from tests.integration.test_scale_out import register

LATER = 60.0


def lag_of(fleet: FleetID, clock: float) -> dict[tuple[str, str], float]:
    positions = ProjectionPositions(fleet.engine, ["users", "things"])
    lag = ProjectionLag(positions, fleet.raw_log, clock=lambda: clock)
    return {
        (sample.name, sample.labels["projection"]): sample.value
        for family in lag.collect()
        for sample in family.samples
    }


def test_an_up_to_date_projection_shows_no_lag(fleet: FleetID) -> None:
    register(fleet, "current@fleet.example")

    assert set(lag_of(fleet, time.time()).values()) == {0}


def test_a_projection_behind_the_log_shows_the_positions_and_age_it_is_behind(
    fleet: FleetID,
) -> None:
    register(fleet, "first@fleet.example")
    register(fleet, "second@fleet.example")
    last = fleet.raw_log.last_position()
    with fleet.engine.begin() as conn:
        conn.execute(
            projection_positions.update()
            .where(projection_positions.c.name == "users")
            .values(position=0)
        )

    lag = lag_of(fleet, time.time() + LATER)

    assert lag["fleetid_projection_lag_events", "users"] == last
    assert lag["fleetid_projection_lag_seconds", "users"] >= LATER - 5
    assert lag["fleetid_projection_lag_events", "things"] == 0
    assert lag["fleetid_projection_lag_seconds", "things"] == 0
