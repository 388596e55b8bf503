"""Verified rebuilds: replay the whole log into a scratch copy of the read models and compare it
with the live tables, row version by row version.

The scratch copy is a SQLite file of its own, whatever the live backend, so a check never
touches the live database's tables. Both sides are compared as of the live projections'
position when the check began: history rows carry the positions between which they were true,
so a version opened later is left out and one closed later counts as still open. Commands may
keep running meanwhile.
"""

import hashlib
import tempfile
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import sqlalchemy as sa

from infrastructure.database import create_engine, create_schema
from infrastructure.event_store import EventLog
from infrastructure.leadership import FileLock
from infrastructure.projection_runner import Projection, ProjectionRunner
from infrastructure.schema import metadata

Row = dict[str, Any]
SHOWN = 20
"""Differences listed per table (all are counted)."""


@dataclass(frozen=True)
class Difference:
    key: str
    """`id@valid_from`: the entity and the position its version began."""
    live: Row | None
    rebuilt: Row | None


@dataclass(frozen=True)
class TableCheck:
    table: str
    rows: int
    live_checksum: str
    rebuilt_checksum: str
    differing: int
    differences: list[Difference]

    @property
    def matches(self) -> bool:
        return self.differing == 0 and self.live_checksum == self.rebuilt_checksum


def check_read_models(
    log: EventLog,
    live: sa.Engine,
    projections: Sequence[Projection],
    position: int,
    progress: Callable[[int, int], None] | None = None,
) -> list[TableCheck]:
    """Rebuild every projection from position 0 into scratch tables and compare them with the
    live ones as of `position` (the live projections' position)."""
    with tempfile.TemporaryDirectory(prefix="fleetid-verify-") as scratch_dir:
        scratch = create_engine(f"sqlite:///{Path(scratch_dir) / 'rebuilt.db'}")
        try:
            create_schema(scratch)
            runner = ProjectionRunner(
                log,
                scratch,
                projections,
                lock=FileLock(Path(scratch_dir) / "rebuilt.lock"),
                write_lock=nullcontext(),
                timeout=60.0,
            )
            try:
                runner.catch_up(progress)
            finally:
                runner.stop()
            return [
                _compare(table, _rows(live, table, position), _rows(scratch, table, position))
                for table in runner.tables
            ]
        finally:
            scratch.dispose()


def _rows(engine: sa.Engine, name: str, position: int) -> dict[str, Row]:
    table = metadata.tables[name]
    query = sa.select(table).where(table.c.valid_from <= position)
    rows: dict[str, Row] = {}
    with engine.connect() as conn:
        for found in conn.execute(query).mappings():
            row = {k: v for k, v in found.items() if k != "version_id"}
            if row["valid_to"] is not None and row["valid_to"] > position:
                row["valid_to"] = None
            rows[f"{row['id']}@{row['valid_from']}"] = row
    return rows


def _compare(table: str, live: dict[str, Row], rebuilt: dict[str, Row]) -> TableCheck:
    differing = [
        Difference(key, live.get(key), rebuilt.get(key))
        for key in sorted(live.keys() | rebuilt.keys())
        if _canonical(live.get(key)) != _canonical(rebuilt.get(key))
    ]
    return TableCheck(
        table,
        len(live),
        _checksum(live),
        _checksum(rebuilt),
        len(differing),
        differing[:SHOWN],
    )


def _canonical(row: Row | None) -> bytes:
    """Backend-independent bytes for a row: keys sorted, JSON documents with sorted keys."""
    if row is None:
        return b""
    return msgspec.json.encode(_sorted(row), enc_hook=str)


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    return value


def _checksum(rows: dict[str, Row]) -> str:
    digest = hashlib.sha256()
    for key in sorted(rows):
        digest.update(_canonical(rows[key]) + b"\n")
    return digest.hexdigest()
