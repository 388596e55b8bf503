"""The writer process of `fleetid serve`: it alone commits the log and applies the projections.

The HTTP workers and the MQTT process send it their saves (`infrastructure/writer_service`);
why one process and not the leader among the workers is in docs/architecture.md.
"""

import logging
import os
import signal
import tempfile
import threading
from dataclasses import replace
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from infrastructure.event_store import GroupCommitWriter
from infrastructure.logging_config import configure_logging
from infrastructure.private_files import private_dir
from infrastructure.settings import Settings
from infrastructure.writer_service import WriterService
from interfaces import child_process
from interfaces.bootstrap import build

log = logging.getLogger(__name__)

MAX_SOCKET_PATH = 100
"""Unix socket paths are limited to 107 bytes on Linux (104 on BSDs); a margin below both."""


def socket_path(settings: Settings) -> Path:
    """Beside the data (`run/writer.sock`), unless that path is too long for a socket."""
    path = private_dir(private_dir(settings.data_dir) / "run") / "writer.sock"
    if len(str(path).encode()) <= MAX_SOCKET_PATH:
        return path
    return Path(tempfile.mkdtemp(prefix="fleetid-writer-")) / "writer.sock"


def start_process(settings: Settings) -> tuple[BaseProcess, Settings] | None:
    """Start the writer, wait until it has caught the read models up and listens; return it
    and the settings of the processes that commit through it (None if it could not start)."""
    path = socket_path(settings)
    process, answer = child_process.start("the writer process", _child, (settings, path))
    if answer != path:
        return None
    return process, replace(settings, writer_socket=str(path))


def _child(settings: Settings, path: Path, ready: Connection) -> None:
    configure_logging(settings.log_format)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        fleet = build(replace(settings, writer_socket=""))
    except Exception as error:
        log.exception("the writer process could not open the database")
        ready.send(f"{type(error).__name__}: {error}")
        return
    try:
        if not isinstance(fleet.writer, GroupCommitWriter) or not fleet.projections.leading:
            ready.send("another process applies the projections (stop it first)")
            return
        service = WriterService(fleet.writer, path, lambda: fleet.projections.position)
        try:
            service.start()
        except OSError as error:
            ready.send(f"cannot listen on {path}: {error}")
            return
        ready.send(path)
        log.info("writer process %d listening on %s", os.getpid(), path)
        stop.wait()
        service.close()
    finally:
        fleet.close()
