"""The directory where the processes of one `fleetid serve` run keep their metrics.

prometheus_client's multi-process mode: a process that starts with PROMETHEUS_MULTIPROC_DIR set
writes its values to memory-mapped files there, one set per pid, and whichever process answers
a scrape merges them all (infrastructure/metrics_exposition.py). The variable must be set before
the process imports prometheus_client, so `fleetid serve` sets it before it starts the HTTP
workers and the MQTT broker's process, which start afresh (spawned) and inherit it.
"""

import os
from pathlib import Path

from prometheus_client.multiprocess import mark_process_dead

from infrastructure.private_files import private_dir

VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def start_run(data_dir: Path) -> Path:
    """Empty `data_dir/metrics` and name it in this process's environment, for the processes
    it starts next. An earlier run's files go: their processes are gone, and Prometheus reads
    counters that start again from zero as a restart."""
    directory = private_dir(data_dir / "metrics")
    for stale in directory.iterdir():
        if stale.is_file():
            stale.unlink()
    os.environ[VARIABLE] = str(directory)
    return directory


def shared_dir() -> str | None:
    """The run's directory, when this process belongs to one."""
    return os.environ.get(VARIABLE) or None


def process_ended(pid: int) -> None:
    """Forget the live gauges of a process that stopped, so the merged value no longer counts
    it; its counters and histograms stay, so totals never go back."""
    directory = shared_dir()
    if directory is not None:
        mark_process_dead(pid, directory)


def this_process_ends() -> None:
    """`process_ended` for the calling process, as its last act (an HTTP worker's shutdown)."""
    process_ended(os.getpid())
