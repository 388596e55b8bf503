"""Appending many rows on PostgreSQL with COPY, through the driver itself.

The SQL toolkit's executemany spends Python time on every value (bind processing, then the
driver's pipeline); COPY hands psycopg tuples that it writes out in C. No column type's bind
processing runs, so the values must be what the column takes as they are. A refused row fails
with psycopg's own error (`psycopg.IntegrityError`, ...), not the toolkit's wrapper.
"""

from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
import sqlalchemy as sa


def copy_rows(
    conn: sa.Connection, table: sa.Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    """In the transaction the caller began on `conn`."""
    driver = conn.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
