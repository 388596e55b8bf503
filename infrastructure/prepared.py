"""Hot-path SELECTs compiled once per engine and run on the driver's cursor.

SQLAlchemy's per-execution bookkeeping costs several times the query itself on an indexed
lookup; these statements still come from the schema and get SQLAlchemy's own result processing
(JSON, timezone-aware datetimes), so both backends return the same Python values.
"""

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa


class PreparedSelect:
    def __init__(self, engine: sa.Engine, statement: sa.Select[Any]) -> None:
        dialect = engine.dialect
        compiled = statement.compile(dialect=dialect)
        self._engine = engine
        self._sql = str(compiled)
        self._compiled = compiled
        self._order = list(compiled.positiontup or []) if compiled.positional else None
        self._names = [column.name for column in statement.selected_columns]
        self._processors = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in statement.selected_columns
        ]

    def one(self, params: Mapping[str, Any]) -> dict[str, Any] | None:
        values = self._compiled.construct_params(dict(params))
        bound: Any = [values[name] for name in self._order] if self._order is not None else values
        with self._engine.connect() as conn:
            cursor = conn.connection.cursor()
            try:
                cursor.execute(self._sql, bound)
                row = cursor.fetchone()
            finally:
                cursor.close()
        if row is None:
            return None
        return {
            name: process(value) if process else value
            for name, process, value in zip(self._names, self._processors, row, strict=True)
        }
