"""A read-model table left by an earlier build (other columns) is rebuilt from the log at start,
so an upgrade never serves queries against a table the code no longer matches."""

import uuid

import sqlalchemy as sa

from application.channels import NewChannel
from domain.causes import Interface
from infrastructure.schema import messages
from infrastructure.settings import Settings
from interfaces.aggregates import CHANNELS
from interfaces.bootstrap import build
from tests.helpers import blocking
from tests.integration.test_users_store import ADMIN


def test_a_table_with_other_columns_is_rebuilt_from_the_log_at_start(settings: Settings) -> None:
    fleet = build(settings)
    try:
        opened = blocking(fleet[CHANNELS].commands).open(
            ADMIN, NewChannel(name="feed"), Interface.CLI
        )
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
        assert fleet[CHANNELS].queries.get(ADMIN, opened.id).name == "feed"
    finally:
        fleet.close()


def test_a_messages_table_from_before_subtopics_gets_the_column_at_start(
    settings: Settings,
) -> None:
    """The message store is never rebuilt: the column is added, and rows stored before it
    read back with no subtopic."""
    fleet = build(settings)
    try:
        with fleet.engine.begin() as conn:
            conn.execute(sa.text("DROP INDEX ix_messages_channel_subtopic"))
            conn.execute(sa.text("ALTER TABLE messages DROP COLUMN subtopic"))
            conn.execute(
                sa.text(
                    "INSERT INTO messages (channel, publisher, protocol, name, time, value, "
                    "received_at) VALUES (:c, :p, 'http', 'old', 1.0, 2.0, 1.0)"
                ),
                {"c": str(uuid.uuid4()), "p": str(uuid.uuid4())},
            )
    finally:
        fleet.close()

    fleet = build(settings)
    try:
        with fleet.engine.connect() as conn:
            rows = conn.execute(sa.select(messages.c.name, messages.c.subtopic)).all()
        indexes = {i["name"] for i in sa.inspect(fleet.engine).get_indexes("messages")}
        assert [tuple(row) for row in rows] == [("old", None)]
        assert "ix_messages_channel_subtopic" in indexes
    finally:
        fleet.close()
