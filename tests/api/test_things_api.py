"""The Things section of the seed API and `/identify`, over HTTP against the real app."""

import asyncio
import uuid
from typing import Any
from uuid import UUID

import httpx
import pytest
from litestar.testing import TestClient

from application.bulk import MAX_BULK
from interfaces.bootstrap import FleetID
from tests.api.support import ZERO_TIME, assert_problem, new_identity, parse_time
from tests.helpers import admin_token, bearer, register, sign_in

THING_KEYS = {
    "id",
    "name",
    "tags",
    "owner",
    "credentials",
    "metadata",
    "created_at",
    "updated_at",
    "updated_by",
    "status",
    "parent_id",
    "public_key",
}


def assert_thing_shape(body: dict[str, Any]) -> None:
    assert set(body) <= THING_KEYS, set(body) - THING_KEYS
    assert {"id", "credentials", "created_at", "updated_at", "status"} <= set(body), body
    uuid.UUID(body["id"])
    assert set(body["credentials"]) <= {"identity", "secret"}
    assert isinstance(body["credentials"]["secret"], str)
    parse_time(body["created_at"])
    parse_time(body["updated_at"])
    assert body["status"] in ("enabled", "disabled")


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, (response.request.url, response.text)
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def token(client: TestClient[Any]) -> str:
    return admin_token(client)


def create(client: TestClient[Any], token: str, **body: Any) -> dict[str, Any]:
    return ok(client.post("/things", json=body, headers=bearer(token)), 201)


def identify(client: TestClient[Any], secret: str) -> httpx.Response:
    return client.post("/identify", headers={"Authorization": f"Thing {secret}"})


def test_create_thing_answers_201_with_location_and_the_seed_shape(
    client: TestClient[Any], token: str
) -> None:
    response = client.post("/things", json={"name": "Temperature Sensor"}, headers=bearer(token))

    body = ok(response, 201)
    assert_thing_shape(body)
    assert response.headers["location"] == f"/things/{body['id']}"
    assert body["name"] == "Temperature Sensor"
    assert body["updated_at"] == ZERO_TIME
    assert body["status"] == "enabled"
    assert uuid.UUID(body["credentials"]["secret"]), "a generated secret is a UUID"
    me = client.get("/users/profile", headers=bearer(token)).json()["id"]
    assert body["owner"] == me
    assert ok(client.get(f"/things/{body['id']}", headers=bearer(token))) == body


def test_external_id_and_secret_are_kept_and_unique(client: TestClient[Any], token: str) -> None:
    external = "2766ae94-9a08-4418-82ce-3b91cf2ccd3e"
    secret = "94939159-9a08-4f17-9e4e-3b91cf2ccd3e"
    body = create(client, token, id=external, name="Sensor", credentials={"secret": secret})
    assert (body["id"], body["credentials"]["secret"]) == (external, secret)

    again = client.post("/things", json={"id": external}, headers=bearer(token))
    assert_problem(again, 409, field="id", error="thing_exists")
    taken = client.post("/things", json={"credentials": {"secret": secret}}, headers=bearer(token))
    assert_problem(taken, 409, field="credentials.secret", error="secret_taken")
    assert ok(client.get("/things", headers=bearer(token)))["total"] == 1


def test_bulk_create_answers_200_with_total_and_things(client: TestClient[Any], token: str) -> None:
    body = ok(
        client.post(
            "/things/bulk",
            json=[
                {"name": "Motion Sensor"},
                {"id": "eb2670ba-a2be-4ea4-83cb-111111111112", "name": "Light Sensor"},
            ],
            headers=bearer(token),
        )
    )
    assert body["total"] == 2
    assert [t["name"] for t in body["things"]] == ["Motion Sensor", "Light Sensor"]
    assert body["things"][1]["id"] == "eb2670ba-a2be-4ea4-83cb-111111111112"
    for thing in body["things"]:
        assert_thing_shape(thing)


@pytest.mark.parametrize(
    ("entries", "status", "field"),
    [
        ([{"name": "ok"}, {"name": 5}], 400, "[1].name"),
        ([{"name": "ok"}, {"tags": [""]}], 400, "[1].tags"),
        ([{"name": "ok"}, {"id": "not-a-uuid"}], 400, "[1].id"),
        ([{"credentials": {"secret": "dup-secret-1"}}] * 2, 409, "[1].credentials.secret"),
        ([{"credentials": {"secret": "short"}}], 400, "[0].credentials.secret"),
        ([{"credentials": {"secret": "has space 1"}}], 400, "[0].credentials.secret"),
        ([], 400, "things"),
        ([{}] * (MAX_BULK + 1), 400, "things"),
    ],
    ids=["type", "value", "uuid", "repeated-secret", "short-secret", "space", "empty", "too-many"],
)
def test_a_bad_bulk_entry_rejects_the_whole_request(
    client: TestClient[Any], token: str, entries: list[Any], status: int, field: str
) -> None:
    response = client.post("/things/bulk", json=entries, headers=bearer(token))

    assert_problem(response, status, field=field)
    assert ok(client.get("/things?status=all", headers=bearer(token)))["total"] == 0


def test_list_filters_and_pages(client: TestClient[Any], token: str) -> None:
    create(client, token, name="Light Sensor", tags=["a"], metadata={"floor": 1})
    create(client, token, name="Light Sensor 2", tags=["b"], metadata={"floor": 2})
    dark = create(client, token, name="Dark", tags=["a"], status="disabled")

    def names(query: str) -> list[str]:
        return [
            t["name"] for t in ok(client.get(f"/things?{query}", headers=bearer(token)))["things"]
        ]

    assert names("") == ["Light Sensor", "Light Sensor 2"]
    assert names("name=light") == ["Light Sensor", "Light Sensor 2"]
    assert names("tags=a") == ["Light Sensor"]
    assert names('metadata={"floor":2}') == ["Light Sensor 2"]
    assert names("status=disabled") == ["Dark"]
    assert names("status=all&tags=a") == ["Light Sensor", "Dark"]
    page = ok(client.get("/things?offset=1&limit=5&name=Light Sensor", headers=bearer(token)))
    assert (page["offset"], page["limit"], page["total"]) == (1, 5, 2)
    assert [t["name"] for t in page["things"]] == ["Light Sensor 2"]
    assert dark["status"] == "disabled"
    assert_problem(client.get("/things?limit=101", headers=bearer(token)), 400, field="limit")
    assert_problem(client.get("/things?status=gone", headers=bearer(token)), 400, field="status")


def test_updates_answer_the_changed_thing(client: TestClient[Any], token: str) -> None:
    thing = create(client, token, name="Temperature Sensor")
    path = f"/things/{thing['id']}"
    owner = register(client, new_identity("new-owner"))["id"]

    renamed = ok(client.patch(path, json={"name": "Pressure Sensor"}, headers=bearer(token)))
    tagged = ok(
        client.patch(f"{path}/tags", json={"tags": ["sensor", "smart"]}, headers=bearer(token))
    )
    moved = ok(client.patch(f"{path}/owner", json={"owner": owner}, headers=bearer(token)))

    assert renamed["name"] == "Pressure Sensor"
    assert renamed["updated_at"] != ZERO_TIME
    assert tagged["tags"] == ["sensor", "smart"]
    assert moved["owner"] == owner
    assert ok(client.get(path, headers=bearer(token))) == moved
    nobody = client.patch(f"{path}/owner", json={"owner": str(uuid.uuid4())}, headers=bearer(token))
    assert_problem(nobody, 404, field="owner")


def test_a_new_secret_works_at_once_and_the_old_one_stops(
    client: TestClient[Any], token: str
) -> None:
    thing = create(client, token, credentials={"secret": "old-secret-123"})
    assert ok(identify(client, "old-secret-123")) == {"id": thing["id"]}

    changed = ok(
        client.patch(
            f"/things/{thing['id']}/secret",
            json={"secret": "new-secret-456"},
            headers=bearer(token),
        )
    )

    assert changed["credentials"]["secret"] == "new-secret-456"
    assert_problem(identify(client, "old-secret-123"), 401)
    assert ok(identify(client, "new-secret-456")) == {"id": thing["id"]}


def test_a_disabled_thing_cannot_be_identified(client: TestClient[Any], token: str) -> None:
    thing = create(client, token, credentials={"secret": "device-secret-1"})

    disabled = ok(client.post(f"/things/{thing['id']}/disable", headers=bearer(token)))
    assert disabled["status"] == "disabled"
    assert_problem(identify(client, "device-secret-1"), 401)

    enabled = ok(client.post(f"/things/{thing['id']}/enable", headers=bearer(token)))
    assert enabled["status"] == "enabled"
    assert ok(identify(client, "device-secret-1")) == {"id": thing["id"]}


@pytest.mark.parametrize(
    "header",
    [None, "Bearer x", "Thing", "Thing ", "thing-secret-1"],
    ids=["none", "bearer", "no-secret", "blank", "no-scheme"],
)
def test_identify_refuses_anything_but_a_thing_secret(
    client: TestClient[Any], header: str | None
) -> None:
    headers = {} if header is None else {"Authorization": header}
    assert_problem(client.post("/identify", headers=headers), 401)


def test_unknown_and_malformed_ids(client: TestClient[Any], token: str) -> None:
    missing = f"/things/{uuid.uuid4()}"
    assert_problem(client.get(missing, headers=bearer(token)), 404, field="id")
    assert_problem(client.post(f"{missing}/enable", headers=bearer(token)), 404, field="id")
    assert_problem(client.get("/things/not-a-uuid", headers=bearer(token)), 404)


def test_a_user_manages_its_own_things_only(client: TestClient[Any], token: str) -> None:
    mine, theirs = new_identity("mine"), new_identity("theirs")
    register(client, mine)
    register(client, theirs)
    my_token, their_token = sign_in(client, mine, "12345678"), sign_in(client, theirs, "12345678")
    thing = create(client, my_token, name="Mine")

    assert ok(client.get(f"/things/{thing['id']}", headers=bearer(my_token)))["name"] == "Mine"
    stranger = client.get(f"/things/{thing['id']}", headers=bearer(their_token))
    assert_problem(stranger, 404, field="id")
    assert ok(client.get("/things", headers=bearer(their_token)))["total"] == 0
    assert ok(client.get("/things", headers=bearer(token)))["total"] == 1
    assert ok(client.get("/things?visibility=mine", headers=bearer(token)))["total"] == 0


def test_devices_a_gateway_created_show_their_parent_and_key_over_rest(
    client: TestClient[Any], sqlite_fleet: FleetID, token: str
) -> None:
    gateway = client.post(
        "/things", json={"credentials": {"secret": "gateway-secret-9"}}, headers=bearer(token)
    ).json()["id"]
    topic = f"from/module/{gateway}/action/identity/create"
    ack = asyncio.run(
        sqlite_fleet.services.identity_module.handle(UUID(gateway), topic, b'{"publicKey": "k-1"}')
    )
    device = ack.payload["identity"]

    shown = client.get(f"/things/{device}", headers=bearer(token)).json()
    assert_thing_shape(shown)
    assert (shown["parent_id"], shown["public_key"]) == (gateway, "k-1")
    direct = client.get(f"/things/{gateway}", headers=bearer(token)).json()
    assert "parent_id" not in direct
    assert "public_key" not in direct
