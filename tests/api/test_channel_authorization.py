"""Who may call which Channels and Connections endpoint: endpoint x role x expected status.

Roles: `admin`; `owner` (owns the channel and the thing); `member:<action>` (a member of the
channel with that one action); `other` (an unrelated user); `disabled` (signed in, then
disabled); `anonymous`. A refused call changes nothing. A member sees the channel but may not
change it (403); a user who may not see a channel or thing is told it does not exist (404).
"""

import uuid
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
    ids = {}
    for role in ("owner", "other", "disabled", *MEMBERS):
        identity = new_identity(role.replace(":", "-"))
        ids[role] = register(client, identity)["id"]
        tokens[role] = sign_in(client, identity, "12345678")
    response = client.post(f"/users/{ids['disabled']}/disable", headers=bearer(admin))
    assert response.status_code == 200, response.text
    owner = bearer(tokens["owner"])
    channel = client.post("/channels", json={"name": "C"}, headers=owner).json()["id"]
    thing = client.post("/things", json={"credentials": {"secret": SECRET}}, headers=owner)
    for role in MEMBERS:
        body = {"subject": ids[role], "object": channel, "actions": [role.split(":")[1]]}
        assert client.post("/users/policies", json=body, headers=owner).status_code == 201
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


def expected(endpoint: Endpoint, role: str) -> int:
    """Members see the channel; they see the thing only when it is connected to the channel
    and they hold a c_* action there (c_list to read it). Changes to either are the owner's:
    a member is refused at the first end it sees (the thing, then the channel)."""
    if role in ("admin", "owner"):
        return endpoint.status
    if role == "other":
        return 404
    if not role.startswith("member:"):
        return 401
    action = role.split(":")[1]
    sees_thing = endpoint.connected_first and action in CLIENT_ACTIONS
    if endpoint.name in ("get-channel", "channel-things"):
        return 200
    if endpoint.name == "thing-channels":
        return 404
    if endpoint.name in ("update-channel", "disable-channel"):
        return 403
    return 403 if sees_thing else 404


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

    status = expected(endpoint, role)
    if status >= 400:
        assert_problem(response, status)
        assert world.state() == before, "a refused call changes nothing"
    else:
        assert response.status_code == status, response.text


ACCESS = {
    "admin": (200, 403),
    "owner": (200, 403),
    **dict.fromkeys(MEMBERS, (200, 403)),
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


@pytest.mark.parametrize("role", MEMBERS)
def test_a_member_may_not_connect_its_own_thing_to_the_channel(world: World, role: str) -> None:
    """The channel end of a connection is the owner's too: a member's own thing is refused at
    the channel (403), so it cannot publish into or read from the channel that way."""
    mine = world.client.post(
        "/things", json={"credentials": {"secret": "members-secret-1"}}, headers=world.headers(role)
    ).json()["id"]
    before = world.state()

    for method, path, body in [
        ("POST", "/connect", {"subjects": [mine], "objects": [world.channel]}),
        ("POST", "/things/policies", {"subject": mine, "object": world.channel}),
    ]:
        response = world.client.request(method, path, json=body, headers=world.headers(role))
        assert_problem(response, 403, field="objects[0]")

    assert world.state() == before
