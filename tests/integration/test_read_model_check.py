"""Verified rebuilds on SQLite and PostgreSQL: the log replayed into a scratch copy matches the
live read models, and a divergence injected into a live table is reported by table and key."""

import sqlalchemy as sa

from infrastructure.read_model_check import check_read_models
from interfaces.aggregates import USERS, projections
from interfaces.bootstrap import FleetID
from tests.helpers import blocking
from tests.integration.test_connections_store import channel
from tests.integration.test_mqtt_access import connect, thing
from tests.integration.test_users_store import ADMIN, CLI, register


def a_registry(fleet: FleetID) -> tuple[str, str]:
    user = register(fleet, "mia@fleet.example", name="Mia")
    blocking(fleet[USERS].commands).update(ADMIN, user, CLI, name="Mia Moss")
    device = thing(fleet, "verify-secret-1")
    opened = channel(fleet)
    connect(fleet, device, opened, "m_write")
    return str(device), str(opened)


def check(fleet: FleetID) -> dict[str, list[str]]:
    """Per table, the keys of the differing row versions."""
    checks = check_read_models(fleet.log, fleet.engine, projections(), fleet.projections.position)
    assert {c.table for c in checks} == set(fleet.projections.tables)
    return {c.table: [d.key for d in c.differences] for c in checks if not c.matches}


def test_a_replay_matches_the_live_read_models(fleet: FleetID) -> None:
    a_registry(fleet)

    assert check(fleet) == {}
    checks = check_read_models(fleet.log, fleet.engine, projections(), fleet.projections.position)
    assert all(c.rows > 0 for c in checks if c.table in ("users", "things", "channels"))


def test_a_divergence_is_reported_by_table_and_key(fleet: FleetID) -> None:
    device, opened = a_registry(fleet)
    with fleet.engine.begin() as conn:
        conn.execute(sa.text("UPDATE things SET name = 'forged' WHERE id = :id"), {"id": device})
        conn.execute(sa.text("DELETE FROM channels WHERE id = :id"), {"id": opened})

    differences = check(fleet)

    assert set(differences) == {"things", "channels"}
    assert [key.split("@")[0] for key in differences["things"]] == [device]
    assert [key.split("@")[0] for key in differences["channels"]] == [opened]
