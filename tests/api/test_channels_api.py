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

    again = client.post("/channels", json={"id": external}, headers=bearer(token))
    assert_problem(again, 409, field="id", error="channel_exists")
    thing = client.post("/things", json={}, headers=bearer(token)).json()["id"]
    same_as_thing = client.post("/channels", json={"id": thing}, headers=bearer(token))
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
        json=[{"name": "new"}, {"id": "977bbd33-5b59-4b7a-a9c3-111111111111"}],
        headers=bearer(token),
    )
    assert_problem(refused, 409, field="[1].id")
    bad = client.post("/channels/bulk", json=[{}, {"description": 1}], headers=bearer(token))
    assert_problem(bad, 400, field="[1].description")
    assert ok(client.get("/channels", headers=bearer(token)))["total"] == 2


def test_put_replaces_the_descriptive_fields(client: TestClient[Any], token: str) -> None:
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
    assert "description" not in updated, "PUT cleared it"
    assert updated["updated_at"] != ZERO_TIME
    assert ok(client.get(f"/channels/{channel['id']}", headers=bearer(token))) == updated


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
