"""A read-model table left by an earlier build (other columns) is rebuilt from the log at start,
so an upgrade never serves queries against a table the code no longer matches."""

import sqlalchemy as sa

from application.channels import NewChannel
from domain.causes import Interface
from infrastructure.settings import Settings
from interfaces.bootstrap import build
from tests.helpers import blocking
from tests.integration.test_users_store import ADMIN


def test_a_table_with_other_columns_is_rebuilt_from_the_log_at_start(settings: Settings) -> None:
    fleet = build(settings)
    try:
        opened = blocking(fleet.channels).open(ADMIN, NewChannel(name="feed"), Interface.CLI)
        with fleet.engine.begin() as conn:
            conn.execute(sa.text("ALTER TABLE channels ADD COLUMN legacy TEXT"))
            conn.execute(sa.text("DELETE FROM channels"))
    finally:
        fleet.close()

    fleet = build(settings)
    try:
        columns = {c["name"] for c in sa.inspect(fleet.engine).get_columns("channels")}
        assert "legacy" not in columns
        assert "parent" in columns
        assert fleet.channel_queries.get(ADMIN, opened.id).name == "feed"
    finally:
        fleet.close()
