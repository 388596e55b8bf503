"""`GET /events` through the real app: auditors page through the log with filters; nobody else
reads it; bad parameters are refused with the field named."""

import json
from typing import Any

from litestar.testing import TestClient

from interfaces.bootstrap import FleetID
from tests.api.support import assert_problem
from tests.helpers import admin_token, bearer, register, sign_in
from tests.integration.test_event_log import indexed


def auditor(client: TestClient[Any]) -> dict[str, str]:
    token = admin_token(client)
    register(client, "audit@fleet.example", "audit-secret-1", token, role="auditor")
    return bearer(sign_in(client, "audit@fleet.example", "audit-secret-1"))


def test_an_auditor_pages_through_the_log_with_filters(
    client: TestClient[Any], sqlite_fleet: FleetID
) -> None:
    auth = auditor(client)
    thing = client.post("/things", json={"name": "meter"}, headers=bearer(admin_token(client)))
    thing_id = thing.json()["id"]
    last = indexed(sqlite_fleet)

    seen: list[dict[str, Any]] = []
    after = 0
    while True:
        page = client.get(f"/events?after={after}&limit=2", headers=auth)
        assert page.status_code == 200, page.text
        body = page.json()
        seen += body["events"]
        after = body["next"]
        if not body["more"]:
            break
    assert [e["position"] for e in seen] == list(range(1, last + 1))
    assert after == last

    mine = client.get(f"/events?aggregate_id={thing_id}", headers=auth).json()["events"]
    assert [(e["aggregate_type"], e["event_type"], e["interface"]) for e in mine] == [
        ("Thing", "Provisioned", "rest")
    ]
    roles = client.get("/events?aggregate_type=User&event_type=Registered", headers=auth).json()
    assert {e["data"]["role"] for e in roles["events"]} == {"admin", "auditor"}
    assert b"audit@fleet.example" not in json.dumps(roles).encode()
    future = client.get("/events?from=2999-01-01T00:00:00Z", headers=auth).json()
    assert future == {"events": [], "next": 0, "more": False}


def test_only_auditors_and_admins_read_the_log(client: TestClient[Any]) -> None:
    assert_problem(client.get("/events"), 401)
    register(client, "plain@fleet.example", "plain-secret-1")
    plain = bearer(sign_in(client, "plain@fleet.example", "plain-secret-1"))
    assert_problem(client.get("/events", headers=plain), 403)
    assert client.get("/events", headers=bearer(admin_token(client))).status_code == 200
    body = {
        "credentials": {"identity": "sneaky@fleet.example", "secret": "sneaky-secret-1"},
        "role": "auditor",
    }
    assert_problem(client.post("/users", json=body, headers=plain), 403, field="role")
    assert_problem(client.post("/users", json=body), 403, field="role")


def test_bad_parameters_are_refused_with_the_field(client: TestClient[Any]) -> None:
    auth = auditor(client)
    for query, field in (
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("after=-1", "after"),
        ("aggregate_id=nope", "aggregate_id"),
        ("from=2026-01-01T00:00:00", "from"),
        ("from=yesterday", "from"),
    ):
        assert_problem(client.get(f"/events?{query}", headers=auth), 400, field=field)
    backwards = client.get(
        "/events?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", headers=auth
    )
    assert backwards.status_code == 200, backwards.text  # an empty span holds no event
    assert backwards.json()["events"] == []
    epoch = client.get("/events?from=0.5", headers=auth)  # a number is not an RFC 3339 time
    assert_problem(epoch, 400, field="from")


def test_the_auditors_view_holds_no_password_hash(
    client: TestClient[Any], sqlite_fleet: FleetID
) -> None:
    auth = auditor(client)
    register(client, "hashes@fleet.example", "first-secret-1")
    token = sign_in(client, "hashes@fleet.example", "first-secret-1")
    body = {"old_secret": "first-secret-1", "new_secret": "second-secret-2"}
    changed = client.patch("/users/secret", json=body, headers=bearer(token))
    assert changed.status_code == 200, changed.text
    indexed(sqlite_fleet)

    page = client.get("/events?aggregate_type=User&limit=1000", headers=auth)

    assert page.status_code == 200, page.text
    kinds = [e["event_type"] for e in page.json()["events"]]
    assert {"Registered", "SecretChanged"} <= set(kinds)
    assert b"$argon2" not in page.content
    assert sign_in(client, "hashes@fleet.example", "second-secret-2")
