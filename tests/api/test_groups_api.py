"""Groups, Assign, Members, Unassign and Get User Memberships, over HTTP against the real app."""

import uuid
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient

from tests.api.support import ZERO_TIME, assert_problem, new_identity
from tests.helpers import admin_token, bearer, register, sign_in

GROUP_KEYS = {
    "id",
    "owner_id",
    "parent_id",
    "name",
    "description",
    "metadata",
    "level",
    "path",
    "children",
    "created_at",
    "updated_at",
    "updated_by",
    "status",
}


@pytest.fixture
def token(client: TestClient[Any]) -> str:
    return admin_token(client)


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, (response.request.url, response.text)
    body: dict[str, Any] = response.json()
    return body


def create(client: TestClient[Any], token: str, **body: Any) -> dict[str, Any]:
    return ok(client.post("/groups", json=body, headers=bearer(token)), 201)


def test_create_get_and_update_a_group_as_the_seed_shows(
    client: TestClient[Any], token: str
) -> None:
    response = client.post(
        "/groups", json={"name": "Security Engineers", "description": "sec"}, headers=bearer(token)
    )
    group = ok(response, 201)
    assert set(group) <= GROUP_KEYS
    assert response.headers["location"] == f"/groups/{group['id']}"
    assert "parent_id" not in group
    assert group["updated_at"] == ZERO_TIME
    assert ok(client.get(f"/groups/{group['id']}", headers=bearer(token))) == group

    child = create(client, token, name="Customer Support", parent_id=group["id"])
    assert child["parent_id"] == group["id"]
    updated = ok(
        client.put(
            f"/groups/{group['id']}",
            json={"name": "Data Analysts", "metadata": {"location": "london"}},
            headers=bearer(token),
        )
    )
    assert (updated["name"], updated["metadata"]) == ("Data Analysts", {"location": "london"})
    assert updated["description"] == "sec", "PUT keeps what it was not given, as Magistrala"
    assert ok(client.post(f"/groups/{group['id']}/disable", headers=bearer(token)))["status"] == (
        "disabled"
    )
    missing_parent = client.post(
        "/groups", json={"name": "x", "parent_id": str(uuid.uuid4())}, headers=bearer(token)
    )
    assert_problem(missing_parent, 404, field="parent_id")


def test_parents_and_children_trees_carry_level_and_path(
    client: TestClient[Any], token: str
) -> None:
    root = create(client, token, name="root")
    child = create(client, token, name="child", parent_id=root["id"])
    grandchild = create(client, token, name="grandchild", parent_id=child["id"])

    down = ok(client.get(f"/groups/{root['id']}/children?tree=true", headers=bearer(token)))
    (top,) = down["groups"]
    (middle,) = top["children"]
    (bottom,) = middle["children"]
    assert (top["id"], middle["id"], bottom["id"]) == (root["id"], child["id"], grandchild["id"])
    assert (middle["level"], bottom["level"]) == (1, 2)
    assert bottom["path"] == f"{root['id']}.{child['id']}.{grandchild['id']}"

    up = ok(client.get(f"/groups/{grandchild['id']}/parents?tree=true", headers=bearer(token)))
    (first,) = up["groups"]
    assert (first["id"], first["level"]) == (root["id"], -2)
    assert first["children"][0]["children"][0]["id"] == grandchild["id"]
    flat = ok(client.get(f"/groups?parentID={root['id']}", headers=bearer(token)))
    assert [g["id"] for g in flat["groups"]] == [child["id"]]
    below = ok(client.get(f"/groups?parentID={root['id']}&dir=1", headers=bearer(token)))
    assert [g["id"] for g in below["groups"]] == [child["id"], grandchild["id"]]
    above = ok(client.get(f"/groups?parentID={grandchild['id']}&dir=-1", headers=bearer(token)))
    assert [g["id"] for g in above["groups"]] == [root["id"], child["id"]]
    every = ok(client.get("/groups", headers=bearer(token)))
    assert ok(client.get("/groups?dir=1", headers=bearer(token))) == every  # nothing to apply to
    assert_problem(client.get("/groups?dir=2", headers=bearer(token)), 400, field="dir")


def test_assign_members_unassign_and_memberships(client: TestClient[Any], token: str) -> None:
    group = create(client, token, name="Ops")
    identity = new_identity("member")
    member = register(client, identity)["id"]
    member_token = sign_in(client, identity, "12345678")
    body = {"subject": member, "object": group["id"], "actions": ["g_list", "c_list"]}

    assigned = client.post("/users/policies", json=body, headers=bearer(token))
    assert assigned.status_code == 201, assigned.text
    members = ok(client.get(f"/groups/{group['id']}/members", headers=bearer(member_token)))
    assert [m["id"] for m in members["members"]] == [member]
    joined = ok(client.get(f"/users/{member}/memberships", headers=bearer(member_token)))
    assert [g["id"] for g in joined["memberships"]] == [group["id"]]

    narrowed = client.put(
        "/users/policies", json={**body, "actions": ["c_update"]}, headers=bearer(token)
    )
    assert narrowed.status_code == 204
    refused = client.get(f"/groups/{group['id']}/members", headers=bearer(member_token))
    assert_problem(refused, 403)
    bad = client.post("/users/policies", json={**body, "actions": ["own"]}, headers=bearer(token))
    assert_problem(bad, 400, field="actions")

    gone = client.delete(f"/users/policies/{member}/{group['id']}", headers=bearer(token))
    assert gone.status_code == 204
    assert_problem(client.get(f"/groups/{group['id']}", headers=bearer(member_token)), 404)
    again = client.delete(f"/users/policies/{member}/{group['id']}", headers=bearer(token))
    assert_problem(again, 404, field="subject")
