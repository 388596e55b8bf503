"""The two backends: a throwaway database each, and the raw insert-commit ceilings of each.

The write ceiling is what the database itself sustains when 32 clients each insert one row and
commit: every FleetID write ends in at least one such commit (the event log's), so a figure near
this ceiling means the database, not the Python around it, is what limits writes. The batch
ceiling (rows committed in 100-row transactions) is the same for bulk creation, where one request
stores 100 things in one transaction: rows, not commits, are then what costs.
"""

import argparse
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

CLIENTS = 32
BATCH = 100
"""Rows per transaction of the batch ceiling: as many things as one measured bulk request."""
BATCH_CLIENTS = 8
"""Clients of the batch ceiling: as many as the wrk connections of the bulk scenario."""
PAYLOAD = "x" * 200
"""About the size of one stored event's state, so that the row is not trivially small."""


class _Connection(Protocol):
    def cursor(self) -> Any: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class InsertResult:
    rate: float
    """Commits per second."""
    commits: int
    errors: int
    first_error: str
    rows_per_commit: int = 1
    clients: int = CLIENTS

    @property
    def row_rate(self) -> float:
        return self.rate * self.rows_per_commit


@dataclass(frozen=True)
class Backend:
    name: str
    database_url: str
    """What FLEETID_DATABASE_URL is set to."""
    connect: Callable[[], _Connection]
    """A connection to the scratch table's database, opened as FleetID opens its own."""
    insert: str
    """INSERT of one row into the scratch table, one parameter: the payload."""
    describe: str

    def measure_inserts(
        self, seconds: float, rows_per_commit: int = 1, clients: int = CLIENTS
    ) -> InsertResult:
        return insert_commit_rate(self.connect, self.insert, seconds, rows_per_commit, clients)


@contextmanager
def sqlite_backend(directory: Path) -> Iterator[Backend]:
    """A SQLite file in `directory` (the caller's temp dir, removed with it)."""
    directory.mkdir(parents=True, exist_ok=True)
    scratch = directory / "ceiling.db"

    def connect() -> sqlite3.Connection:
        # As the event log's recorder opens its file: WAL, default (FULL) synchronous, and a lock
        # timeout so that writers queue instead of failing.
        conn = sqlite3.connect(scratch, timeout=30, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        return conn

    setup = connect()
    setup.execute("CREATE TABLE IF NOT EXISTS scratch (id INTEGER PRIMARY KEY, payload TEXT)")
    setup.commit()
    setup.close()
    yield Backend(
        name="sqlite",
        database_url=f"sqlite:///{directory / 'fleetid.db'}",
        connect=connect,
        insert="INSERT INTO scratch (payload) VALUES (?)",
        describe="SQLite file, WAL, synchronous=FULL (as the event log opens it)",
    )


@contextmanager
def postgres_backend(admin_url: str) -> Iterator[Backend]:
    """A fresh `fleetid_bench_<random>` database on the server of `admin_url`, dropped after."""
    name = f"fleetid_bench_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE scratch (id bigserial PRIMARY KEY, payload text)")

        def connect() -> _Connection:
            return psycopg.connect(url)

        yield Backend(
            name="postgres",
            database_url=url,
            connect=connect,
            insert="INSERT INTO scratch (payload) VALUES (%s)",
            describe=f"PostgreSQL database {name} on {urlsplit(admin_url).netloc}",
        )
    finally:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def insert_commit_rate(
    connect: Callable[[], _Connection],
    insert: str,
    seconds: float,
    rows_per_commit: int = 1,
    clients: int = CLIENTS,
) -> InsertResult:
    """`clients` threads, each on its own connection, each doing INSERT `rows_per_commit` rows
    (one executemany: a pipeline on psycopg) + COMMIT."""
    rows = [(PAYLOAD,)] * rows_per_commit
    connections = [connect() for _ in range(clients)]
    start = threading.Barrier(clients + 1)
    lock = threading.Lock()
    deadline = [0.0]
    totals = {"commits": 0, "errors": 0}
    ended: list[float] = []
    first_error: list[str] = []

    def client(conn: _Connection) -> None:
        commits = errors = 0
        try:
            cursor = conn.cursor()
            start.wait()
            while time.perf_counter() < deadline[0]:
                try:
                    if rows_per_commit == 1:
                        cursor.execute(insert, rows[0])
                    else:
                        cursor.executemany(insert, rows)
                    conn.commit()
                    commits += 1
                except Exception as error:  # counted and shown: a ceiling with errors is suspect
                    errors += 1
                    conn.rollback()
                    with lock:
                        first_error[:] = first_error or [repr(error)]
        finally:
            stopped = time.perf_counter()
            conn.close()
            with lock:
                ended.append(stopped)
                totals["commits"] += commits
                totals["errors"] += errors

    threads = [threading.Thread(target=client, args=(c,), daemon=True) for c in connections]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + seconds
    began = time.perf_counter()
    start.wait(timeout=60)
    for thread in threads:
        thread.join(timeout=seconds + 60)
    elapsed = max(ended, default=time.perf_counter()) - began
    return InsertResult(
        rate=totals["commits"] / elapsed,
        commits=totals["commits"],
        errors=totals["errors"],
        first_error=first_error[0] if first_error else "",
        rows_per_commit=rows_per_commit,
        clients=clients,
    )


def add_backend_options(parser: argparse.ArgumentParser) -> None:
    """`--backend sqlite|postgres` and the PostgreSQL server a throwaway database goes on."""
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "FLEETID_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )


def chosen_backend(options: argparse.Namespace, directory: Path) -> AbstractContextManager[Backend]:
    if options.backend == "sqlite":
        return sqlite_backend(directory)
    return postgres_backend(options.postgres_url)
