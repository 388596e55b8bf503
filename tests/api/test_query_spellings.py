"""Filters a Magistrala client may spell as its code does (`owner_id`, `parent_id`, `tag`) or
as the seed writes them (`ownerID`, `parentID`, `tags`): both mean the same."""

from typing import Any

from litestar.testing import TestClient

from tests.api.support import assert_problem
from tests.helpers import admin_token, bearer, register, sign_in


def token(auth: dict[str, str]) -> str:
    return auth["Authorization"].removeprefix("Bearer ")


def ids(client: TestClient[Any], path: str, auth: dict[str, str], key: str) -> list[str]:
    response = client.get(path, headers=auth)
    assert response.status_code == 200, response.text
    return sorted(entry["id"] for entry in response.json()[key])


def test_each_filter_answers_the_same_under_both_spellings(client: TestClient[Any]) -> None:
    admin = bearer(admin_token(client))
    owner = register(client, "spelling.owner@fleet.example", "owner-secret-1", token=None)
    mine = bearer(sign_in(client, "spelling.owner@fleet.example", "owner-secret-1"))
    owned = register(client, "spelling.owned@fleet.example", "owned-secret-1", token=token(mine))
    tagged = client.post("/things", json={"name": "t", "tags": ["blue"]}, headers=mine).json()
    client.post("/things", json={"name": "u", "tags": ["red"]}, headers=admin)
    parent = client.post("/groups", json={"name": "parent"}, headers=admin).json()["id"]
    child = client.post("/groups", json={"name": "child", "parent_id": parent}, headers=admin)
    opened = client.post("/channels", json={"name": "theirs"}, headers=mine)

    assert ids(client, "/things?tag=blue", admin, "things") == [tagged["id"]]
    assert ids(client, "/things?tags=blue", admin, "things") == [tagged["id"]]
    assert ids(client, f"/things?owner_id={owner['id']}", admin, "things") == [tagged["id"]]
    assert ids(client, f"/users?owner_id={owner['id']}", admin, "users") == [owned["id"]]
    for spelling in ("parentID", "parent_id"):
        groups = ids(client, f"/groups?{spelling}={parent}", admin, "groups")
        assert groups == [child.json()["id"]]
    for spelling in ("ownerID", "owner_id"):
        channels = ids(client, f"/channels?{spelling}={owner['id']}", admin, "channels")
        assert channels == [opened.json()["id"]]

    both = client.get("/things?tags=blue&tag=red", headers=admin)
    assert_problem(both, 400, field="tags")
    twice = client.get(f"/groups?parentID={parent}&parent_id={owner['id']}", headers=admin)
    assert_problem(twice, 400, field="parentID")


def test_filtering_by_another_owner_reveals_nothing_the_caller_may_not_see(
    client: TestClient[Any],
) -> None:
    admin = bearer(admin_token(client))
    admin_id = client.get("/users/profile", headers=admin).json()["id"]
    client.post("/things", json={"name": "the admin's"}, headers=admin)
    register(client, "spelling.nosy@fleet.example", "nosy-secret-1")
    nosy = bearer(sign_in(client, "spelling.nosy@fleet.example", "nosy-secret-1"))

    assert ids(client, f"/things?owner_id={admin_id}", nosy, "things") == []
    assert ids(client, f"/users?owner_id={admin_id}", nosy, "users") == []
    for path in ("/things", "/users", "/groups", "/channels"):
        spelled = "owner_id" if path in ("/things", "/users") else "parent_id"
        assert_problem(client.get(f"{path}?{spelled}=nope", headers=nosy), 400, field=spelled)
