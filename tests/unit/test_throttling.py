"""How long a guesser waits: nothing for the allowed failures, then doubling up to the cap, and
nothing again once the last failure is old enough to be forgotten."""

from application.ports.security import FailureCount
from application.throttling import Limits, TooManyAttempts

LIMITS = Limits(
    identity_failures=5, client_failures=50, first_delay=1.0, max_delay=900.0, forget_after=3600
)
NOW = 1_000_000.0


def wait_after(failures: int, allowed: int = 5, ago: float = 0.0) -> float:
    return LIMITS.wait(allowed, FailureCount(failures, NOW - ago), NOW)


def test_the_allowed_failures_cost_no_wait() -> None:
    assert LIMITS.wait(5, None, NOW) == 0
    assert [wait_after(n) for n in range(5)] == [0.0] * 5


def test_each_further_failure_doubles_the_wait_up_to_the_cap() -> None:
    assert [wait_after(n) for n in range(5, 11)] == [1, 2, 4, 8, 16, 32]
    assert wait_after(15) == 900
    assert wait_after(10_000) == 900


def test_the_wait_runs_from_the_last_failure_and_old_failures_are_forgotten() -> None:
    assert wait_after(7, ago=1.5) == 2.5
    assert wait_after(7, ago=10) <= 0
    assert wait_after(100, ago=3601) == 0


def test_retry_after_is_whole_seconds_rounded_up() -> None:
    assert TooManyAttempts(0.2).retry_after == 1
    assert TooManyAttempts(2.01).retry_after == 3
