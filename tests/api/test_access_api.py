"""`GET /access/explain` through the real app: the decision and its events, now and as_of a
past position; auditors and admins only; bad parameters named."""

from typing import Any

from litestar.testing import TestClient

from interfaces.bootstrap import FleetID
from tests.api.support import assert_problem
from tests.api.test_events_api import auditor
from tests.helpers import admin_token, bearer, register, sign_in
from tests.integration.test_event_log import indexed


def test_an_auditor_sees_why_a_thing_may_read_a_channel(
    client: TestClient[Any], sqlite_fleet: FleetID
) -> None:
    admin = bearer(admin_token(client))
    auth = auditor(client)
    thing = client.post("/things", json={"name": "meter"}, headers=admin).json()["id"]
    channel = client.post("/channels", json={"name": "room"}, headers=admin).json()["id"]
    before = sqlite_fleet.projections.position
    connect = {"subjects": [thing], "objects": [channel], "actions": ["m_read"]}
    assert client.post("/connect", json=connect, headers=admin).status_code == 201
    indexed(sqlite_fleet)
    query = f"/access/explain?subject={thing}&object={channel}&action=m_read"

    now = client.get(query, headers=auth)
    assert now.status_code == 200, now.text
    body = now.json()
    assert (body["allowed"], body["subject"], body["object"], body["action"]) == (
        True,
        thing,
        channel,
        "m_read",
    )
    assert [(e["aggregate_type"], e["effect"]) for e in body["events"]] == [
        ("Thing", "thing enabled"),
        ("Channel", "channel enabled"),
        ("Policy", "m_read granted"),
    ]
    then = client.get(f"{query}&as_of={before}", headers=auth).json()
    assert (then["allowed"], then["as_of"], len(then["events"])) == (False, before, 2)
    write = client.get(query.replace("m_read", "m_write"), headers=auth).json()
    assert write["allowed"] is False


def test_an_auditor_sees_why_a_member_may_update_a_group(
    client: TestClient[Any], sqlite_fleet: FleetID
) -> None:
    admin = bearer(admin_token(client))
    auth = auditor(client)
    user = register(client, "member9@fleet.example", "member-secret-9")["id"]
    group = client.post("/groups", json={"name": "floor"}, headers=admin).json()["id"]
    policy = {"subject": user, "object": group, "actions": ["g_update"]}
    assert client.post("/users/policies", json=policy, headers=admin).status_code == 201
    member = bearer(sign_in(client, "member9@fleet.example", "member-secret-9"))
    rename = {"name": "renamed", "description": "", "metadata": {}}
    assert client.put(f"/groups/{group}", json=rename, headers=member).status_code == 200
    indexed(sqlite_fleet)

    body = client.get(
        f"/access/explain?subject={user}&object={group}&action=g_update", headers=auth
    ).json()
    assert body["allowed"] is True
    assert [(e["aggregate_type"], e["effect"]) for e in body["events"]] == [
        ("User", "user enabled"),
        ("Group", "group created"),
        ("Policy", "g_update granted"),
    ]
    delete = client.get(
        f"/access/explain?subject={user}&object={group}&action=g_delete", headers=auth
    ).json()
    assert (delete["allowed"], delete["events"][-1]["effect"]) == (False, "group created")
    thing = client.post("/things", json={"name": "meter"}, headers=admin).json()["id"]
    assert_problem(
        client.get(f"/access/explain?subject={thing}&object={group}&action=m_read", headers=auth),
        404,  # no such decision exists, as for an unknown subject
        field="object",
    )


def test_explanations_are_for_auditors_and_bad_parameters_are_named(
    client: TestClient[Any],
) -> None:
    register(client, "plain3@fleet.example", "plain-secret-3")
    plain = bearer(sign_in(client, "plain3@fleet.example", "plain-secret-3"))
    ids = "subject=00000000-0000-0000-0000-000000000001&object=00000000-0000-0000-0000-000000000002"
    assert_problem(client.get(f"/access/explain?{ids}&action=m_read", headers=plain), 403)
    assert_problem(client.get(f"/access/explain?{ids}&action=m_read"), 401)
    auth = auditor(client)
    assert_problem(
        client.get(f"/access/explain?{ids}&action=delete", headers=auth), 400, field="action"
    )
    assert_problem(
        client.get("/access/explain?subject=x&object=y&action=m_read", headers=auth), 400
    )
    assert_problem(
        client.get(f"/access/explain?{ids}&action=m_read", headers=auth), 404, field="subject"
    )
