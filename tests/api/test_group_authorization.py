"""Who may call which Groups endpoint: endpoint x role, roles including a member per action.

Roles: `admin`; `owner` (created the group); `member:<action>` (assigned with that one action);
`stranger`; `disabled` (signed in, then disabled); `anonymous`. A refused call changes nothing.
Membership is not inherited: a member of a group is a stranger to its subgroups.

The grant matrix (grantor x requested action x group or channel, on every route that grants or
changes a membership) checks that a member grants only what it holds, and `g_list`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
import pytest
from litestar.testing import TestClient

from domain.policies import ACTIONS, Policy
from interfaces.bootstrap import FleetID
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
        lambda w: membership(w, ["g_add", "g_list"]),
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


GRANTORS = ("admin", "owner", *MEMBERS, "stranger")


@dataclass(frozen=True)
class GrantRoute:
    name: str
    method: str
    path: str
    status: int
    kinds: tuple[str, ...]
    external: bool = False
    """The body carries `external: true` (a user, not a thing, joins the channel)."""
    changes: bool = False
    """The target is a member (with g_list) before the call, and the call changes its actions."""


GRANT_ROUTES = [
    GrantRoute("assign", "POST", "/users/policies", 201, ("group", "channel")),
    GrantRoute("change", "PUT", "/users/policies", 204, ("group", "channel"), changes=True),
    GrantRoute("share", "POST", "/things/policies", 201, ("channel",), external=True),
    GrantRoute("change-share", "PUT", "/things/policies", 204, ("channel",), changes=True),
]
GRANT_CASES = [
    pytest.param(kind, kind, route, grantor, id=f"{kind}-{route.name}-{grantor}")
    for route in GRANT_ROUTES
    for kind in route.kinds
    for grantor in GRANTORS
]


def may_grant(kind: str, route: GrantRoute, grantor: str, action: str) -> int:
    """Owners and admins grant anything; a member with g_add (or c_share, to share a channel)
    only the actions it holds and g_list; a member without them nothing; a stranger sees no
    object at all."""
    if grantor in ("admin", "owner"):
        return route.status
    if grantor == "stranger":
        return 404
    held = grantor.split(":")[1]
    grants = held == "g_add" or (kind == "channel" and held == "c_share" and not route.changes)
    return route.status if grants and action in (held, "g_list") else 403


@pytest.fixture
def shared(request: pytest.FixtureRequest, client: TestClient[Any]) -> World:
    """The owner's group or channel (the parameter), a member per action (granted by an
    admin), a stranger."""
    admin = admin_token(client)
    tokens = {"admin": admin}
    _, tokens["owner"] = user(client, admin)
    path = "/groups" if request.param == "group" else "/channels"
    made = client.post(path, json={"name": "Shared"}, headers=bearer(tokens["owner"])).json()
    for role in (*MEMBERS, "stranger"):
        user_id, tokens[role] = user(client, admin)
        if role.startswith("member:"):
            body = {"subject": user_id, "object": made["id"], "actions": [role.split(":")[1]]}
            granted = client.post("/users/policies", json=body, headers=bearer(admin))
            assert granted.status_code == 201, granted.text
    return World(client, tokens, made["id"], made["id"], "")


def held(fleet: FleetID, user_id: str, object_id: str) -> list[str] | None:
    """The actions the user's membership holds in the write model (None: no membership)."""
    policy = fleet.log.get(Policy.id_for(UUID(user_id), UUID(object_id)))
    return list(policy.actions) if isinstance(policy, Policy) and policy.active else None


@pytest.mark.parametrize(("shared", "kind", "route", "grantor"), GRANT_CASES, indirect=["shared"])
def test_a_member_grants_only_what_it_holds(
    shared: World, sqlite_fleet: FleetID, kind: str, route: GrantRoute, grantor: str
) -> None:
    world = shared
    admin = world.headers("admin")
    outcomes: dict[str, int] = {}
    for action in ACTIONS:
        target, _ = user(world.client, world.tokens["admin"])
        before: list[str] | None = None
        if route.changes:
            body = {"subject": target, "object": world.group, "actions": ["g_list"]}
            made = world.client.post("/users/policies", json=body, headers=admin)
            assert made.status_code == 201, made.text
            before = ["g_list"]
        body = {"subject": target, "object": world.group, "actions": [action]}
        if route.external:
            body["external"] = True

        response = world.client.request(
            route.method, route.path, json=body, headers=world.headers(grantor)
        )

        outcomes[action] = response.status_code
        if response.status_code >= 400:
            assert_problem(response, response.status_code)
            assert held(sqlite_fleet, target, world.group) == before, "a refusal changed it"
        else:
            assert held(sqlite_fleet, target, world.group) == [action]
    assert outcomes == {a: may_grant(kind, route, grantor, a) for a in ACTIONS}


@pytest.mark.parametrize("kind", ["group", "channel"])
def test_a_g_add_member_takes_over_nothing(
    client: TestClient[Any], sqlite_fleet: FleetID, kind: str
) -> None:
    """The attack: a member holding only g_add grants itself the owner's rights, or strips a
    right the owner gave another member. Both are refused and change nothing."""
    admin = admin_token(client)
    _, owner = user(client, admin)
    path = "/groups" if kind == "group" else "/channels"
    made = client.post(path, json={"name": "Mine"}, headers=bearer(owner)).json()
    adder, adder_token = user(client, admin)
    trusted, _ = user(client, admin)
    for subject, actions in ((adder, ["g_add"]), (trusted, ["g_delete"])):
        body = {"subject": subject, "object": made["id"], "actions": actions}
        assert client.post("/users/policies", json=body, headers=bearer(owner)).status_code == 201

    for method in ("POST", "PUT"):
        for subject, actions in ((adder, ["g_add", "g_update", "c_update"]), (trusted, ["g_add"])):
            body = {"subject": subject, "object": made["id"], "actions": actions}
            refused = client.request(
                method, "/users/policies", json=body, headers=bearer(adder_token)
            )
            assert_problem(refused, 403)
    assert held(sqlite_fleet, adder, made["id"]) == ["g_add"]
    assert held(sqlite_fleet, trusted, made["id"]) == ["g_delete"]

    renamed = client.put(
        f"{path}/{made['id']}", json={"name": "Taken"}, headers=bearer(adder_token)
    )
    assert_problem(renamed, 403)
    assert client.get(f"{path}/{made['id']}", headers=bearer(owner)).json()["name"] == "Mine"
