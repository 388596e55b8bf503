"""Who may call which Channels and Connections endpoint: endpoint x role x expected status.

Roles: `admin`; `owner` (owns the channel and the thing); `other` (an unrelated user);
`disabled` (signed in, then disabled); `anonymous`. A refused call changes nothing.
"""

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient

from tests.api.support import assert_problem, new_identity
from tests.helpers import admin_token, bearer, register, sign_in

ROLES = ("admin", "owner", "other", "disabled", "anonymous")
SECRET = "owned-thing-secret-1"


@dataclass
class World:
    client: TestClient[Any]
    tokens: dict[str, str]
    channel: str
    thing: str

    def headers(self, role: str) -> dict[str, str]:
        return bearer(self.tokens[role]) if role in self.tokens else {}

    def state(self) -> tuple[Any, ...]:
        admin = self.headers("admin")
        channel = self.client.get(f"/channels/{self.channel}", headers=admin).json()
        connected = self.client.get(f"/channels/{self.channel}/things", headers=admin).json()
        return channel, [t["id"] for t in connected["things"]]


@pytest.fixture
def world(client: TestClient[Any]) -> World:
    admin = admin_token(client)
    tokens = {"admin": admin}
    for role in ("owner", "other", "disabled"):
        identity = new_identity(role)
        user_id = register(client, identity)["id"]
        tokens[role] = sign_in(client, identity, "12345678")
        if role == "disabled":
            response = client.post(f"/users/{user_id}/disable", headers=bearer(admin))
            assert response.status_code == 200, response.text
    owner = bearer(tokens["owner"])
    channel = client.post("/channels", json={"name": "C"}, headers=owner).json()["id"]
    thing = client.post("/things", json={"credentials": {"secret": SECRET}}, headers=owner)
    return World(client, tokens, channel, thing.json()["id"])


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str
    status: int = 200
    body: Any = None
    connected_first: bool = False
    """Connect the thing to the channel (as admin) before the call."""


PAIR = {"subject": "{thing}", "object": "{channel}"}
MANY = {"subjects": ["{thing}"], "objects": ["{channel}"]}
ENDPOINTS = [
    Endpoint("get-channel", "GET", "/channels/{channel}"),
    Endpoint("update-channel", "PUT", "/channels/{channel}", body={"name": "N"}),
    Endpoint("disable-channel", "POST", "/channels/{channel}/disable"),
    Endpoint("channel-things", "GET", "/channels/{channel}/things"),
    Endpoint("thing-channels", "GET", "/things/{thing}/channels"),
    Endpoint("connect", "POST", "/connect", 201, MANY),
    Endpoint("connect-one", "POST", "/things/policies", 201, PAIR),
    Endpoint(
        "change-connection",
        "PUT",
        "/things/policies",
        204,
        {**PAIR, "actions": ["m_read"]},
        connected_first=True,
    ),
    Endpoint("disconnect", "POST", "/disconnect", 204, MANY, connected_first=True),
    Endpoint(
        "disconnect-one", "DELETE", "/things/policies/{thing}/{channel}", 204, connected_first=True
    ),
]


def fill(value: Any, world: World) -> Any:
    if isinstance(value, str):
        return value.replace("{thing}", world.thing).replace("{channel}", world.channel)
    if isinstance(value, dict):
        return {k: fill(v, world) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, world) for v in value]
    return value


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_who_may_call_which_channel_endpoint(world: World, endpoint: Endpoint, role: str) -> None:
    if endpoint.connected_first:
        made = world.client.post("/connect", json=fill(MANY, world), headers=world.headers("admin"))
        assert made.status_code == 201, made.text
    before = world.state()

    response = world.client.request(
        endpoint.method,
        fill(endpoint.path, world),
        headers=world.headers(role),
        json=fill(endpoint.body, world),
    )

    expected = {"admin": endpoint.status, "owner": endpoint.status, "other": 404}.get(role, 401)
    if expected >= 400:
        assert_problem(response, expected)
        assert world.state() == before, "a refused call changes nothing"
    else:
        assert response.status_code == expected, response.text


ACCESS = {
    "admin": (200, 403),
    "owner": (200, 403),
    "other": (404, 404),
    "disabled": (401, 401),
    "anonymous": (401, 401),
}
"""What the access check answers each role for the thing's secret and for a wrong one: a user
who may not see the channel learns nothing about the secret."""


@pytest.mark.parametrize("role", ROLES)
def test_the_access_check_answers_only_on_channels_the_caller_sees(world: World, role: str) -> None:
    made = world.client.post("/connect", json=fill(MANY, world), headers=world.headers("admin"))
    assert made.status_code == 201, made.text

    def check(channel: str, secret: str) -> httpx.Response:
        return world.client.post(
            f"/channels/{channel}/access",
            json={"subject": secret, "action": "m_read", "entity_type": "thing"},
            headers=world.headers(role),
        )

    right, wrong = check(world.channel, SECRET), check(world.channel, "not-the-secret-1")

    assert (right.status_code, wrong.status_code) == ACCESS[role], right.text
    for response in (right, wrong):
        if response.status_code >= 400:
            assert_problem(response, response.status_code)
    if role == "other":
        nowhere = check(str(uuid.uuid4()), SECRET)
        assert right.json() == wrong.json() == nowhere.json()
