"""The reset-request window on SQLite and PostgreSQL: of requests for one login at once, from
many threads (standing for workers), exactly one is first; after the window, one is again."""

from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from infrastructure.reset_requests import SqlResetRequests
from infrastructure.schema import reset_requests
from interfaces.bootstrap import FleetID

KEY = "a" * 64
WINDOW = 900.0


def test_of_requests_at_once_exactly_one_is_first(fleet: FleetID) -> None:
    requests = SqlResetRequests(fleet.engine, fleet.write_lock)
    with ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(lambda i: requests.first_since(KEY, 1000.0 + i / 100, WINDOW), range(64))
        )
    assert answers.count(True) == 1


def test_a_request_after_the_window_is_first_again_and_old_rows_go(fleet: FleetID) -> None:
    requests = SqlResetRequests(fleet.engine, fleet.write_lock)
    assert requests.first_since(KEY, 1000.0, WINDOW)
    assert not requests.first_since(KEY, 1000.0 + WINDOW - 1, WINDOW)
    assert requests.first_since("b" * 64, 1500.0, WINDOW)
    assert requests.first_since(KEY, 1000.0 + WINDOW + 1, WINDOW)
    assert requests.first_since("c" * 64, 5000.0, WINDOW)
    with fleet.engine.connect() as conn:
        kept = set(conn.execute(sa.select(reset_requests.c.key)).scalars())
    assert kept == {"c" * 64}
