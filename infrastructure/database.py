"""The SQLAlchemy engine for read models and keys, on the same database as the event log."""

import json
from collections.abc import Iterable
from typing import Any

import msgspec
import sqlalchemy as sa

from infrastructure.schema import metadata


def create_engine(database_url: str) -> sa.Engine:
    """Pools sized for the handler threads plus the event loop, so connections are not churned.
    Bound parameters stay out of error messages: they may carry personal data into logs."""
    if database_url.startswith("sqlite:"):
        engine = sa.create_engine(
            database_url.replace("sqlite:", "sqlite+pysqlite:", 1),
            pool_size=48,
            max_overflow=16,
            hide_parameters=True,
        )
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    url = database_url.split("://", 1)[1]
    return sa.create_engine(
        f"postgresql+psycopg://{url}",
        pool_size=24,
        max_overflow=16,
        hide_parameters=True,
        json_deserializer=_json_loads,
    )


_decode = msgspec.json.Decoder().decode


def _json_loads(data: str | bytes) -> Any:
    """JSON columns decoded by msgspec: the standard library's decoder was a ninth of a list
    page's time. What msgspec refuses to read (a number beyond a double, which no FleetID
    writer produces but an analyst's UPDATE could) goes to the standard library, as before."""
    try:
        return _decode(data)
    except msgspec.DecodeError:
        return json.loads(data)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers run beside the one writer; the busy timeout queues writers instead of
    failing them."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


DROPPED_COLUMNS = (("log_entries", "leaf_hash"),)
"""Columns of tables that are never rebuilt, dropped from databases made by earlier builds
(the leaf hash now lives only in log_tree_nodes)."""
ADDED_COLUMNS = (("messages", "subtopic"),)
"""Nullable columns of tables that are never rebuilt, added to databases made by earlier builds
(their rows get NULL: telemetry stored before subtopics were kept)."""


def create_schema(engine: sa.Engine) -> None:
    """Tables, and indexes added since a table was made (`create_all` skips existing tables)."""
    metadata.create_all(engine)
    inspector = sa.inspect(engine)
    with engine.begin() as conn:
        for name, column in DROPPED_COLUMNS:
            if column in {c["name"] for c in inspector.get_columns(name)}:
                conn.execute(sa.text(f"ALTER TABLE {name} DROP COLUMN {column}"))
        for name, column in ADDED_COLUMNS:
            if column not in {c["name"] for c in inspector.get_columns(name)}:
                kind = metadata.tables[name].c[column].type.compile(engine.dialect)
                conn.execute(sa.text(f"ALTER TABLE {name} ADD COLUMN {column} {kind}"))
        for table in metadata.sorted_tables:
            for index in table.indexes:
                conn.execute(sa.schema.CreateIndex(index, if_not_exists=True))


def outdated_tables(engine: sa.Engine, names: Iterable[str]) -> list[str]:
    """Tables whose columns in the database differ from the schema: read models made by an
    earlier build, which `create_all` leaves as they are."""
    inspector = sa.inspect(engine)
    return [
        name
        for name in names
        if {c["name"] for c in inspector.get_columns(name)} != set(metadata.tables[name].c.keys())
    ]


def database_answers(engine: sa.Engine) -> bool:
    """Whether the database runs a statement now (the health check's question)."""
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except (sa.exc.SQLAlchemyError, OSError):
        return False
    return True
