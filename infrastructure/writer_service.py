"""The writer process's socket: every worker's saves reach one group commit and one projector.

With several processes each committing its own saves, the one applying the projections read
the others' events back from the log, and their commands waited for it by polling: writes got
slower as workers were added (docs/architecture.md, "The writer process"). Here each worker's
saves join the same `GroupCommitWriter` as if they were local; its `on_commit` applies them from
memory, and the caller is answered once they are visible, with the position applied by then.

A thread per connection reads requests (workers are few); replies go out from the commit
thread, under each connection's send lock.
"""

import contextlib
import logging
import os
import socket
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

from eventsourcing.persistence import InterfaceError, OperationalError

from application.ports.storage import StaleWrite
from infrastructure import writer_protocol as wire
from infrastructure.event_store import GroupCommitWriter
from infrastructure.writer_protocol import Reply, Request

log = logging.getLogger(__name__)

BACKLOG = 64


class WriterService:
    def __init__(self, writer: GroupCommitWriter, path: Path, applied: Callable[[], int]) -> None:
        """`applied()` is how far the projections have applied, read as each reply goes out."""
        self._writer = writer
        self._path = path
        self._applied = applied
        self._listener: socket.socket | None = None
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        """Listen (a stale socket file of a killed run is replaced) and accept in a thread."""
        with contextlib.suppress(FileNotFoundError):
            self._path.unlink()
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(self._path))
        os.chmod(self._path, 0o600)
        listener.listen(BACKLOG)
        self._listener = listener
        threading.Thread(target=self._accept, name="writer-accept", daemon=True).start()

    def close(self) -> None:
        """Stop taking requests; what was submitted is committed by the writer's own close."""
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            connections, self._connections = self._connections, set()
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RD)
        with contextlib.suppress(FileNotFoundError):
            self._path.unlink()

    def _accept(self) -> None:
        listener = self._listener
        while listener is not None:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with self._lock:
                self._connections.add(conn)
            threading.Thread(
                target=self._serve, args=(conn,), name="writer-connection", daemon=True
            ).start()

    def _serve(self, conn: socket.socket) -> None:
        sending = threading.Lock()
        try:
            while (request := wire.receive_request(conn)) is not None:
                self._submit(conn, sending, request)
        except (OSError, ValueError) as error:
            log.warning("a writer connection failed: %s", error)
        finally:
            with self._lock:
                self._connections.discard(conn)
            conn.close()

    def _submit(self, conn: socket.socket, sending: threading.Lock, request: Request) -> None:
        try:
            future = self._writer.submit_stored(request.stored())
        except Exception as error:  # an event this build cannot decode: that caller's fault
            log.exception("a save could not be decoded")
            self._reply(conn, sending, Reply(request.id, "failed", message=str(error)))
            return
        future.add_done_callback(lambda done: self._answer(conn, sending, request.id, done))

    def _answer(
        self, conn: socket.socket, sending: threading.Lock, request_id: int, done: Future[int]
    ) -> None:
        error = done.exception()
        if error is None:
            reply = Reply(request_id, "ok", done.result(), self._applied())
        elif isinstance(error, StaleWrite):
            reply = Reply(request_id, "stale", message=str(error))
        elif isinstance(error, OperationalError | InterfaceError):
            reply = Reply(request_id, "unavailable", message=str(error))
        else:
            reply = Reply(request_id, "failed", message=f"{type(error).__name__}: {error}")
        self._reply(conn, sending, reply)

    @staticmethod
    def _reply(conn: socket.socket, sending: threading.Lock, reply: Reply) -> None:
        """A caller that went away loses only its answer: its save stands."""
        with sending, contextlib.suppress(OSError):
            wire.send(conn, reply)
