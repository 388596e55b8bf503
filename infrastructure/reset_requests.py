"""When each login last asked for a reset code, in the read models' database so that every
worker answers alike. Not part of the log: a request is no domain fact, and logins nobody holds
are recorded too (under a keyed hash), so that the answer never tells who is registered."""

from contextlib import AbstractContextManager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from infrastructure.schema import reset_requests

FORGET = sa.delete(reset_requests).where(reset_requests.c.requested_at < sa.bindparam("since"))


class SqlResetRequests:
    def __init__(self, engine: sa.Engine, write_lock: AbstractContextManager[Any]) -> None:
        self._engine = engine
        self._write_lock = write_lock
        insert = (sqlite_insert if engine.dialect.name == "sqlite" else postgresql_insert)(
            reset_requests
        )
        self._request = insert.on_conflict_do_update(
            index_elements=[reset_requests.c.key],
            set_={"requested_at": insert.excluded.requested_at},
            where=reset_requests.c.requested_at < sa.bindparam("since"),
        ).returning(reset_requests.c.key)

    def first_since(self, key: str, now: float, window: float) -> bool:
        """Requests older than the window are deleted on the way: they decide nothing."""
        params = {"key": key, "requested_at": now, "since": now - window}
        with self._write_lock, self._engine.begin() as conn:
            conn.execute(FORGET, params)
            return conn.execute(self._request, params).first() is not None
