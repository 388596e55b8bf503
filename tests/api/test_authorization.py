"""Who may call which Users endpoint on whom: one table of endpoint x role x expected status.

Roles: `admin`; `self` (the target user); `owner` (created the target with its token); `other`
(an unrelated user); `anonymous` (no token). A refused request must leave every user unchanged.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient

from tests.api.support import (
    SECRET,
    all_users,
    assert_problem,
    assert_user_shape,
    get_user,
    issue_tokens,
    new_identity,
)
from tests.conftest import ADMIN_IDENTITY, ADMIN_SECRET
from tests.helpers import admin_token, bearer, register, sign_in

ROLES = ("admin", "self", "owner", "other", "anonymous")
NEW_SECRET = "a-brand-new-secret"


@dataclass
class World:
    """Four signed-in users around one target, plus the ids and secrets the calls need, and
    `heir`, a user the owner created, whom the owner may hand the target to."""

    client: TestClient[Any]
    ids: dict[str, str]
    identities: dict[str, str]
    secrets: dict[str, str]
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def admin_access(self) -> str:
        return str(self.tokens["admin"]["access_token"])

    @property
    def target(self) -> str:
        return self.ids["self"]

    def headers(self, role: str, kind: str = "access_token") -> dict[str, str]:
        return {} if role == "anonymous" else bearer(self.tokens[role][kind])


@pytest.fixture
def world(client: TestClient[Any]) -> World:
    admin = admin_token(client)
    admin_id = client.get("/users/profile", headers=bearer(admin)).json()["id"]
    owner_identity, other_identity = new_identity("owner"), new_identity("other")
    owner_id = register(client, owner_identity)["id"]
    other_id = register(client, other_identity)["id"]
    owner_token = sign_in(client, owner_identity, SECRET)
    target_identity = new_identity("target")
    target = register(client, target_identity, token=owner_token, name="Target", tags=["t"])
    assert target["owner"] == owner_id
    heir_identity = new_identity("heir")
    heir = register(client, heir_identity, token=owner_token)
    world = World(
        client=client,
        ids={
            "admin": admin_id,
            "self": target["id"],
            "owner": owner_id,
            "other": other_id,
            "heir": heir["id"],
        },
        identities={
            "admin": ADMIN_IDENTITY,
            "self": target_identity,
            "owner": owner_identity,
            "other": other_identity,
            "heir": heir_identity,
        },
        secrets={"admin": ADMIN_SECRET, "self": SECRET, "owner": SECRET, "other": SECRET},
    )
    for role in ("admin", "self", "owner", "other"):
        world.tokens[role] = issue_tokens(client, world.identities[role], world.secrets[role])
    return world


Check = Callable[[World, str, httpx.Response], None]


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str
    """`{target}` is replaced by the target user's id."""
    body: Callable[[World, str], dict[str, Any] | None] = lambda world, role: None
    prepare: Callable[[World, str], None] = lambda world, role: None
    """Runs after sign-in and before the call (e.g. disable the target so enable changes it)."""
    check: Check = lambda world, role, response: None
    """Verifies the effect of an allowed call."""
    token: str = "access_token"


def _target_as_admin(world: World) -> dict[str, Any]:
    return get_user(world.client, world.admin_access, world.target)


def _same_as_stored(world: World, response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert_user_shape(body)
    assert body["id"] == world.target
    assert _target_as_admin(world) == body
    return body


def check_read(world: World, role: str, response: httpx.Response) -> None:
    _same_as_stored(world, response)


def check_update(world: World, role: str, response: httpx.Response) -> None:
    body = _same_as_stored(world, response)
    assert body["name"] == f"Renamed by {role}"
    assert body["metadata"] == {"changed_by": role}
    assert body["updated_by"] == world.ids[role]


def check_tags(world: World, role: str, response: httpx.Response) -> None:
    body = _same_as_stored(world, response)
    assert body["tags"] == [f"tag-{role}"]
    assert body["updated_by"] == world.ids[role]


def check_owner(world: World, role: str, response: httpx.Response) -> None:
    body = _same_as_stored(world, response)
    assert body["owner"] == world.ids["heir"]
    assert body["updated_by"] == world.ids[role]
    heir = sign_in(world.client, world.identities["heir"], SECRET)
    seen = world.client.get(f"/users/{world.target}", headers=bearer(heir))
    assert seen.status_code == 200, "the new owner sees the user"


def check_identity(world: World, role: str, response: httpx.Response) -> None:
    body = _same_as_stored(world, response)
    identity = body["credentials"]["identity"]
    assert identity.startswith(f"renamed.by.{role}.")
    assert body["updated_by"] == world.ids[role]
    assert sign_in(world.client, identity, SECRET)


def check_enable(world: World, role: str, response: httpx.Response) -> None:
    body = _same_as_stored(world, response)
    assert body["status"] == "enabled"
    assert sign_in(world.client, world.identities["self"], SECRET)


def check_disable(world: World, role: str, response: httpx.Response) -> None:
    body = _same_as_stored(world, response)
    assert body["status"] == "disabled"
    refused = world.client.post(
        "/users/tokens/issue", json={"identity": world.identities["self"], "secret": SECRET}
    )
    assert refused.status_code == 401


def check_profile(world: World, role: str, response: httpx.Response) -> None:
    assert response.json()["id"] == world.ids[role]


VISIBLE_IN_LIST = {
    "admin": {"admin", "self", "owner", "other", "heir"},
    "self": {"self"},
    "owner": {"owner", "self", "heir"},
    "other": {"other"},
}


def check_list(world: World, role: str, response: httpx.Response) -> None:
    page = response.json()
    assert {user["id"] for user in page["users"]} == {world.ids[r] for r in VISIBLE_IN_LIST[role]}
    assert page["total"] == len(VISIBLE_IN_LIST[role])


def check_secret(world: World, role: str, response: httpx.Response) -> None:
    assert response.json()["id"] == world.ids[role]
    assert sign_in(world.client, world.identities[role], NEW_SECRET)


def check_refresh(world: World, role: str, response: httpx.Response) -> None:
    access = response.json()["access_token"]
    profile = world.client.get("/users/profile", headers=bearer(access))
    assert profile.json()["id"] == world.ids[role]


def check_create(world: World, role: str, response: httpx.Response) -> None:
    body = response.json()
    assert_user_shape(body)
    if role == "anonymous":
        assert "owner" not in body
    else:
        assert body["owner"] == world.ids[role]
    assert get_user(world.client, world.admin_access, body["id"]) == body


def check_issue(world: World, role: str, response: httpx.Response) -> None:
    access = response.json()["access_token"]
    profile = world.client.get("/users/profile", headers=bearer(access))
    assert profile.json()["id"] == world.target


def disable_target_unless_self(world: World, role: str) -> None:
    """Only the target's own request needs it enabled (a disabled user cannot authenticate)."""
    if role != "self":
        response = world.client.post(
            f"/users/{world.target}/disable", headers=bearer(world.admin_access)
        )
        assert response.status_code == 200, response.text


GET_USER = Endpoint("get-user", "GET", "/users/{target}", check=check_read)
UPDATE = Endpoint(
    "update-user",
    "PATCH",
    "/users/{target}",
    body=lambda world, role: {"name": f"Renamed by {role}", "metadata": {"changed_by": role}},
    check=check_update,
)
TAGS = Endpoint(
    "update-tags",
    "PATCH",
    "/users/{target}/tags",
    body=lambda world, role: {"tags": [f"tag-{role}"]},
    check=check_tags,
)
OWNER = Endpoint(
    "update-owner",
    "PATCH",
    "/users/{target}/owner",
    body=lambda world, role: {"owner": world.ids["heir"]},
    check=check_owner,
)
IDENTITY = Endpoint(
    "update-identity",
    "PATCH",
    "/users/{target}/identity",
    body=lambda world, role: {"identity": new_identity(f"renamed.by.{role}")},
    check=check_identity,
)
ENABLE = Endpoint(
    "enable",
    "POST",
    "/users/{target}/enable",
    prepare=disable_target_unless_self,
    check=check_enable,
)
DISABLE = Endpoint("disable", "POST", "/users/{target}/disable", check=check_disable)
PROFILE = Endpoint("profile", "GET", "/users/profile", check=check_profile)
LIST = Endpoint("list-users", "GET", "/users", check=check_list)
SECRET_CHANGE = Endpoint(
    "change-secret",
    "PATCH",
    "/users/secret",
    body=lambda world, role: {
        "old_secret": world.secrets.get(role, SECRET),
        "new_secret": NEW_SECRET,
    },
    check=check_secret,
)
REFRESH = Endpoint(
    "refresh-token", "POST", "/users/tokens/refresh", check=check_refresh, token="refresh_token"
)
CREATE = Endpoint(
    "create-user",
    "POST",
    "/users",
    body=lambda world, role: {"credentials": {"identity": new_identity(role), "secret": SECRET}},
    check=check_create,
)
ISSUE = Endpoint(
    "issue-token",
    "POST",
    "/users/tokens/issue",
    body=lambda world, role: {"identity": world.identities["self"], "secret": SECRET},
    check=check_issue,
)

TABLE: dict[Endpoint, dict[str, int]] = {
    # endpoint:  admin self owner other anonymous
    GET_USER: dict(zip(ROLES, (200, 200, 200, 404, 401), strict=True)),
    UPDATE: dict(zip(ROLES, (200, 200, 200, 404, 401), strict=True)),
    TAGS: dict(zip(ROLES, (200, 200, 200, 404, 401), strict=True)),
    IDENTITY: dict(zip(ROLES, (200, 200, 200, 404, 401), strict=True)),
    OWNER: dict(zip(ROLES, (200, 403, 200, 404, 401), strict=True)),
    ENABLE: dict(zip(ROLES, (200, 403, 200, 404, 401), strict=True)),
    DISABLE: dict(zip(ROLES, (200, 403, 200, 404, 401), strict=True)),
    PROFILE: dict(zip(ROLES, (200, 200, 200, 200, 401), strict=True)),
    LIST: dict(zip(ROLES, (200, 200, 200, 200, 401), strict=True)),
    SECRET_CHANGE: dict(zip(ROLES, (200, 200, 200, 200, 401), strict=True)),
    REFRESH: dict(zip(ROLES, (201, 201, 201, 201, 401), strict=True)),
    CREATE: dict(zip(ROLES, (201, 201, 201, 201, 201), strict=True)),
    ISSUE: dict(zip(ROLES, (201, 201, 201, 201, 201), strict=True)),
}

ROWS = [
    pytest.param(endpoint, role, status, id=f"{endpoint.name}-{role}-{status}")
    for endpoint, statuses in TABLE.items()
    for role, status in statuses.items()
]


@pytest.mark.parametrize(("endpoint", "role", "expected"), ROWS)
def test_endpoint_by_role(world: World, endpoint: Endpoint, role: str, expected: int) -> None:
    client = world.client
    endpoint.prepare(world, role)
    before = all_users(client, world.admin_access)

    response = client.request(
        endpoint.method,
        endpoint.path.format(target=world.target),
        json=endpoint.body(world, role),
        headers=world.headers(role, endpoint.token),
    )

    assert response.status_code == expected, response.text
    if expected >= 400:
        assert_problem(response, expected)
        assert all_users(client, world.admin_access) == before, "a refused request changed state"
    else:
        endpoint.check(world, role, response)


@pytest.mark.parametrize("role", ["self", "owner", "other", "anonymous"])
def test_only_an_admin_may_create_an_admin(world: World, role: str) -> None:
    before = all_users(world.client, world.admin_access)
    identity = new_identity("would.be.admin")

    response = world.client.post(
        "/users",
        json={"credentials": {"identity": identity, "secret": SECRET}, "role": "admin"},
        headers=world.headers(role),
    )

    assert_problem(response, 403, field="role")
    assert all_users(world.client, world.admin_access) == before
    refused = world.client.post(
        "/users/tokens/issue", json={"identity": identity, "secret": SECRET}
    )
    assert refused.status_code == 401


def test_an_admin_may_create_an_admin_who_then_acts_as_admin(world: World) -> None:
    identity = new_identity("second.admin")

    response = world.client.post(
        "/users",
        json={"credentials": {"identity": identity, "secret": SECRET}, "role": "admin"},
        headers=world.headers("admin"),
    )

    assert response.status_code == 201, response.text
    assert response.json()["owner"] == world.ids["admin"]
    token = sign_in(world.client, identity, SECRET)
    everyone = world.client.get("/users", params={"limit": 100}, headers=bearer(token))
    assert everyone.json()["total"] == 6
    disabled = world.client.post(f"/users/{world.ids['other']}/disable", headers=bearer(token))
    assert disabled.status_code == 200, disabled.text


def test_a_self_registered_user_is_never_an_admin(world: World) -> None:
    identity = new_identity("plain")
    created = register(world.client, identity)
    token = sign_in(world.client, identity, SECRET)

    page = world.client.get("/users", params={"limit": 100}, headers=bearer(token)).json()

    assert created.get("role", "user") == "user"
    assert [user["id"] for user in page["users"]] == [created["id"]]
    refused = world.client.post(f"/users/{world.ids['other']}/disable", headers=bearer(token))
    assert_problem(refused, 404)


@pytest.mark.parametrize(
    "endpoint", [e for e in TABLE if e is not ISSUE], ids=[e.name for e in TABLE if e is not ISSUE]
)
def test_a_disabled_users_tokens_open_no_endpoint(world: World, endpoint: Endpoint) -> None:
    """The `disabled` role of the table: signed in, then disabled by an admin."""
    identity = new_identity("disabled")
    user_id = register(world.client, identity)["id"]
    tokens = issue_tokens(world.client, identity, SECRET)
    disabled = world.client.post(f"/users/{user_id}/disable", headers=bearer(world.admin_access))
    assert disabled.status_code == 200, disabled.text
    world.tokens["disabled"] = tokens
    before = all_users(world.client, world.admin_access)

    response = world.client.request(
        endpoint.method,
        endpoint.path.format(target=world.target),
        json=endpoint.body(world, "disabled"),
        headers=world.headers("disabled", endpoint.token),
    )

    assert_problem(response, 401)
    assert all_users(world.client, world.admin_access) == before


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_a_new_owner_the_caller_may_not_see_is_answered_as_one_that_never_existed(
    world: World, role: str
) -> None:
    """The owner may not see `other`, so handing the target to it must not tell that `other`
    is a user; an admin sees everyone, and only a missing user is refused."""
    before = all_users(world.client, world.admin_access)
    path = f"/users/{world.target}/owner"

    def hand_to(owner: str) -> httpx.Response:
        return world.client.patch(path, json={"owner": owner}, headers=world.headers(role))

    missing = hand_to(str(uuid.uuid4()))
    assert_problem(missing, 404, field="owner")
    assert all_users(world.client, world.admin_access) == before
    if role == "owner":
        hidden = hand_to(world.ids["other"])
        assert (hidden.status_code, hidden.json()) == (missing.status_code, missing.json())
        assert all_users(world.client, world.admin_access) == before
    else:
        assert hand_to(world.ids["other"]).status_code == 200
