"""Access-decision replay on SQLite and PostgreSQL: the explanation at any position agrees with
the decision the message routes make as of that position, and names the events that granted or
revoked it, in order."""

from uuid import UUID

from application.access_explain import Explanation
from infrastructure.read_connections import as_of
from interfaces.bootstrap import FleetID
from tests.helpers import blocking
from tests.integration.test_connections_store import channel
from tests.integration.test_event_log import AUDITOR, indexed
from tests.integration.test_mqtt_access import connect, thing
from tests.integration.test_users_store import ADMIN, CLI


def explain(fleet: FleetID, device: UUID, opened: UUID, position: int) -> Explanation:
    return fleet.access_explainer.explain(AUDITOR, device, opened, "m_read", position)


def routes_allow(fleet: FleetID, device: UUID, opened: UUID, position: int) -> bool:
    with as_of(position):
        return fleet.mqtt_access.may_subscribe(device, f"channels/{opened}/messages")


def test_the_explanation_follows_grants_revocations_and_disables(fleet: FleetID) -> None:
    device = thing(fleet, "explain-secret-1")
    opened = channel(fleet)
    positions = [fleet.projections.position]
    connect(fleet, device, opened, "m_read", "m_write")
    positions.append(fleet.projections.position)
    blocking(fleet.things).disable(ADMIN, device, CLI)
    positions.append(fleet.projections.position)
    blocking(fleet.things).enable(ADMIN, device, CLI)
    positions.append(fleet.projections.position)
    blocking(fleet.connections).disconnect(ADMIN, [device], [opened], CLI)
    positions.append(fleet.projections.position)
    indexed(fleet)

    for position in positions:
        assert explain(fleet, device, opened, position).allowed == routes_allow(
            fleet, device, opened, position
        )
    assert [explain(fleet, device, opened, p).allowed for p in positions] == [
        False,
        True,
        False,
        True,
        False,
    ]
    steps = explain(fleet, device, opened, positions[-1]).steps
    assert [(s.effect, s.allowed_after) for s in steps] == [
        ("thing enabled", False),
        ("channel enabled", False),
        ("m_read granted", True),
        ("thing disabled or removed", False),
        ("thing enabled", True),
        ("m_read revoked", False),
    ]
    assert [s.position for s in steps] == sorted(s.position for s in steps)
    assert [s.aggregate_type for s in steps] == [
        "Thing",
        "Channel",
        "Policy",
        "Thing",
        "Thing",
        "Policy",
    ]
    assert steps[3].event_type == "Disabled"
    earlier = explain(fleet, device, opened, positions[1])
    assert [s.effect for s in earlier.steps] == [s.effect for s in steps[:3]]
