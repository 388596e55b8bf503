"""The failure counts behind the limits on guessing, on SQLite and PostgreSQL: concurrent
failures from many threads (standing for workers and processes) never lose a count."""

import time
from concurrent.futures import ThreadPoolExecutor

from application.ports.security import FailureCount
from infrastructure.failed_attempts import SEEN_FOR, SqlFailureLog
from interfaces.bootstrap import FleetID

KEY = "a" * 64
OTHER = "b" * 64


def test_concurrent_failures_are_all_counted(fleet: FleetID) -> None:
    log = SqlFailureLog(fleet.reads, fleet.write_lock)

    def fail(at: float) -> None:
        log.record(KEY, at, 0.0)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(fail, [100.0 + i for i in range(200)]))

    count = log.count(KEY)
    assert count is not None
    assert count.failures == 200


def test_old_counts_start_again_or_are_deleted_and_a_cleared_one_is_gone(fleet: FleetID) -> None:
    log = SqlFailureLog(fleet.reads, fleet.write_lock)
    log.record(KEY, 100.0, 0.0)
    log.record(KEY, 101.0, 0.0)
    assert log.count(KEY) == FailureCount(2, 101.0)

    log.record(KEY, 500.0, 200.0)
    assert log.count(KEY) == FailureCount(1, 500.0)

    log.record(OTHER, 900.0, 600.0)
    assert log.count(KEY) is None
    assert log.count(OTHER) == FailureCount(1, 900.0)

    log.clear(KEY)
    assert log.count(KEY) is None


def test_a_process_sees_another_ones_failures_within_a_second(fleet: FleetID) -> None:
    """Each process keeps the count it read for SEEN_FOR seconds (the read cost more than the
    access check it guards); its own failures it sees at once, another's that much later."""
    here = SqlFailureLog(fleet.reads, fleet.write_lock)
    elsewhere = SqlFailureLog(fleet.reads, fleet.write_lock)
    assert here.count(KEY) is None

    here.record(KEY, 100.0, 0.0)
    elsewhere.record(KEY, 101.0, 0.0)
    assert here.count(KEY) == FailureCount(2, 101.0)

    elsewhere.record(KEY, 102.0, 0.0)
    time.sleep(SEEN_FOR)
    assert here.count(KEY) == FailureCount(3, 102.0)
