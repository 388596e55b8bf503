"""The Users section of the seed API, endpoint by endpoint, over HTTP against the real app."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient

from tests.api.support import (
    SECRET,
    ZERO_TIME,
    all_users,
    assert_problem,
    assert_user_shape,
    get_user,
    issue_tokens,
    jwt_claims,
    list_users,
    new_identity,
    parse_time,
)
from tests.conftest import ADMIN_IDENTITY, ADMIN_SECRET
from tests.helpers import admin_token, bearer, register, sign_in

ACCESS_TTL = 15 * 60
REFRESH_TTL = 24 * 60 * 60


@dataclass(frozen=True)
class Admin:
    token: str
    id: str


@pytest.fixture
def admin(client: TestClient[Any]) -> Admin:
    token = admin_token(client)
    profile = client.get("/users/profile", headers=bearer(token))
    assert profile.status_code == 200, profile.text
    return Admin(token=token, id=profile.json()["id"])


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, (response.request.url, response.text)
    body: dict[str, Any] = response.json()
    return body


def profile_status(client: TestClient[Any], token: str) -> int:
    return client.get("/users/profile", headers=bearer(token)).status_code


# --- Create User -------------------------------------------------------------------------------


def test_create_user_answers_201_with_location_and_the_seed_shape(
    client: TestClient[Any], admin: Admin
) -> None:
    identity = new_identity("john")
    before = datetime.now(UTC) - timedelta(seconds=5)
    body = {
        "name": "John Doe",
        "tags": ["tag1", "tag2"],
        "credentials": {"identity": identity, "secret": SECRET},
        "metadata": {"key1": "value1", "key2": "value2"},
        "status": "enabled",
        "role": "user",
    }

    response = client.post("/users", json=body)

    assert response.status_code == 201, response.text
    created = response.json()
    assert_user_shape(created)
    assert response.headers["location"] == f"/users/{created['id']}"
    assert created["name"] == "John Doe"
    assert created["tags"] == ["tag1", "tag2"]
    assert created["credentials"] == {"identity": identity}
    assert created["metadata"] == {"key1": "value1", "key2": "value2"}
    assert created["status"] == "enabled"
    assert "owner" not in created, "a self-registered user has no owner"
    assert "updated_by" not in created
    assert created["updated_at"] == ZERO_TIME
    assert before <= parse_time(created["created_at"]) <= datetime.now(UTC) + timedelta(seconds=5)
    assert SECRET not in response.text
    assert get_user(client, admin.token, created["id"]) == created


def test_create_user_with_only_credentials_as_in_the_seed_example(client: TestClient[Any]) -> None:
    identity = new_identity("minimal")

    response = client.post(
        "/users",
        json={"name": "John Doe", "credentials": {"identity": identity, "secret": SECRET}},
    )

    assert response.status_code == 201, response.text
    created = response.json()
    assert_user_shape(created)
    assert created["credentials"] == {"identity": identity}
    assert created.get("tags", []) == []
    assert created.get("metadata", {}) == {}
    assert created["status"] == "enabled"
    assert sign_in(client, identity, SECRET)


@pytest.mark.parametrize(
    "media_type", ["application/json", "application/json; charset=utf-8", "Application/JSON"]
)
def test_create_user_accepts_json_media_types(client: TestClient[Any], media_type: str) -> None:
    identity = new_identity("media")
    body = json.dumps({"credentials": {"identity": identity, "secret": SECRET}}).encode()

    response = client.post("/users", content=body, headers={"content-type": media_type})

    assert response.status_code == 201, response.text
    assert response.json()["credentials"] == {"identity": identity}


@pytest.mark.parametrize("creator", ["admin", "user"])
def test_create_user_with_a_token_makes_the_caller_the_owner(
    client: TestClient[Any], admin: Admin, creator: str
) -> None:
    if creator == "admin":
        token, creator_id = admin.token, admin.id
    else:
        creator_identity = new_identity("creator")
        creator_id = register(client, creator_identity)["id"]
        token = sign_in(client, creator_identity, SECRET)
    identity = new_identity("owned")

    response = client.post(
        "/users",
        json={"credentials": {"identity": identity, "secret": SECRET}},
        headers=bearer(token),
    )

    assert response.status_code == 201, response.text
    created = response.json()
    assert_user_shape(created)
    assert created["owner"] == creator_id
    assert response.headers["location"] == f"/users/{created['id']}"
    assert get_user(client, token, created["id"]) == created
    page, identities = list_users(client, token, identity=identity)
    assert identities == [identity]
    assert page["total"] == 1


def test_create_user_disabled_cannot_sign_in(client: TestClient[Any], admin: Admin) -> None:
    identity = new_identity("born.disabled")

    created = register(client, identity, token=admin.token, status="disabled")

    assert created["status"] == "disabled"
    assert get_user(client, admin.token, created["id"])["status"] == "disabled"
    response = client.post("/users/tokens/issue", json={"identity": identity, "secret": SECRET})
    assert_problem(response, 401)


# --- Create Token / Refresh Token --------------------------------------------------------------


def test_issue_token_answers_201_with_bearer_access_and_refresh_tokens(
    client: TestClient[Any],
) -> None:
    identity = new_identity("token")
    user = register(client, identity)

    response = client.post("/users/tokens/issue", json={"identity": identity, "secret": SECRET})

    assert response.status_code == 201, response.text
    tokens = response.json()
    assert set(tokens) == {"access_token", "refresh_token", "access_type"}
    assert tokens["access_type"] == "Bearer"
    access, refresh = jwt_claims(tokens["access_token"]), jwt_claims(tokens["refresh_token"])
    assert access["sub"] == refresh["sub"] == user["id"]
    assert access["exp"] - access["iat"] == pytest.approx(ACCESS_TTL, abs=1)
    assert refresh["exp"] - refresh["iat"] == pytest.approx(REFRESH_TTL, abs=1)
    now = datetime.now(UTC).timestamp()
    assert access["iat"] == pytest.approx(now, abs=60)
    assert tokens["access_token"] != tokens["refresh_token"]
    assert profile_status(client, tokens["access_token"]) == 200


@pytest.mark.parametrize(
    ("identity", "secret"),
    [
        pytest.param("registered", "wrong-secret-1", id="wrong-secret"),
        pytest.param("unknown@fleet.example", SECRET, id="unknown-identity"),
    ],
)
def test_issue_token_with_wrong_credentials_is_401_with_one_answer(
    client: TestClient[Any], identity: str, secret: str
) -> None:
    registered = new_identity("registered")
    register(client, registered)
    identity = registered if identity == "registered" else identity

    response = client.post("/users/tokens/issue", json={"identity": identity, "secret": secret})

    body = assert_problem(response, 401)
    assert body["message"] == "wrong identity or secret"


def test_refresh_token_issues_a_new_working_pair(client: TestClient[Any]) -> None:
    identity = new_identity("refresh")
    user = register(client, identity)
    first = issue_tokens(client, identity, SECRET)

    response = client.post("/users/tokens/refresh", headers=bearer(first["refresh_token"]))

    assert response.status_code == 201, response.text
    second = response.json()
    assert set(second) == {"access_token", "refresh_token", "access_type"}
    assert second["access_type"] == "Bearer"
    access, refresh = jwt_claims(second["access_token"]), jwt_claims(second["refresh_token"])
    assert access["sub"] == refresh["sub"] == user["id"]
    assert access["exp"] - access["iat"] == pytest.approx(ACCESS_TTL, abs=1)
    assert refresh["exp"] - refresh["iat"] == pytest.approx(REFRESH_TTL, abs=1)
    profile = client.get("/users/profile", headers=bearer(second["access_token"]))
    assert profile.status_code == 200
    assert profile.json()["id"] == user["id"]
    again = client.post("/users/tokens/refresh", headers=bearer(second["refresh_token"]))
    assert again.status_code == 201, again.text


@pytest.mark.parametrize(
    "which",
    ["access_token", "none", "garbage"],
)
def test_refresh_needs_a_refresh_token(client: TestClient[Any], which: str) -> None:
    identity = new_identity("refresh.bad")
    register(client, identity)
    tokens = issue_tokens(client, identity, SECRET)
    headers = {
        "access_token": bearer(tokens["access_token"]),
        "none": {},
        "garbage": bearer("not.a.jwt"),
    }[which]

    response = client.post("/users/tokens/refresh", headers=headers)

    assert_problem(response, 401)


def test_a_refresh_token_is_not_an_access_token(client: TestClient[Any]) -> None:
    identity = new_identity("refresh.as.access")
    register(client, identity)
    tokens = issue_tokens(client, identity, SECRET)

    assert_problem(client.get("/users/profile", headers=bearer(tokens["refresh_token"])), 401)


# --- Get User Profile / Get User / Get Users ---------------------------------------------------


def test_profile_is_the_signed_in_user(client: TestClient[Any], admin: Admin) -> None:
    identity = new_identity("jane")
    created = register(client, identity, token=admin.token, name="Jane Doe")
    token = sign_in(client, identity, SECRET)

    response = client.get("/users/profile", headers=bearer(token))

    assert response.status_code == 200
    assert_user_shape(response.json())
    assert response.json() == created
    assert response.json()["owner"] == admin.id


def test_get_user_by_id(client: TestClient[Any], admin: Admin) -> None:
    created = register(client, new_identity("get"), token=admin.token, tags=["a"])

    response = client.get(f"/users/{created['id']}", headers=bearer(admin.token))

    assert response.status_code == 200
    assert_user_shape(response.json())
    assert response.json() == created


def test_get_users_answers_a_page(client: TestClient[Any], admin: Admin) -> None:
    created = register(client, new_identity("listed"))

    response = client.get("/users", headers=bearer(admin.token))

    assert response.status_code == 200
    page = response.json()
    assert {"limit", "total", "users"} <= set(page)
    assert page["limit"] == 10
    assert page.get("offset", 0) == 0
    assert page["total"] == 2
    for user in page["users"]:
        assert_user_shape(user)
    assert [u["credentials"]["identity"] for u in page["users"]] == [
        ADMIN_IDENTITY,
        created["credentials"]["identity"],
    ]
    assert page["users"][1] == created


def test_pagination_walks_every_user_once(client: TestClient[Any], admin: Admin) -> None:
    identities = [new_identity(f"page{i}") for i in range(7)]
    for identity in identities:
        register(client, identity, token=admin.token, tags=["paged"])

    seen: list[str] = []
    for offset, size in [(0, 3), (3, 3), (6, 1), (7, 0), (50, 0)]:
        page, on_page = list_users(client, admin.token, tag="paged", limit=3, offset=offset)
        assert page["limit"] == 3
        assert page.get("offset", offset) == offset
        assert page["total"] == 7
        assert len(on_page) == size
        seen += on_page

    assert seen == identities, "pages follow creation order without gaps or repeats"
    page, on_page = list_users(client, admin.token, tag="paged", limit=100)
    assert on_page == identities
    assert page["limit"] == 100


@dataclass(frozen=True)
class Population:
    alice: str
    bob: str
    carol: str


def populate(client: TestClient[Any], admin: Admin) -> Population:
    """Alice and Bob enabled; Carol disabled. Names, tags and metadata overlap on purpose."""
    alice, bob, carol = new_identity("alice"), new_identity("bob"), new_identity("carol")
    register(
        client,
        alice,
        token=admin.token,
        name="Alice Liddell",
        tags=["red", "fleet-a"],
        metadata={
            "location": "london",
            "floor": 3,
            "site": {"city": "london", "wing": "b"},
            "active": True,
            "note": None,
        },
    )
    register(
        client,
        bob,
        token=admin.token,
        name="Bob Builder",
        tags=["blue"],
        metadata={"x": 1, "dotted.key": "v"},
    )
    carol_id = register(
        client,
        carol,
        token=admin.token,
        name="Carol Danvers",
        tags=["red"],
        metadata={"location": "london", "floor": 4},
    )["id"]
    disabled = client.post(f"/users/{carol_id}/disable", headers=bearer(admin.token))
    assert disabled.status_code == 200, disabled.text
    return Population(alice, bob, carol)


FILTER_ROWS: list[Any] = [
    pytest.param({"name": "Alice Liddell"}, {"alice"}, id="name"),
    pytest.param({"name": "Carol Danvers", "status": "all"}, {"carol"}, id="name-disabled"),
    pytest.param({"identity": "<alice>"}, {"alice"}, id="identity"),
    pytest.param({"identity": "nobody@fleet.example"}, set(), id="identity-unknown"),
    pytest.param({"tag": "red"}, {"alice"}, id="tag-enabled-by-default"),
    pytest.param({"tag": "red", "status": "all"}, {"alice", "carol"}, id="tag-all"),
    pytest.param({"tag": "fleet-a"}, {"alice"}, id="tag-single"),
    pytest.param({"tag": "green"}, set(), id="tag-unknown"),
    pytest.param({"status": "disabled"}, {"carol"}, id="status-disabled"),
    pytest.param({"status": "enabled"}, {"admin", "alice", "bob"}, id="status-enabled"),
    pytest.param({"status": "all"}, {"admin", "alice", "bob", "carol"}, id="status-all"),
    pytest.param({"metadata": {"location": "london"}}, {"alice"}, id="metadata"),
    pytest.param(
        {"metadata": {"location": "london"}, "status": "all"},
        {"alice", "carol"},
        id="metadata-all",
    ),
    pytest.param(
        {"metadata": {"location": "london", "floor": 4}, "status": "all"},
        {"carol"},
        id="metadata-two-keys",
    ),
    pytest.param({"metadata": {"x": 1}}, {"bob"}, id="metadata-number"),
    pytest.param({"metadata": {"x": True}}, set(), id="metadata-true-is-not-1"),
    pytest.param({"metadata": {"active": True}}, {"alice"}, id="metadata-bool"),
    pytest.param({"metadata": {"active": 1}}, set(), id="metadata-1-is-not-true"),
    pytest.param({"metadata": {"note": None}}, {"alice"}, id="metadata-null"),
    pytest.param({"metadata": {"dotted.key": "v"}}, {"bob"}, id="metadata-dotted-key"),
    pytest.param(
        {"metadata": {"site": {"city": "london", "wing": "b"}}}, {"alice"}, id="metadata-nested"
    ),
    pytest.param(
        {"metadata": {"site": {"wing": "b", "city": "london"}}},
        {"alice"},
        id="metadata-nested-key-order",
    ),
    pytest.param({"metadata": {"location": "paris"}}, set(), id="metadata-no-match"),
    pytest.param({"metadata": {}}, {"admin", "alice", "bob"}, id="metadata-empty"),
    pytest.param({"tag": "red", "name": "Alice Liddell"}, {"alice"}, id="tag-and-name"),
    pytest.param({"tag": "blue", "name": "Alice Liddell"}, set(), id="tag-and-name-disjoint"),
    pytest.param({"offset": 1, "status": "all"}, {"alice", "bob", "carol"}, id="offset"),
    pytest.param({"limit": 2, "status": "all"}, {"admin", "alice"}, id="limit"),
]


@pytest.mark.parametrize(("params", "expected"), FILTER_ROWS)
def test_list_filters(
    client: TestClient[Any], admin: Admin, params: dict[str, Any], expected: set[str]
) -> None:
    people = populate(client, admin)
    names = {
        "admin": ADMIN_IDENTITY,
        "alice": people.alice,
        "bob": people.bob,
        "carol": people.carol,
    }
    query = {
        key: (json.dumps(value) if key == "metadata" else value) for key, value in params.items()
    }
    if query.get("identity") == "<alice>":
        query["identity"] = people.alice

    page, identities = list_users(client, admin.token, **query)

    assert set(identities) == {names[who] for who in expected}
    assert len(identities) == len(set(identities))
    if "offset" not in params and "limit" not in params:
        assert page["total"] == len(expected)
    else:
        assert page["total"] == 4
    for user in page["users"]:
        assert_user_shape(user)


# --- Update User / Tags / Owner / Identity -----------------------------------------------------


def test_update_user_name_and_metadata(client: TestClient[Any], admin: Admin) -> None:
    owner_identity = new_identity("owner")
    owner_id = register(client, owner_identity)["id"]
    owner_token = sign_in(client, owner_identity, SECRET)
    created = register(client, new_identity("jane"), token=owner_token, tags=["keep"])

    response = client.patch(
        f"/users/{created['id']}",
        json={"name": "Jane Doe", "metadata": {"location": "london"}},
        headers=bearer(owner_token),
    )

    assert response.status_code == 200, response.text
    updated = response.json()
    assert_user_shape(updated)
    assert updated["name"] == "Jane Doe"
    assert updated["metadata"] == {"location": "london"}
    assert updated["tags"] == ["keep"]
    assert updated["owner"] == owner_id
    assert updated["credentials"] == created["credentials"]
    assert updated["created_at"] == created["created_at"]
    assert updated["updated_by"] == owner_id
    assert parse_time(updated["updated_at"]) >= parse_time(updated["created_at"])
    assert updated["status"] == "enabled"
    assert get_user(client, admin.token, created["id"]) == updated


@pytest.mark.parametrize(
    ("patch", "name", "metadata"),
    [
        pytest.param({"name": "Only Name"}, "Only Name", {"kept": True}, id="name-only"),
        pytest.param({"metadata": {"new": 1}}, "Original", {"new": 1}, id="metadata-only"),
        pytest.param({}, "Original", {"kept": True}, id="nothing"),
    ],
)
def test_update_user_changes_only_what_is_sent(
    client: TestClient[Any],
    admin: Admin,
    patch: dict[str, Any],
    name: str,
    metadata: dict[str, Any],
) -> None:
    created = register(
        client, new_identity("partial"), token=admin.token, name="Original", metadata={"kept": True}
    )

    response = client.patch(f"/users/{created['id']}", json=patch, headers=bearer(admin.token))

    assert response.status_code == 200, response.text
    assert response.json()["name"] == name
    assert response.json()["metadata"] == metadata
    assert get_user(client, admin.token, created["id"]) == response.json()


def test_update_user_tags(client: TestClient[Any], admin: Admin) -> None:
    created = register(client, new_identity("tags"), token=admin.token, tags=["old"], name="T")

    response = client.patch(
        f"/users/{created['id']}/tags",
        json={"tags": ["male", "developer"]},
        headers=bearer(admin.token),
    )

    assert response.status_code == 200, response.text
    updated = response.json()
    assert_user_shape(updated)
    assert updated["tags"] == ["male", "developer"]
    assert updated["name"] == "T"
    assert updated["updated_by"] == admin.id
    assert get_user(client, admin.token, created["id"]) == updated
    _, identities = list_users(client, admin.token, tag="developer")
    assert identities == [created["credentials"]["identity"]]
    _, identities = list_users(client, admin.token, tag="old")
    assert identities == []


def test_update_user_owner(client: TestClient[Any], admin: Admin) -> None:
    first_identity, second_identity = new_identity("first"), new_identity("second")
    register(client, first_identity)
    second_id = register(client, second_identity)["id"]
    first_token = sign_in(client, first_identity, SECRET)
    second_token = sign_in(client, second_identity, SECRET)
    owned = register(client, new_identity("owned"), token=first_token)

    response = client.patch(
        f"/users/{owned['id']}/owner", json={"owner": second_id}, headers=bearer(admin.token)
    )

    assert response.status_code == 200, response.text
    updated = response.json()
    assert_user_shape(updated)
    assert updated["owner"] == second_id
    assert updated["updated_by"] == admin.id
    assert get_user(client, admin.token, owned["id"]) == updated
    assert get_user(client, second_token, owned["id"]) == updated
    assert_problem(client.get(f"/users/{owned['id']}", headers=bearer(first_token)), 404)


def test_update_user_owner_must_exist(client: TestClient[Any], admin: Admin) -> None:
    owned = register(client, new_identity("owned"), token=admin.token)

    response = client.patch(
        f"/users/{owned['id']}/owner",
        json={"owner": "532311a4-c13b-4061-b991-98dcae7a934e"},
        headers=bearer(admin.token),
    )

    assert_problem(response, 404, field="owner")
    assert get_user(client, admin.token, owned["id"]) == owned


def test_update_user_identity(client: TestClient[Any], admin: Admin) -> None:
    old_identity, new = new_identity("jane"), new_identity("updated.jane")
    created = register(client, old_identity, token=admin.token)

    response = client.patch(
        f"/users/{created['id']}/identity", json={"identity": new}, headers=bearer(admin.token)
    )

    assert response.status_code == 200, response.text
    updated = response.json()
    assert_user_shape(updated)
    assert updated["credentials"] == {"identity": new}
    assert updated["updated_by"] == admin.id
    assert get_user(client, admin.token, created["id"]) == updated
    assert jwt_claims(sign_in(client, new, SECRET))["sub"] == created["id"]
    stale = client.post("/users/tokens/issue", json={"identity": old_identity, "secret": SECRET})
    assert_problem(stale, 401)
    reused = register(client, old_identity)
    assert reused["id"] != created["id"], "the released identity can be taken again"


def test_update_user_identity_to_a_case_variant_of_itself(
    client: TestClient[Any], admin: Admin
) -> None:
    identity = new_identity("casey")
    created = register(client, identity, token=admin.token)

    response = client.patch(
        f"/users/{created['id']}/identity",
        json={"identity": identity.upper()},
        headers=bearer(admin.token),
    )

    assert response.status_code == 200, response.text
    assert response.json()["credentials"] == {"identity": identity.upper()}
    assert sign_in(client, identity.upper(), SECRET)


# --- Change Secret -----------------------------------------------------------------------------


def test_change_secret_checks_the_old_secret(client: TestClient[Any], admin: Admin) -> None:
    identity = new_identity("secret")
    created = register(client, identity)
    token = sign_in(client, identity, SECRET)

    wrong = client.patch(
        "/users/secret",
        json={"old_secret": "not-the-secret", "new_secret": "12345678a"},
        headers=bearer(token),
    )

    assert wrong.status_code == 401, wrong.text  # what Magistrala answers
    assert_problem(wrong, 401, field="old_secret")
    assert sign_in(client, identity, SECRET), "a refused change leaves the secret as it was"
    refused = client.post("/users/tokens/issue", json={"identity": identity, "secret": "12345678a"})
    assert_problem(refused, 401)

    right = client.patch(
        "/users/secret",
        json={"old_secret": SECRET, "new_secret": "12345678a"},
        headers=bearer(token),
    )

    assert right.status_code == 200, right.text
    assert_user_shape(right.json())
    assert right.json()["id"] == created["id"]
    assert "12345678a" not in right.text
    assert jwt_claims(sign_in(client, identity, "12345678a"))["sub"] == created["id"]
    old = client.post("/users/tokens/issue", json={"identity": identity, "secret": SECRET})
    assert_problem(old, 401)


def test_change_secret_refuses_a_short_new_secret(client: TestClient[Any]) -> None:
    identity = new_identity("short")
    register(client, identity)
    token = sign_in(client, identity, SECRET)

    response = client.patch(
        "/users/secret",
        json={"old_secret": SECRET, "new_secret": "short"},
        headers=bearer(token),
    )

    assert_problem(response, 400, field="new_secret")
    assert sign_in(client, identity, SECRET)


# --- Enable / Disable User ---------------------------------------------------------------------


def test_disable_revokes_tokens_and_re_enable_needs_a_new_sign_in(
    client: TestClient[Any], admin: Admin
) -> None:
    identity = new_identity("disable")
    created = register(client, identity, token=admin.token, name="Jane Doe")
    before = issue_tokens(client, identity, SECRET)
    assert profile_status(client, before["access_token"]) == 200

    disabled = client.post(f"/users/{created['id']}/disable", headers=bearer(admin.token))

    assert disabled.status_code == 200, disabled.text
    assert_user_shape(disabled.json())
    assert disabled.json()["status"] == "disabled"
    assert disabled.json()["updated_by"] == admin.id
    assert get_user(client, admin.token, created["id"]) == disabled.json()
    issue = client.post("/users/tokens/issue", json={"identity": identity, "secret": SECRET})
    assert_problem(issue, 401)
    assert_problem(client.get("/users/profile", headers=bearer(before["access_token"])), 401)
    assert_problem(
        client.post("/users/tokens/refresh", headers=bearer(before["refresh_token"])), 401
    )

    enabled = client.post(f"/users/{created['id']}/enable", headers=bearer(admin.token))

    assert enabled.status_code == 200, enabled.text
    assert_user_shape(enabled.json())
    assert enabled.json()["status"] == "enabled"
    assert get_user(client, admin.token, created["id"]) == enabled.json()
    assert_problem(client.get("/users/profile", headers=bearer(before["access_token"])), 401)
    assert_problem(
        client.post("/users/tokens/refresh", headers=bearer(before["refresh_token"])), 401
    )
    after = issue_tokens(client, identity, SECRET)
    assert profile_status(client, after["access_token"]) == 200
    refreshed = client.post("/users/tokens/refresh", headers=bearer(after["refresh_token"]))
    assert refreshed.status_code == 201, refreshed.text


@pytest.mark.parametrize("action", ["enable", "disable"])
def test_enable_and_disable_are_idempotent(
    client: TestClient[Any], admin: Admin, action: str
) -> None:
    created = register(client, new_identity(action), token=admin.token)
    expected = f"{action}d"

    first = client.post(f"/users/{created['id']}/{action}", headers=bearer(admin.token))
    second = client.post(f"/users/{created['id']}/{action}", headers=bearer(admin.token))

    assert first.status_code == second.status_code == 200, (first.text, second.text)
    assert first.json()["status"] == second.json()["status"] == expected
    assert second.json() == first.json()
    assert get_user(client, admin.token, created["id"])["status"] == expected


def test_the_admin_itself_keeps_working_after_other_users_are_disabled(
    client: TestClient[Any], admin: Admin
) -> None:
    created = register(client, new_identity("bystander"), token=admin.token)
    ok(client.post(f"/users/{created['id']}/disable", headers=bearer(admin.token)))

    assert profile_status(client, admin.token) == 200
    assert sign_in(client, ADMIN_IDENTITY, ADMIN_SECRET)


# --- Read your writes --------------------------------------------------------------------------


def test_a_list_right_after_a_write_shows_it(client: TestClient[Any], admin: Admin) -> None:
    token = admin.token
    for round_ in range(5):
        identity = new_identity(f"ryw{round_}")
        response = client.post(
            "/users",
            json={"credentials": {"identity": identity, "secret": SECRET}},
            headers=bearer(token),
        )
        assert response.status_code == 201, response.text
        user_id = response.json()["id"]
        _, identities = list_users(client, token, identity=identity)
        assert identities == [identity], f"round {round_}: create not visible"

        name = f"Round {round_} name"
        ok(client.patch(f"/users/{user_id}", json={"name": name}, headers=bearer(token)))
        _, identities = list_users(client, token, name=name)
        assert identities == [identity], f"round {round_}: rename not visible"

        tag = f"round-{round_}"
        ok(client.patch(f"/users/{user_id}/tags", json={"tags": [tag]}, headers=bearer(token)))
        _, identities = list_users(client, token, tag=tag)
        assert identities == [identity], f"round {round_}: tags not visible"

        metadata = {"round": round_}
        ok(client.patch(f"/users/{user_id}", json={"metadata": metadata}, headers=bearer(token)))
        _, identities = list_users(client, token, metadata=json.dumps(metadata))
        assert identities == [identity], f"round {round_}: metadata not visible"

        renamed = new_identity(f"ryw{round_}.renamed")
        ok(
            client.patch(
                f"/users/{user_id}/identity", json={"identity": renamed}, headers=bearer(token)
            )
        )
        _, identities = list_users(client, token, identity=renamed)
        assert identities == [renamed], f"round {round_}: identity change not visible"

        ok(client.post(f"/users/{user_id}/disable", headers=bearer(token)))
        _, identities = list_users(client, token, status="disabled", identity=renamed)
        assert identities == [renamed], f"round {round_}: disable not visible"

        ok(client.post(f"/users/{user_id}/enable", headers=bearer(token)))
        _, identities = list_users(client, token, status="enabled", identity=renamed)
        assert identities == [renamed], f"round {round_}: enable not visible"

    assert len(all_users(client, token)) == 6


def test_an_identity_in_compatibility_forms_is_the_same_user(client: TestClient[Any]) -> None:
    alice = register(client, "alice.nfkc@fleet.example", "alice-secret-1")
    fullwidth = "\uff41lice.nfkc@fleet.example"

    twin = {"credentials": {"identity": fullwidth, "secret": "other-secret-1"}}
    assert_problem(client.post("/users", json=twin), 409, field="identity", error="identity_taken")
    token = sign_in(client, fullwidth, "alice-secret-1")
    me = client.get("/users/profile", headers=bearer(token))
    assert me.status_code == 200, me.text
    assert me.json()["id"] == alice["id"]
    bob = register(client, "\uff42ob.nfkc@\ufb02eet.example", "bob-secret-12")
    assert bob["credentials"]["identity"] == "bob.nfkc@fleet.example"
