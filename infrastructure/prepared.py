"""Hot-path SELECTs compiled once per engine and run on the driver's cursor.

SQLAlchemy's per-execution bookkeeping (cache key, execution context, result wrapping) costs
several times an indexed query; these statements still come from the schema and get
SQLAlchemy's own result processing (JSON, timezone-aware datetimes), so both backends return
the same Python values, and its bind processing (JSON parameters). Values the statement was
built with stay bound as compiled; values named by `sa.bindparam` are supplied per call.
Statements must not need post-compile rendering (`IN` over a list): spell those out.
They run on `ReadConnections`: in autocommit on PostgreSQL, one round trip each without BEGIN
and ROLLBACK.
"""

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from infrastructure.read_connections import ReadConnections


class PreparedSelect:
    def __init__(self, reads: ReadConnections, statement: sa.Select[Any]) -> None:
        dialect = reads.dialect
        compiled = statement.compile(dialect=dialect)
        self._reads = reads
        self._sql = str(compiled)
        self._compiled = compiled
        self._order = list(compiled.positiontup or []) if compiled.positional else None
        self._bind_processors = {
            name: process
            for name, bind in compiled.binds.items()
            if (process := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        }
        self._names = [column.name for column in statement.selected_columns]
        self._processors = [
            _result_processor(column.type, dialect) for column in statement.selected_columns
        ]

    def one(self, params: Mapping[str, Any]) -> dict[str, Any] | None:
        rows = self._fetch(params, one=True)
        return self._mapping(rows[0]) if rows else None

    def all(self, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        return [self._mapping(row) for row in self._fetch(params, one=False)]

    def scalar(self, params: Mapping[str, Any]) -> Any:
        """The first column of the first row (for aggregates such as `count(*)`)."""
        row = self.one(params)
        return None if row is None else row[self._names[0]]

    def _fetch(self, params: Mapping[str, Any], one: bool) -> list[Any]:
        values = self._compiled.construct_params(dict(params))
        for name, process in self._bind_processors.items():
            if name in values:
                values[name] = process(values[name])
        bound: Any = [values[name] for name in self._order] if self._order is not None else values
        with self._reads.cursor() as cursor:
            cursor.execute(self._sql, bound)
            if one:
                row = cursor.fetchone()
                return [] if row is None else [row]
            return list(cursor.fetchall())

    def _mapping(self, row: Any) -> dict[str, Any]:
        return {
            name: process(value) if process else value
            for name, process, value in zip(self._names, self._processors, row, strict=True)
        }


def _result_processor(type_: sa.types.TypeEngine[Any], dialect: sa.Dialect) -> Any:
    """Both drivers return floats for double precision columns already; psycopg's numeric
    processor would need the column's type OID, which a cursor-level result does not carry."""
    if isinstance(type_, sa.Float):
        return None
    return type_.dialect_impl(dialect).result_processor(dialect, None)
