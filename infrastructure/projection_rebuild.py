"""Replaces the read-model tables with new ones filled by a replay of the whole log."""

from collections.abc import Callable, Sequence

import sqlalchemy as sa

from infrastructure.projection_positions import ProjectionPositions


def rebuild_tables(
    engine: sa.Engine,
    tables: Sequence[sa.Table],
    positions: ProjectionPositions,
    replay: Callable[[], int],
) -> int:
    """Drop and recreate the tables, reset the positions, and `replay`; return what it applied.

    Indexes the replay does not read by are built once at the end, not row by row (a table's
    own id indexes stay: the replay looks rows up by id). On PostgreSQL the new tables are then
    vacuumed and analysed at once: until autovacuum got round to them, the planner took them for
    empty and every index-only scan read the heap too (as-of lists ran three times slower,
    counts twice)."""
    kept = {f"ix_{t.name}_{role}" for t in tables for role in ("current", "history")}
    deferred = [i for t in tables for i in t.indexes if i.name not in kept]
    with engine.begin() as conn:
        for table in reversed(tables):
            table.drop(conn, checkfirst=True)
        for table in tables:
            table.create(conn)
        for index in deferred:
            conn.execute(sa.schema.DropIndex(index))
        positions.reset(conn)
    applied = replay()
    with engine.begin() as conn:
        for index in deferred:
            conn.execute(sa.schema.CreateIndex(index, if_not_exists=True))
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text(f"VACUUM ANALYZE {', '.join(t.name for t in tables)}"))
    return applied
