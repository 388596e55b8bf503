"""The inputs of access decisions through time, from the history rows of `users`, `things`,
`channels`, `groups` and `policies` (each version true from `valid_from` until `valid_to`)."""

from collections import defaultdict
from collections.abc import Collection, Mapping
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from application.ports.event_log import AccessHistory, LoggedEvent, Version
from domain.policies import Policy
from infrastructure.schema import log_entries, metadata, policies


class SqlAccessHistory(AccessHistory):
    def __init__(self, engine: sa.Engine, tables: Mapping[str, str]) -> None:
        """`tables`: the table each kind of entity lives in (`thing` -> `things`)."""
        self._engine = engine
        self._tables = {kind: metadata.tables[name] for kind, name in tables.items()}

    def kind_of(self, entity: UUID) -> str | None:
        with self._engine.connect() as conn:
            for kind, table in self._tables.items():
                found = conn.execute(
                    sa.select(table.c.id).where(table.c.id == str(entity)).limit(1)
                ).first()
                if found is not None:
                    return kind
        return None

    def column(self, kind: str, entity: UUID, column: str, until: int) -> list[Version]:
        table = self._tables[kind]
        with self._engine.connect() as conn:
            return _versions(conn, table, table.c[column], until, table.c.id == str(entity))

    def policies(
        self, subject: UUID, until: int, objects: Collection[UUID] | None = None
    ) -> dict[UUID, list[Version]]:
        if objects is None:
            where = policies.c.subject == str(subject)
        else:
            where = policies.c.id.in_([str(Policy.id_for(subject, o)) for o in objects])
        query = (
            sa.select(policies.c.object, policies.c.valid_from, policies.c.valid_to)
            .add_columns(policies.c.actions)
            .where(policies.c.valid_from <= until, where)
            .order_by(policies.c.valid_from)
        )
        found: defaultdict[UUID, list[Version]] = defaultdict(list)
        with self._engine.connect() as conn:
            for row in conn.execute(query):
                found[UUID(row.object)].append((row.valid_from, row.valid_to, row.actions))
        return dict(found)

    def events_at(self, positions: Collection[int]) -> dict[int, LoggedEvent]:
        wanted = list(positions)
        if not wanted:
            return {}
        query = sa.select(
            log_entries.c.position,
            log_entries.c.aggregate_id,
            log_entries.c.aggregate_type,
            log_entries.c.event_type,
        ).where(log_entries.c.position.in_(wanted))
        with self._engine.connect() as conn:
            return {
                row.position: LoggedEvent(
                    row.position, row.aggregate_id, row.aggregate_type, row.event_type
                )
                for row in conn.execute(query)
            }


def _versions(
    conn: sa.Connection, table: sa.Table, value: Any, until: int, *where: Any
) -> list[Version]:
    query = (
        sa.select(table.c.valid_from, table.c.valid_to, value)
        .where(table.c.valid_from <= until, *where)
        .order_by(table.c.valid_from)
    )
    return [(row[0], row[1], row[2]) for row in conn.execute(query)]
