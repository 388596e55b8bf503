"""The processes `fleetid serve` runs beside its HTTP workers: spawned, waited for, stopped.

A child is spawned, not forked (each imports prometheus_client afresh, see `cli._serve`), gets
its settings and a pipe, and sends on the pipe what it serves once it is ready (a port, a
path), or a str saying why it could not start.
"""

import sys
from collections.abc import Callable
from multiprocessing import get_context
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from infrastructure.metrics_dir import process_ended

READY_TIMEOUT = 120.0


def start(
    name: str, target: Callable[..., None], args: tuple[Any, ...]
) -> tuple[BaseProcess, object]:
    """Start `target(*args, ready)` and wait for what it sends on `ready`: (process, answer).
    An answer that is a str says why the child could not start; it is then stopped."""
    spawn = get_context("spawn")
    parent, child = spawn.Pipe(duplex=False)
    process = spawn.Process(target=target, args=(*args, child), name=name, daemon=False)
    process.start()
    child.close()
    try:
        answer = parent.recv() if parent.poll(READY_TIMEOUT) else "did not start in time"
    except EOFError:
        answer = "exited before it was ready"
    if isinstance(answer, str):
        print(f"fleetid: {name} could not start: {answer}", file=sys.stderr)
        stop(process)
    return process, answer


def stop(process: BaseProcess, timeout: float = 60.0) -> None:
    """SIGTERM, then SIGKILL if it hangs; its live gauges go with it, however it ended."""
    if process.is_alive():
        process.terminate()
    process.join(timeout)
    if process.is_alive():
        process.kill()
        process.join(timeout)
    if process.pid is not None:
        process_ended(process.pid)


Ready = Connection
"""The pipe end a child sends its readiness (or the reason it failed) on."""
