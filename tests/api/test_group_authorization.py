"""Who may call which Groups endpoint: endpoint x role, roles including a member per action.

Roles: `admin`; `owner` (created the group); `member:<action>` (assigned with that one action);
`stranger`; `disabled` (signed in, then disabled); `anonymous`. A refused call changes nothing.
Membership is not inherited: a member of a group is a stranger to its subgroups.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient

from domain.policies import ACTIONS
from tests.api.support import assert_problem, new_identity
from tests.helpers import admin_token, bearer, register, sign_in

MEMBERS = tuple(f"member:{action}" for action in ACTIONS)
ROLES = ("admin", "owner", *MEMBERS, "stranger", "disabled", "anonymous")


@dataclass
class World:
    client: TestClient[Any]
    tokens: dict[str, str]
    group: str
    child: str
    target: str
    """A user the membership calls act on."""

    def headers(self, role: str) -> dict[str, str]:
        return bearer(self.tokens[role]) if role in self.tokens else {}

    def state(self) -> tuple[Any, ...]:
        admin = self.headers("admin")
        group = self.client.get(f"/groups/{self.group}", headers=admin).json()
        members = self.client.get(f"/groups/{self.group}/members?limit=100", headers=admin)
        return group, sorted(m["id"] for m in members.json()["members"])


def user(client: TestClient[Any], admin: str) -> tuple[str, str]:
    identity = new_identity("u")
    user_id = register(client, identity, token=admin)["id"]
    return user_id, sign_in(client, identity, "12345678")


@pytest.fixture
def world(client: TestClient[Any]) -> World:
    admin = admin_token(client)
    tokens = {"admin": admin}
    _, tokens["owner"] = user(client, admin)
    group = client.post("/groups", json={"name": "G"}, headers=bearer(tokens["owner"])).json()
    child = client.post(
        "/groups", json={"name": "C", "parent_id": group["id"]}, headers=bearer(tokens["owner"])
    ).json()
    for role in (*MEMBERS, "stranger", "disabled"):
        user_id, tokens[role] = user(client, admin)
        if role.startswith("member:"):
            body = {"subject": user_id, "object": group["id"], "actions": [role.split(":")[1]]}
            assert (
                client.post("/users/policies", json=body, headers=bearer(admin)).status_code == 201
            )
        if role == "disabled":
            disabled = client.post(f"/users/{user_id}/disable", headers=bearer(admin))
            assert disabled.status_code == 200, disabled.text
    target, _ = user(client, admin)
    return World(client, tokens, group["id"], child["id"], target)


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str
    allowed_actions: tuple[str, ...] | None
    """Member actions that allow the call; None: any membership does."""
    status: int = 200
    body: Callable[[World], Any] = lambda world: None
    target_is_member: bool = False


def membership(world: World, actions: list[str]) -> dict[str, Any]:
    return {"subject": world.target, "object": world.group, "actions": actions}


ENDPOINTS = [
    Endpoint("get", "GET", "/groups/{group}", None),
    Endpoint("children", "GET", "/groups/{group}/children", None),
    Endpoint("parents", "GET", "/groups/{group}/parents", None),
    Endpoint("update", "PUT", "/groups/{group}", ("g_update",), body=lambda w: {"name": "N"}),
    Endpoint("disable", "POST", "/groups/{group}/disable", ("g_delete",)),
    Endpoint("members", "GET", "/groups/{group}/members", ("g_list", "c_list")),
    Endpoint(
        "assign", "POST", "/users/policies", ("g_add",), 201, lambda w: membership(w, ["g_list"])
    ),
    Endpoint(
        "change-member",
        "PUT",
        "/users/policies",
        ("g_add",),
        204,
        lambda w: membership(w, ["c_list"]),
        target_is_member=True,
    ),
    Endpoint(
        "unassign",
        "DELETE",
        "/users/policies/{target}/{group}",
        ("g_delete",),
        204,
        target_is_member=True,
    ),
]


def expected(endpoint: Endpoint, role: str) -> int:
    if role in ("anonymous", "disabled"):
        return 401
    if role == "stranger":
        return 404
    if role in ("admin", "owner"):
        return endpoint.status
    action = role.split(":")[1]
    if endpoint.allowed_actions is None or action in endpoint.allowed_actions:
        return endpoint.status
    return 403


def test_a_member_is_a_stranger_to_subgroups(world: World) -> None:
    for role in MEMBERS:
        child = world.client.get(f"/groups/{world.child}", headers=world.headers(role))
        assert_problem(child, 404)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_who_may_call_which_groups_endpoint(world: World, endpoint: Endpoint, role: str) -> None:
    if endpoint.target_is_member:
        body = membership(world, ["g_list"])
        made = world.client.post("/users/policies", json=body, headers=world.headers("admin"))
        assert made.status_code == 201, made.text
    before = world.state()
    path = (
        endpoint.path.replace("{group}", world.group)
        .replace("{child}", world.child)
        .replace("{target}", world.target)
    )
    body = endpoint.body(world)
    response: httpx.Response = world.client.request(
        endpoint.method, path, headers=world.headers(role), json=body
    )

    status = expected(endpoint, role)
    if status >= 400:
        assert_problem(response, status)
        assert world.state() == before, "a refused call changes nothing"
    else:
        assert response.status_code == status, response.text
