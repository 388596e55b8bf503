"""The background worker's process under `fleetid serve`. It takes up every batch with work
to do (application/issuance.py), resumes what a crash interrupted, and makes the certificates
on `FLEETID_ISSUE_WORKERS` worker processes (one per core by default); and it does the
digital twins' mass operations (application/twin_operator.py). It saves through the writer
process like any other process's commands."""

import asyncio
import contextlib
import logging
import os
import signal
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from infrastructure.certificate_maker import PoolMaker
from infrastructure.keyfiles import random_key
from infrastructure.logging_config import configure_logging
from infrastructure.settings import Settings
from interfaces import child_process
from interfaces.aggregates import BATCHES, MASS_OPERATIONS
from interfaces.bootstrap import build

log = logging.getLogger(__name__)

IDLE_SECONDS = 0.1
"""How often an idle issuer looks for new batches (one indexed query): the longest an order
waits to start."""


def start_process(settings: Settings) -> BaseProcess | None:
    process, answer = child_process.start("the batch issuer", _child, (settings,))
    return process if isinstance(answer, int) else None


def _child(settings: Settings, ready: Connection) -> None:
    configure_logging(settings.log_format)
    keys = settings.data_dir / "keys"
    maker = PoolMaker(
        settings.issue_workers or os.cpu_count() or 1,
        settings.effective_database_url,
        random_key(keys / "signing-keys.key"),
        random_key(keys / "issued-keys.key"),
    )
    maker.warm_up()
    fleet = build(settings, ports={"certificate_maker": maker})
    issuer = fleet[BATCHES].issuer
    operator = fleet[MASS_OPERATIONS].operator

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        ready.send(os.getpid())
        while not stop.is_set():
            busy = 0
            for name, work in (
                ("issuing", issuer.run_once),
                ("mass operations", operator.run_once),
            ):
                try:
                    busy += await work()
                except Exception:  # what fails now is retried, the rest goes on
                    log.exception("%s failed; trying again", name)
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), IDLE_SECONDS)

    try:
        asyncio.run(main())
    finally:
        maker.close()
        fleet.close()
