"""Connect, Disconnect, Access by Key and the connected lists, over HTTP against the real app."""

import uuid
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.api.support import ZERO_TIME, assert_problem, new_identity
from tests.helpers import admin_token, bearer, register, sign_in

POLICY_KEYS = {"owner_id", "subject", "object", "actions", "created_at", "updated_at", "updated_by"}


@pytest.fixture
def token(client: TestClient[Any]) -> str:
    return admin_token(client)


def new_thing(client: TestClient[Any], token: str, secret: str) -> str:
    response = client.post(
        "/things", json={"credentials": {"secret": secret}}, headers=bearer(token)
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def new_channel(client: TestClient[Any], token: str) -> str:
    response = client.post("/channels", json={"name": "c"}, headers=bearer(token))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def access(client: TestClient[Any], token: str, channel: str, secret: str, action: str) -> int:
    response = client.post(
        f"/channels/{channel}/access",
        json={"subject": secret, "action": action, "entity_type": "thing"},
        headers=bearer(token),
    )
    assert response.status_code in (200, 403), response.text
    return response.status_code


def test_connect_answers_201_with_the_seed_policies(client: TestClient[Any], token: str) -> None:
    thing, channel = new_thing(client, token, "thing-secret-1"), new_channel(client, token)

    response = client.post(
        "/connect", json={"subjects": [thing], "objects": [channel]}, headers=bearer(token)
    )

    assert response.status_code == 201, response.text
    (policy,) = response.json()["policies"]
    assert set(policy) == POLICY_KEYS
    assert (policy["subject"], policy["object"]) == (thing, channel)
    assert sorted(policy["actions"]) == ["m_read", "m_write"]
    assert (policy["updated_at"], policy["updated_by"]) == (ZERO_TIME, "")
    assert access(client, token, channel, "thing-secret-1", "m_write") == 200
    assert access(client, token, channel, "thing-secret-1", "c_share") == 403
    assert access(client, token, channel, "wrong-secret-1", "m_read") == 403


def test_access_answers_the_thing_id_as_the_magistrala_sdk_decodes_it(
    client: TestClient[Any], token: str
) -> None:
    thing, channel = new_thing(client, token, "thing-secret-9"), new_channel(client, token)
    connected = client.post(
        "/connect", json={"subjects": [thing], "objects": [channel]}, headers=bearer(token)
    )
    assert connected.status_code == 201, connected.text
    sdk_body = {  # AccessRequest of Magistrala's Go SDK: it repeats the channel as `object`
        "subject": "thing-secret-9",
        "object": channel,
        "action": "m_read",
        "entity_type": "thing",
    }

    allowed = client.post(f"/channels/{channel}/access", json=sdk_body, headers=bearer(token))
    refused = client.post(
        f"/channels/{channel}/access",
        json={**sdk_body, "subject": "thing-secret-8"},
        headers=bearer(token),
    )

    assert allowed.status_code == 200, allowed.text
    assert allowed.json() == {"thing_id": thing, "authorized": True}
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"] == "forbidden"


def test_one_connection_changed_and_removed_through_things_policies(
    client: TestClient[Any], token: str
) -> None:
    thing, channel = new_thing(client, token, "thing-secret-2"), new_channel(client, token)
    pair = {"subject": thing, "object": channel}

    created = client.post("/things/policies", json=pair, headers=bearer(token))
    assert created.status_code == 201, created.text
    changed = client.put(
        "/things/policies", json={**pair, "actions": ["m_read"]}, headers=bearer(token)
    )
    assert changed.status_code == 204, changed.text
    members = client.get(f"/channels/{channel}/things", headers=bearer(token)).json()
    assert [t["id"] for t in members["things"]] == [thing]
    assert access(client, token, channel, "thing-secret-2", "m_write") == 403

    removed = client.delete(f"/things/policies/{thing}/{channel}", headers=bearer(token))
    assert removed.status_code == 204
    assert access(client, token, channel, "thing-secret-2", "m_read") == 403
    again = client.delete(f"/things/policies/{thing}/{channel}", headers=bearer(token))
    assert_problem(again, 404, field="object")


def test_disconnect_answers_204_and_access_stops_at_once(
    client: TestClient[Any], token: str
) -> None:
    things = [new_thing(client, token, f"bulk-secret-{i}") for i in range(2)]
    channels = [new_channel(client, token) for _ in range(2)]
    body = {"subjects": things, "objects": channels}
    assert client.post("/connect", json=body, headers=bearer(token)).status_code == 201

    listed = client.get(f"/things/{things[0]}/channels", headers=bearer(token)).json()
    assert {c["id"] for c in listed["channels"]} == set(channels)
    members = client.get(f"/channels/{channels[1]}/things", headers=bearer(token)).json()
    assert {t["id"] for t in members["things"]} == set(things)

    response = client.post("/disconnect", json=body, headers=bearer(token))

    assert response.status_code == 204
    assert response.content == b""
    assert access(client, token, channels[0], "bulk-secret-0", "m_read") == 403
    assert client.get(f"/things/{things[0]}/channels", headers=bearer(token)).json()["total"] == 0


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"subjects": [], "objects": ["{channel}"]}, 400, "subjects"),
        ({"subjects": ["{thing}"], "objects": []}, 400, "objects"),
        ({"subjects": ["{thing}"], "objects": ["{channel}"], "actions": ["fly"]}, 400, "actions"),
        ({"subjects": ["not-a-uuid"], "objects": ["{channel}"]}, 400, "subjects[0]"),
        ({"subjects": ["{thing}"], "objects": ["{missing}"]}, 404, "objects[0]"),
        ({"subjects": ["{thing}"], "objects": ["{disabled}"]}, 409, "objects[0]"),
        ({"subjects": ["{channel}"], "objects": ["{channel}"]}, 404, "subjects[0]"),
    ],
    ids=["no-things", "no-channels", "action", "malformed", "unknown", "disabled", "wrong-kind"],
)
def test_a_bad_connect_changes_nothing(
    client: TestClient[Any], token: str, body: dict[str, Any], status: int, field: str
) -> None:
    ids = {
        "thing": new_thing(client, token, "bad-secret-1"),
        "channel": new_channel(client, token),
        "disabled": new_channel(client, token),
        "missing": str(uuid.uuid4()),
    }
    client.post(f"/channels/{ids['disabled']}/disable", headers=bearer(token))
    filled = {
        key: [ids.get(v.strip("{}"), v) for v in value] if isinstance(value, list) else value
        for key, value in body.items()
    }

    response = client.post("/connect", json=filled, headers=bearer(token))

    assert_problem(response, status, field=field)
    listed = client.get(f"/things/{ids['thing']}/channels", headers=bearer(token)).json()
    assert listed["total"] == 0


def test_only_owners_connect_and_the_access_check_needs_a_user(
    client: TestClient[Any], token: str
) -> None:
    identity = new_identity("stranger")
    register(client, identity)
    stranger = sign_in(client, identity, "12345678")
    thing, channel = new_thing(client, token, "owned-secret-1"), new_channel(client, token)

    refused = client.post(
        "/connect", json={"subjects": [thing], "objects": [channel]}, headers=bearer(stranger)
    )
    assert_problem(refused, 404, field="subjects[0]")
    assert_problem(client.get(f"/things/{thing}/channels", headers=bearer(stranger)), 404)
    anonymous = client.post(
        f"/channels/{channel}/access", json={"subject": "owned-secret-1", "action": "m_read"}
    )
    assert_problem(anonymous, 401)
    bad_action = client.post(
        f"/channels/{channel}/access",
        json={"subject": "owned-secret-1", "action": "publish"},
        headers=bearer(token),
    )
    assert_problem(bad_action, 400, field="action")


def test_things_policies_with_external_true_make_a_user_a_channel_member(
    client: TestClient[Any], token: str
) -> None:
    identity = new_identity("viewer")
    viewer = register(client, identity)["id"]
    viewer_token = sign_in(client, identity, "12345678")
    thing, channel = new_thing(client, token, "viewed-secret-1"), new_channel(client, token)
    assert (
        client.post(
            "/connect", json={"subjects": [thing], "objects": [channel]}, headers=bearer(token)
        ).status_code
        == 201
    )
    assert_problem(client.get(f"/things/{thing}", headers=bearer(viewer_token)), 404)

    body = {"subject": viewer, "object": channel, "actions": ["c_list"], "external": True}
    granted = client.post("/things/policies", json=body, headers=bearer(token))

    assert granted.status_code == 201, granted.text
    assert granted.json()["policies"][0]["subject"] == viewer
    assert client.get(f"/things/{thing}", headers=bearer(viewer_token)).status_code == 200
    changed = client.put(
        "/things/policies",
        json={"subject": viewer, "object": channel, "actions": ["c_update"]},
        headers=bearer(token),
    )
    assert changed.status_code == 204, changed.text
    assert_problem(client.get(f"/things/{thing}", headers=bearer(viewer_token)), 403)
