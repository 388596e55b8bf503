"""The event writer of a process whose saves the writer process commits (`writer_service`).

It maps each save's events as the local writer would (sealing included), sends them, and
resolves the caller's future from the reply: the position of the save's last event, or the
error the local writer would have raised. The writer answers after applying the projections,
so on success this process's read models are known to be at least where the reply says, and
its own process-local reactions (cache drops) have run: its caller reads its write at once.
"""

import contextlib
import itertools
import logging
import socket
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from eventsourcing.domain import Aggregate, DomainEventProtocol

from application.ports.storage import StaleWrite, WriterUnavailable
from infrastructure import writer_protocol as wire
from infrastructure.event_store import EventLog
from infrastructure.writer_protocol import Reply, Request

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 5.0

Adopt = Callable[[Sequence[DomainEventProtocol[UUID]], int], None]
"""Told of a save's events once committed, and of the position the projections applied."""


@dataclass
class _Pending:
    future: Future[int]
    aggregates: tuple[Aggregate, ...]
    events: Sequence[DomainEventProtocol[UUID]]


class RemoteWriter:
    """One connection per process, shared by its callers and reopened after a failure; a
    thread reads the replies. Requests on a connection that fails get `WriterUnavailable`."""

    def __init__(self, path: Path, log: EventLog, adopt: Adopt) -> None:
        self._path = path
        self._log = log
        self._adopt = adopt
        self._ids = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        self._conn: socket.socket | None = None
        self._lock = threading.Lock()

    def submit(self, *aggregates: Aggregate) -> Future[int]:
        """As `GroupCommitWriter.submit`."""
        events = [e for a in aggregates for e in a.collect_events()]
        future: Future[int] = Future()
        if not events:
            future.set_result(0)
            return future
        stored = [self._log.mapper.to_stored_event(e) for e in events]
        failure: OSError | None = None
        with self._lock:
            request_id = next(self._ids)
            self._pending[request_id] = _Pending(future, aggregates, events)
            conn = self._conn
            try:
                conn = self._connection()
                wire.send(conn, Request.of(request_id, stored))
            except OSError as error:
                failure = error
        if failure is not None:
            self._lost(conn, f"the writer process is unreachable: {failure}")
        return future

    def close(self) -> None:
        with self._lock:
            conn = self._conn
        if conn is not None:
            self._lost(conn, "the writer connection was closed")

    def _connection(self) -> socket.socket:
        """The open connection, or a new one (the caller holds the lock)."""
        if self._conn is not None:
            return self._conn
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.settimeout(CONNECT_TIMEOUT)
        try:
            conn.connect(str(self._path))
        except OSError:
            conn.close()
            raise
        conn.settimeout(None)
        self._conn = conn
        threading.Thread(
            target=self._receive, args=(conn,), name="writer-replies", daemon=True
        ).start()
        return conn

    def _receive(self, conn: socket.socket) -> None:
        reason = "the writer process closed the connection"
        try:
            while (reply := wire.receive_reply(conn)) is not None:
                with self._lock:
                    pending = self._pending.pop(reply.id, None)
                if pending is not None:
                    self._settle(pending, reply)
        except (OSError, ValueError) as error:
            reason = f"the writer connection failed: {error}"
        self._lost(conn, reason)

    def _settle(self, pending: _Pending, reply: Reply) -> None:
        cache = self._log.cache
        if reply.outcome == "ok":
            try:
                self._adopt(pending.events, reply.applied)
            except Exception:
                log.exception("reacting to a committed save failed; the follow loop will retry")
            for aggregate in pending.aggregates:
                cache.put(aggregate)
            pending.future.set_result(reply.position)
            return
        for aggregate in pending.aggregates:
            cache.evict(aggregate.id)
        pending.future.set_exception(_error(reply))

    def _lost(self, conn: socket.socket | None, reason: str) -> None:
        """Fail every request still waiting: their connection is gone, so is their answer."""
        with self._lock:
            if conn is not None and self._conn is conn:
                self._conn = None
            pending, self._pending = self._pending, {}
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.close()
        for waiting in pending.values():
            for aggregate in waiting.aggregates:
                self._log.cache.evict(aggregate.id)
            waiting.future.set_exception(WriterUnavailable(reason))


def _error(reply: Reply) -> Exception:
    errors: dict[str, Callable[[str], Exception]] = {
        "stale": StaleWrite,
        "unavailable": WriterUnavailable,
    }
    return errors.get(reply.outcome, _Failed)(reply.message)


class _Failed(RuntimeError):
    """The writer process could not store the save for a reason of its own (logged there)."""
