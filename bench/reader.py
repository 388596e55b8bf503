"""The reader over a large channel: a million records written straight into the message table.

Sending a million records through the API would measure ingest again and take minutes; the
reader only reads the table, so the bench fills it directly (COPY on PostgreSQL, one
executemany transaction on SQLite) with rows shaped as the server stores them: one publisher,
names `bench:r1` to `bench:r100` in turn, one record a second going back from now. The records
then sit in one channel beside the small ones the telemetry suite sends, as they would in
production, and the pages are read as that channel's connected thing. As FleetID's message
writer does with each batch, the fill moves the channel's change mark (so totals counted
before it are not reused), and it leaves the table as the database's own maintenance would
have after records arriving over days: analyzed and, on PostgreSQL, vacuumed.
"""

import sqlite3
import time
from collections.abc import Iterator

import psycopg

RECORDS = 1_000_000
NAMES = 100
MARKED = (
    "INSERT INTO change_marks (subject, mark) VALUES (%s, 1) "
    "ON CONFLICT (subject) DO UPDATE SET mark = change_marks.mark + 1"
)
COLUMNS = ("channel", "publisher", "protocol", "name", "unit", "time", "value", "received_at")


def _rows(channel: str, publisher: str, count: int, now: float) -> Iterator[tuple[object, ...]]:
    for i in range(count):
        name = f"bench:r{i % NAMES + 1}"
        at = now - (count - i)
        yield channel, publisher, "mqtt", name, "Cel", at, float(i % 1000) / 10, at


def fill(database_url: str, channel: str, publisher: str, count: int = RECORDS) -> float:
    """Write `count` records into `channel`; return the seconds it took."""
    began, now = time.monotonic(), time.time()
    rows = _rows(channel, publisher, count, now)
    if database_url.startswith("sqlite:"):
        _fill_sqlite(database_url.removeprefix("sqlite:///"), channel, rows)
    else:
        _fill_postgres(database_url, channel, rows)
    return time.monotonic() - began


def _fill_sqlite(path: str, channel: str, rows: Iterator[tuple[object, ...]]) -> None:
    marks = ", ".join("?" for _ in COLUMNS)
    insert = f"INSERT INTO messages ({', '.join(COLUMNS)}) VALUES ({marks})"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.executemany(insert, rows)
        conn.execute(MARKED.replace("%s", "?"), (f"messages/{channel}",))
        conn.execute("ANALYZE messages")


def _fill_postgres(url: str, channel: str, rows: Iterator[tuple[object, ...]]) -> None:
    with psycopg.connect(url) as conn:
        with conn.cursor() as cursor:
            copy = f"COPY messages ({', '.join(COLUMNS)}) FROM STDIN"
            with cursor.copy(copy) as writer:
                for row in rows:
                    writer.write_row(row)
        conn.execute(MARKED, (f"messages/{channel}",))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) messages")
