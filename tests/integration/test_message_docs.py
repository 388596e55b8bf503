"""The example SQL of docs/messages.md runs against a real message store, so the analysts'
guide cannot drift from the table."""

import re
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from domain.senml import resolve
from interfaces.bootstrap import FleetID
from tests.integration.test_things_store import provision

DOC = Path(__file__).resolve().parents[2] / "docs" / "messages.md"
BLOCK = re.compile(r"```sql( sqlite| postgresql)?\n(.*?)```", re.DOTALL)


def test_every_example_query_runs_and_finds_the_stored_messages(fleet: FleetID) -> None:
    channel = uuid.uuid4()
    publisher = provision(fleet, name="Boiler")
    now = time.time()
    pack = [{"bn": "room:", "n": "temp", "u": "Cel", "v": 20, "ut": 60, "t": -7200}]
    pack += [{"n": "temp", "v": 21}]
    fleet.message_writer.append(channel, publisher, "http", now, resolve(pack, now)).result()
    dialect = fleet.engine.dialect.name
    blocks = [(only, sql) for only, sql in BLOCK.findall(DOC.read_text(encoding="utf-8"))]
    assert len(blocks) >= 6

    ran = 0
    with fleet.engine.connect() as conn:
        for only, sql in blocks:
            if only and only.strip() != dialect:
                continue
            params = {"channel": str(channel), "now": now + 3600}
            wanted = {name: params[name] for name in re.findall(r"(?<!\w):(\w+)", sql)}
            rows = conn.execute(sa.text(sql), wanted).all()
            assert rows, sql
            ran += 1
    assert ran >= 5
