"""Who may call which Things endpoint: one table of endpoint x role x expected status.

Roles: `admin`; `owner` (created the target thing); `member:<action>` (member, with that one
action, of a channel the thing is connected to); `other` (an unrelated user); `disabled`
(signed in, then disabled); `anonymous` (no token). A refused request must leave the thing
unchanged, and every answer shows a thing's secret to its owner and admins only.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient

from application.authorization import CLIENT_ACTIONS
from domain.policies import ACTIONS
from tests.api.support import assert_problem, new_identity
from tests.helpers import admin_token, bearer, register, sign_in

MEMBERS = tuple(f"member:{action}" for action in ACTIONS)
ROLES = ("admin", "owner", *MEMBERS, "other", "disabled", "anonymous")


@dataclass
class World:
    client: TestClient[Any]
    tokens: dict[str, str]
    ids: dict[str, str]
    thing: dict[str, Any]
    channel: str

    def headers(self, role: str) -> dict[str, str]:
        return bearer(self.tokens[role]) if role in self.tokens else {}

    def stored(self) -> dict[str, Any]:
        response = self.client.get(f"/things/{self.thing['id']}", headers=self.headers("admin"))
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
def world(client: TestClient[Any]) -> World:
    tokens = {"admin": admin_token(client)}
    ids = {"admin": client.get("/users/profile", headers=bearer(tokens["admin"])).json()["id"]}
    for role in ("owner", "other", "disabled", *MEMBERS):
        identity = new_identity(role.replace(":", "-"))
        ids[role] = register(client, identity)["id"]
        tokens[role] = sign_in(client, identity, "12345678")
    ids["heir"] = register(client, new_identity("heir"), token=tokens["owner"])["id"]
    disabled = client.post(f"/users/{ids['disabled']}/disable", headers=bearer(tokens["admin"]))
    assert disabled.status_code == 200, disabled.text
    thing = client.post(
        "/things",
        json={"name": "Target", "credentials": {"secret": "target-secret-1"}},
        headers=bearer(tokens["owner"]),
    )
    assert thing.status_code == 201, thing.text
    owner = bearer(tokens["owner"])
    channel = client.post("/channels", json={"name": "C"}, headers=owner).json()["id"]
    pair = {"subjects": [thing.json()["id"]], "objects": [channel]}
    assert client.post("/connect", json=pair, headers=owner).status_code == 201
    for role in MEMBERS:
        body = {"subject": ids[role], "object": channel, "actions": [role.split(":")[1]]}
        assert client.post("/users/policies", json=body, headers=owner).status_code == 201
    return World(client, tokens, ids, thing.json(), channel)


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str
    body: Any = None
    allowed: int = 200
    """The status of an allowed call."""
    check: Callable[[World, str, httpx.Response], None] = lambda world, role, response: None
    disabled_first: bool = False
    """Disable the thing (as admin) before the call, so that enabling it changes something."""


def changed(**expected: Any) -> Callable[[World, str, httpx.Response], None]:
    """The stored thing now has `expected` (`{heir}` names a user the owner created), changed by
    `role`, and the answer is the stored thing as `role` may see it."""

    def check(world: World, role: str, response: httpx.Response) -> None:
        stored = world.stored()
        assert response.json() == as_seen_by(world, role, stored)
        for key, value in _fill(expected, world).items():
            assert stored[key] == value, key
        assert stored["updated_by"] == world.ids[role]

    return check


def identifies_with(secret: str) -> Callable[[World, str, httpx.Response], None]:
    def check(world: World, role: str, response: httpx.Response) -> None:
        found = world.client.post("/identify", headers={"Authorization": f"Thing {secret}"})
        assert found.json() == {"id": world.thing["id"]}

    return check


def listed(world: World, role: str, response: httpx.Response) -> None:
    assert [t["id"] for t in response.json()["things"]] == [world.thing["id"]]


def created(world: World, role: str, response: httpx.Response) -> None:
    body = response.json()
    things = body.get("things", [body])
    me = world.client.get("/users/profile", headers=world.headers(role)).json()["id"]
    assert {t["owner"] for t in things} == {me}


def as_seen_by(world: World, role: str, thing: dict[str, Any]) -> dict[str, Any]:
    """The thing as `role` gets it: without the secret unless it is an admin or the owner."""
    if role == "admin" or thing["owner"] == world.ids[role]:
        return thing
    credentials = {k: v for k, v in thing["credentials"].items() if k != "secret"}
    return {**thing, "credentials": credentials}


def assert_secrets_shown_to_owners_only(world: World, role: str, body: Any) -> None:
    for thing in body.get("things", [body]) if isinstance(body, dict) else []:
        shown = "secret" in thing["credentials"]
        assert shown == (role == "admin" or thing["owner"] == world.ids[role]), (role, thing)


ENDPOINTS = [
    Endpoint("create", "POST", "/things", {"name": "New"}, 201, created),
    Endpoint("bulk", "POST", "/things/bulk", [{"name": "New"}], 200, created),
    Endpoint("get", "GET", "/things/{id}"),
    Endpoint("list", "GET", "/things", check=listed),
    Endpoint("channel-things", "GET", "/channels/{channel}/things", check=listed),
    Endpoint("update", "PATCH", "/things/{id}", {"name": "Renamed"}, check=changed(name="Renamed")),
    Endpoint("tags", "PATCH", "/things/{id}/tags", {"tags": ["x"]}, check=changed(tags=["x"])),
    Endpoint(
        "owner", "PATCH", "/things/{id}/owner", {"owner": "{heir}"}, check=changed(owner="{heir}")
    ),
    Endpoint(
        "secret",
        "PATCH",
        "/things/{id}/secret",
        {"secret": "another-secret-2"},
        check=identifies_with("another-secret-2"),
    ),
    Endpoint("disable", "POST", "/things/{id}/disable", check=changed(status="disabled")),
    Endpoint(
        "enable",
        "POST",
        "/things/{id}/enable",
        check=changed(status="enabled"),
        disabled_first=True,
    ),
]

# What each role gets; "allowed" means the endpoint's own success status.
EXPECTED: dict[str, dict[str, int | str]] = {
    "admin": {e.name: "allowed" for e in ENDPOINTS},
    "owner": {e.name: "allowed" for e in ENDPOINTS},
    "other": {
        **{e.name: 404 for e in ENDPOINTS},
        "create": "allowed",
        "bulk": "allowed",
        "list": "empty",
        "channel-things": 404,
    },
    "disabled": {e.name: 401 for e in ENDPOINTS},
    "anonymous": {e.name: 401 for e in ENDPOINTS},
}
NEEDS = {
    "get": "c_list",
    "list": "c_list",
    "channel-things": "c_list",
    "update": "c_update",
    "tags": "c_update",
    "secret": "c_update",
    "owner": None,
    "disable": "c_delete",
    "enable": "c_delete",
}
"""What a channel member needs for each endpoint (None: nothing suffices, owner only)."""
LISTS = ("list", "channel-things")
"""Endpoints that answer a page: a member of the channel without c_list gets it empty."""
for member in MEMBERS:
    action = member.split(":")[1]
    EXPECTED[member] = {"create": "allowed", "bulk": "allowed"}
    for name, needed in NEEDS.items():
        if action == needed:
            EXPECTED[member][name] = "listed" if name in LISTS else "allowed"
        elif name in LISTS:
            EXPECTED[member][name] = "empty"
        else:
            EXPECTED[member][name] = 403 if action in CLIENT_ACTIONS else 404


def _fill(value: Any, world: World) -> Any:
    if isinstance(value, str):
        return (
            value.replace("{id}", world.thing["id"])
            .replace("{other}", world.ids["other"])
            .replace("{heir}", world.ids["heir"])
            .replace("{channel}", world.channel)
        )
    if isinstance(value, dict):
        return {k: _fill(v, world) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, world) for v in value]
    return value


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_who_may_call_which_things_endpoint(world: World, endpoint: Endpoint, role: str) -> None:
    if endpoint.disabled_first:
        path = f"/things/{world.thing['id']}/disable"
        assert world.client.post(path, headers=world.headers("admin")).status_code == 200
    before = world.stored()
    kwargs: dict[str, Any] = {"headers": world.headers(role)}
    if endpoint.body is not None:
        kwargs["json"] = _fill(endpoint.body, world)
    response = world.client.request(endpoint.method, _fill(endpoint.path, world), **kwargs)

    expected = EXPECTED[role][endpoint.name]
    if response.status_code < 400:
        assert_secrets_shown_to_owners_only(world, role, response.json())
    if expected == "allowed":
        assert response.status_code == endpoint.allowed, response.text
        endpoint.check(world, role, response)
        return
    if expected == "listed":
        assert response.status_code == 200, response.text
        assert [t["id"] for t in response.json()["things"]] == [world.thing["id"]]
        return
    if expected == "empty":
        assert response.status_code == 200, response.text
        assert response.json()["total"] == 0
        return
    assert isinstance(expected, int)
    assert_problem(response, expected)
    assert world.stored() == before, "a refused request changes nothing"


def test_a_new_owner_the_owner_may_not_see_is_answered_as_one_that_never_existed(
    world: World,
) -> None:
    before = world.stored()
    path = f"/things/{world.thing['id']}/owner"
    owner = world.headers("owner")

    missing = world.client.patch(path, json={"owner": str(uuid.uuid4())}, headers=owner)
    hidden = world.client.patch(path, json={"owner": world.ids["other"]}, headers=owner)

    assert_problem(missing, 404, field="owner")
    assert (hidden.status_code, hidden.json()) == (missing.status_code, missing.json())
    assert world.stored() == before
