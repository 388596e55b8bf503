"""`GET /users/policies` and `GET /things/policies`: Magistrala's listings, filters and paging;
an admin sees every policy, anyone else only those they granted."""

from typing import Any

from litestar.testing import TestClient

from tests.api.support import assert_problem, new_identity
from tests.helpers import admin_token, bearer, register, sign_in

POLICY_KEYS = {"owner_id", "subject", "object", "actions", "created_at", "updated_at", "updated_by"}


def made(client: TestClient[Any], token: str, path: str, body: Any) -> str:
    response = client.post(path, json=body, headers=bearer(token))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def listed(client: TestClient[Any], token: str, path: str, query: str = "") -> dict[str, Any]:
    response = client.get(f"{path}?{query}", headers=bearer(token))
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def pairs(page: dict[str, Any]) -> set[tuple[str, str]]:
    return {(p["subject"], p["object"]) for p in page["policies"]}


def test_policies_are_listed_by_kind_with_filters_and_paging(client: TestClient[Any]) -> None:
    admin = admin_token(client)
    user = register(client, new_identity("member"), token=admin)["id"]
    group = made(client, admin, "/groups", {"name": "site"})
    room = made(client, admin, "/channels", {"name": "room"})
    things = [made(client, admin, "/things", {"name": f"t{i}"}) for i in range(3)]
    connected = client.post(
        "/connect", json={"subjects": things, "objects": [room]}, headers=bearer(admin)
    )
    assert connected.status_code == 201, connected.text
    member = {"subject": user, "object": group, "actions": ["g_list"]}
    assert client.post("/users/policies", json=member, headers=bearer(admin)).status_code == 201

    thing_page = listed(client, admin, "/things/policies")
    user_page = listed(client, admin, "/users/policies")
    first_two = listed(client, admin, "/things/policies", "limit=2")
    last = listed(client, admin, "/things/policies", "offset=2&limit=2")
    one_thing = listed(client, admin, "/things/policies", f"subject={things[1]}")
    on_room = listed(client, admin, "/things/policies", f"object={room}&action=m_write")
    listing = listed(client, admin, "/users/policies", "action=g_list")
    none = listed(client, admin, "/users/policies", "action=g_delete")

    assert pairs(thing_page) == {(t, room) for t in things}
    assert pairs(user_page) == {(user, group)}
    assert all(set(p) == POLICY_KEYS for p in thing_page["policies"] + user_page["policies"])
    assert (first_two["total"], len(first_two["policies"]), first_two["limit"]) == (3, 2, 2)
    assert (last["offset"], len(last["policies"])) == (2, 1)
    assert pairs(first_two) | pairs(last) == pairs(thing_page)
    assert pairs(one_thing) == {(things[1], room)}
    assert on_room["total"] == 3
    assert (listing["total"], none["total"]) == (1, 0)


def test_others_see_only_the_policies_they_granted(client: TestClient[Any]) -> None:
    admin = admin_token(client)
    owner_identity = new_identity("owner")
    owner = register(client, owner_identity, token=admin)["id"]
    owner_token = sign_in(client, owner_identity, "12345678")
    friend = register(client, new_identity("friend"), token=admin)["id"]
    mine = made(client, owner_token, "/groups", {"name": "mine"})
    theirs = made(client, admin, "/groups", {"name": "theirs"})
    for token, group in ((owner_token, mine), (admin, theirs)):
        body = {"subject": friend, "object": group, "actions": ["g_list"]}
        assert client.post("/users/policies", json=body, headers=bearer(token)).status_code == 201

    seen = listed(client, owner_token, "/users/policies")
    asked_for_admins = listed(client, owner_token, "/users/policies", f"object={theirs}")

    assert pairs(seen) == {(friend, mine)}
    assert all(p["owner_id"] == owner for p in seen["policies"])
    assert asked_for_admins["total"] == 0
    assert listed(client, admin, "/users/policies")["total"] >= 2


def test_bad_filters_are_refused(client: TestClient[Any]) -> None:
    admin = admin_token(client)

    assert_problem(client.get("/things/policies?action=fly", headers=bearer(admin)), 400)
    assert_problem(
        client.get("/users/policies?subject=nope", headers=bearer(admin)), 400, field="subject"
    )
    assert_problem(client.get("/users/policies"), 401)
