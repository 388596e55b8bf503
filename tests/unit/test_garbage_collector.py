import gc
import threading

from infrastructure.garbage_collector import collector_paused


def test_the_collector_is_paused_inside_and_back_after() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_an_exception_inside_still_resumes_the_collector() -> None:
    try:
        with collector_paused():
            raise ValueError("batch failed")
    except ValueError:
        pass
    assert gc.isenabled()


def test_overlapping_pauses_resume_only_when_the_last_one_ends() -> None:
    inside = threading.Event()
    leave = threading.Event()

    def other_batch() -> None:
        with collector_paused():
            inside.set()
            leave.wait(5)

    thread = threading.Thread(target=other_batch)
    thread.start()
    inside.wait(5)
    with collector_paused():
        pass
    assert not gc.isenabled(), "the other thread's batch is still running"
    leave.set()
    thread.join(5)
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
