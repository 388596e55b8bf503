"""The Channels section of the seed API, over HTTP against the real app."""

import uuid
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient

from tests.api.support import ZERO_TIME, assert_problem, new_identity, parse_time
from tests.helpers import admin_token, bearer, register, sign_in

CHANNEL_KEYS = {
    "id",
    "owner_id",
    "parent_id",
    "name",
    "description",
    "metadata",
    "created_at",
    "updated_at",
    "updated_by",
    "status",
}


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, (response.request.url, response.text)
    body: dict[str, Any] = response.json()
    assert set(body) <= CHANNEL_KEYS | {"channels", "total", "limit", "offset"}, body
    return body


def assert_channel_shape(body: dict[str, Any]) -> None:
    assert set(body) <= CHANNEL_KEYS, set(body) - CHANNEL_KEYS
    uuid.UUID(body["id"])
    uuid.UUID(body["owner_id"])
    parse_time(body["created_at"])
    parse_time(body["updated_at"])
    assert body["status"] in ("enabled", "disabled")


@pytest.fixture
def token(client: TestClient[Any]) -> str:
    return admin_token(client)


def create(client: TestClient[Any], token: str, **body: Any) -> dict[str, Any]:
    return ok(client.post("/channels", json=body, headers=bearer(token)), 201)


def test_create_channel_answers_201_with_location_and_the_seed_shape(
    client: TestClient[Any], token: str
) -> None:
    response = client.post("/channels", json={"name": "Temperature Data"}, headers=bearer(token))

    body = ok(response, 201)
    assert_channel_shape(body)
    assert response.headers["location"] == f"/channels/{body['id']}"
    assert (body["name"], body["status"], body["updated_at"]) == (
        "Temperature Data",
        "enabled",
        ZERO_TIME,
    )
    assert body["owner_id"] == client.get("/users/profile", headers=bearer(token)).json()["id"]
    assert ok(client.get(f"/channels/{body['id']}", headers=bearer(token))) == body


def test_external_ids_are_kept_and_unique_across_entities(
    client: TestClient[Any], token: str
) -> None:
    external = "48101ecd-1535-40c6-9ed8-5b1d21e371bb"
    assert create(client, token, id=external, name="Humidity Data")["id"] == external

    again = client.post("/channels", json={"id": external, "name": "c"}, headers=bearer(token))
    assert_problem(again, 409, field="id", error="channel_exists")
    thing = client.post("/things", json={}, headers=bearer(token)).json()["id"]
    same_as_thing = client.post("/channels", json={"id": thing, "name": "c"}, headers=bearer(token))
    assert_problem(same_as_thing, 409, field="id")


def test_bulk_create_is_all_or_nothing(client: TestClient[Any], token: str) -> None:
    body = ok(
        client.post(
            "/channels/bulk",
            json=[
                {"id": "977bbd33-5b59-4b7a-a9c3-111111111111", "name": "Light Data"},
                {"name": "Pressure Data"},
            ],
            headers=bearer(token),
        )
    )
    assert [c["name"] for c in body["channels"]] == ["Light Data", "Pressure Data"]
    assert body["channels"][0]["id"] == "977bbd33-5b59-4b7a-a9c3-111111111111"

    refused = client.post(
        "/channels/bulk",
        json=[{"name": "new"}, {"id": "977bbd33-5b59-4b7a-a9c3-111111111111", "name": "c"}],
        headers=bearer(token),
    )
    assert_problem(refused, 409, field="[1].id")
    bulk = [{"name": "c"}, {"name": "d", "description": 1}]
    bad = client.post("/channels/bulk", json=bulk, headers=bearer(token))
    assert_problem(bad, 400, field="[1].description")
    nameless = client.post("/channels/bulk", json=[{"name": "c"}, {}], headers=bearer(token))
    assert_problem(nameless, 400, field="[1].name")
    assert ok(client.get("/channels", headers=bearer(token)))["total"] == 2


def test_put_changes_what_it_is_given_and_keeps_the_rest(
    client: TestClient[Any], token: str
) -> None:
    """Magistrala's update sets only the fields it is given; an empty one is not given."""
    channel = create(client, token, name="Temperature Data", description="old", metadata={"a": 1})

    updated = ok(
        client.put(
            f"/channels/{channel['id']}",
            json={"name": "Jane Doe", "metadata": {"location": "london"}},
            headers=bearer(token),
        )
    )

    assert updated["name"] == "Jane Doe"
    assert updated["metadata"] == {"location": "london"}
    assert updated["description"] == "old", "PUT keeps what it was not given"
    assert updated["updated_at"] != ZERO_TIME
    assert ok(client.get(f"/channels/{channel['id']}", headers=bearer(token))) == updated
    empty = {"name": "", "description": None, "metadata": None}
    unchanged = ok(client.put(f"/channels/{channel['id']}", json=empty, headers=bearer(token)))
    assert (unchanged["name"], unchanged["description"]) == ("Jane Doe", "old")
    assert unchanged["metadata"] == {"location": "london"}


def test_enable_disable_and_status_filter(client: TestClient[Any], token: str) -> None:
    channel = create(client, token, name="A")
    create(client, token, name="B")

    assert (
        ok(client.post(f"/channels/{channel['id']}/disable", headers=bearer(token)))["status"]
        == "disabled"
    )
    listed = ok(client.get("/channels", headers=bearer(token)))
    assert [c["name"] for c in listed["channels"]] == ["B"]
    disabled = ok(client.get("/channels?status=disabled", headers=bearer(token)))
    assert [c["name"] for c in disabled["channels"]] == ["A"]
    assert (
        ok(client.post(f"/channels/{channel['id']}/enable", headers=bearer(token)))["status"]
        == "enabled"
    )
    assert ok(client.get("/channels?name=a&status=all", headers=bearer(token)))["total"] == 1


def test_a_user_sees_and_changes_only_its_own_channels(client: TestClient[Any], token: str) -> None:
    mine, theirs = new_identity("mine"), new_identity("theirs")
    register(client, mine)
    theirs_id = register(client, theirs)["id"]
    my_token, their_token = sign_in(client, mine, "12345678"), sign_in(client, theirs, "12345678")
    channel = create(client, my_token, name="Mine")

    path = f"/channels/{channel['id']}"
    assert_problem(client.get(path, headers=bearer(their_token)), 404, field="id")
    assert_problem(client.put(path, json={"name": "x"}, headers=bearer(their_token)), 404)
    assert_problem(client.post(f"{path}/disable", headers=bearer(their_token)), 404)
    assert_problem(client.get(path), 401)
    assert ok(client.get("/channels", headers=bearer(their_token)))["total"] == 0
    assert ok(client.get(f"/channels?ownerID={theirs_id}", headers=bearer(token)))["total"] == 0
    assert ok(client.get("/channels", headers=bearer(token)))["total"] == 1
    assert ok(client.get(path, headers=bearer(my_token)))["name"] == "Mine"


def test_channels_opened_in_groups_list_by_parent_and_through_the_hierarchy(
    client: TestClient[Any], token: str
) -> None:
    def group(name: str, parent: str | None = None) -> str:
        body = {"name": name} | ({"parent_id": parent} if parent else {})
        response = client.post("/groups", json=body, headers=bearer(token))
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def ids(query: str) -> list[str]:
        return [
            c["id"] for c in ok(client.get(f"/channels?{query}", headers=bearer(token)))["channels"]
        ]

    site = group("site")
    floor = group("floor", site)
    room = group("room", floor)
    at_site = create(client, token, name="site feed", parent_id=site)
    on_floor = create(client, token, name="floor feed", parent_id=floor)
    in_room = ok(
        client.post(
            "/channels/bulk", json=[{"name": "room feed", "parent_id": room}], headers=bearer(token)
        )
    )["channels"][0]
    create(client, token, name="loose")

    assert at_site["parent_id"] == site
    assert ok(client.get(f"/channels/{in_room['id']}", headers=bearer(token)))["parent_id"] == room
    assert ids(f"parentID={floor}") == [on_floor["id"]]
    assert ids(f"parentID={floor}&dir=1") == [on_floor["id"], in_room["id"]]
    assert ids(f"parentID={floor}&dir=-1") == [at_site["id"], on_floor["id"]]
    assert ids(f"parentID={room}&dir=-1&name=floor") == [on_floor["id"]]
    assert_problem(
        client.get(f"/channels?parentID={uuid.uuid4()}&dir=1", headers=bearer(token)),
        404,
        field="parentID",
    )
    every = client.get("/channels", headers=bearer(token)).json()
    assert client.get("/channels?dir=1", headers=bearer(token)).json() == every
    assert_problem(client.get("/channels?tree=true", headers=bearer(token)), 400, field="tree")


def test_opening_a_channel_in_a_group_needs_g_add_there(
    client: TestClient[Any], token: str
) -> None:
    site = client.post("/groups", json={"name": "site"}, headers=bearer(token)).json()["id"]
    identity = new_identity("member")
    member = register(client, identity)["id"]
    member_token = sign_in(client, identity, "12345678")
    stranger = new_identity("stranger")
    register(client, stranger)
    stranger_token = sign_in(client, stranger, "12345678")
    body = {"name": "feed", "parent_id": site}
    policy = {"subject": member, "object": site, "actions": ["g_list"]}
    assert client.post("/users/policies", json=policy, headers=bearer(token)).status_code == 201
    before = ok(client.get("/channels?status=all", headers=bearer(token)))["total"]

    assert_problem(
        client.post("/channels", json=body, headers=bearer(stranger_token)), 404, field="parent_id"
    )
    assert_problem(client.post("/channels", json=body, headers=bearer(member_token)), 403)
    unknown = {"name": "feed", "parent_id": str(uuid.uuid4())}
    assert_problem(
        client.post("/channels", json=unknown, headers=bearer(token)), 404, field="parent_id"
    )
    bulk = [{"name": "fine"}, unknown]
    assert_problem(
        client.post("/channels/bulk", json=bulk, headers=bearer(token)), 404, field="[1].parent_id"
    )
    assert ok(client.get("/channels?status=all", headers=bearer(token)))["total"] == before

    policy["actions"] = ["g_list", "g_add"]
    assert client.put("/users/policies", json=policy, headers=bearer(token)).status_code == 204
    opened = create(client, member_token, **body)
    assert (opened["parent_id"], opened["owner_id"]) == (site, member)
