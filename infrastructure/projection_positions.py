"""The positions table: the last event each projection applied, advanced by compare-and-set."""

from collections.abc import Sequence

import sqlalchemy as sa

from infrastructure.schema import projection_positions


class Fenced(Exception):
    """Another process advanced a position first: this batch must not be committed."""


ADVANCE = (
    projection_positions.update()
    .where(
        projection_positions.c.name == sa.bindparam("projection"),
        projection_positions.c.position == sa.bindparam("expected"),
    )
    .values(position=sa.bindparam("advanced_to"))
)


class ProjectionPositions:
    """The rows of the named projections, each written in the same transaction as its rows."""

    def __init__(self, engine: sa.Engine, names: Sequence[str]) -> None:
        self._engine = engine
        self._names = list(names)

    def ensure(self) -> None:
        """Add a row at 0 for each projection that has none (another process may add it first)."""
        for name in self._names:
            try:
                with self._engine.begin() as conn:
                    exists = conn.execute(
                        sa.select(projection_positions.c.name).where(
                            projection_positions.c.name == name
                        )
                    ).first()
                    if exists is None:
                        conn.execute(projection_positions.insert().values(name=name, position=0))
            except sa.exc.IntegrityError:
                continue

    def load(self) -> dict[str, int]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                sa.select(projection_positions.c.name, projection_positions.c.position)
            ).all()
        saved = {row.name: row.position for row in rows}
        return {name: int(saved.get(name, 0)) for name in self._names}

    def reset(self, conn: sa.Connection) -> None:
        conn.execute(
            projection_positions.update()
            .where(projection_positions.c.name.in_(self._names))
            .values(position=0)
        )

    @staticmethod
    def advance(conn: sa.Connection, name: str, expected: int, position: int) -> None:
        """Compare-and-set, the first write of the batch: it locks the position row, so a second
        applier waits for the first and then finds the position moved: a batch applies once."""
        updated = conn.execute(
            ADVANCE, {"projection": name, "expected": expected, "advanced_to": position}
        )
        if updated.rowcount != 1:
            raise Fenced(name)
