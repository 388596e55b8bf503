"""The EMQX and VerneMQ hook endpoints, called with the request shapes their documentation gives
(EMQX 5 HTTP authn/authz with the bodies docs/mqtt-brokers.md configures; VerneMQ webhooks)."""

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from interfaces.bootstrap import build
from interfaces.rest.app import create_app
from tests.api.support import HOOK_CALLER, assert_problem, serving_hooks
from tests.conftest import make_settings
from tests.helpers import admin_token, bearer

SECRET = "hook-secret-1"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient[Any]]:
    with serving_hooks(tmp_path) as test_client:
        yield test_client


@pytest.fixture
def device(client: TestClient[Any]) -> dict[str, str]:
    """A thing that may write (not read) one channel; another channel it has nothing on."""
    auth = bearer(admin_token(client))
    thing = client.post("/things", json={"credentials": {"secret": SECRET}}, headers=auth).json()
    writable, other = (
        client.post("/channels", json={"name": name}, headers=auth).json()["id"]
        for name in ("writable", "other")
    )
    connect = {"subject": thing["id"], "object": writable, "actions": ["m_write"]}
    assert client.post("/things/policies", json=connect, headers=auth).status_code == 201
    return {"id": thing["id"], "writable": writable, "other": other, "admin": auth["Authorization"]}


def vernemq(client: TestClient[Any], hook: str, payload: dict[str, Any]) -> Any:
    response = client.post(
        "/mqtt/vernemq", json=payload, headers={"vernemq-hook": hook, **HOOK_CALLER}
    )
    assert response.status_code == 200, response.text
    return response.json()


def emqx(client: TestClient[Any], kind: str, payload: dict[str, Any]) -> str:
    response = client.post(f"/mqtt/emqx/{kind}", json=payload, headers=HOOK_CALLER)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body.get("is_superuser", False) is False
    return str(body["result"])


DENIED = {"result": {"error": "not_allowed"}}


def test_emqx_authentication_and_authorization(
    client: TestClient[Any], device: dict[str, str]
) -> None:
    me = device["id"]
    login = {"clientid": me, "username": me, "password": SECRET}

    assert emqx(client, "authn", login) == "allow"
    assert emqx(client, "authn", {**login, "password": "wrong-secret-1"}) == "deny"
    assert emqx(client, "authn", {**login, "clientid": "another-client"}) == "deny"
    assert emqx(client, "authn", {"clientid": "c", "username": "u", "password": "p"}) == "deny"
    assert emqx(client, "authn", {}) == "deny"

    def authz(action: str, topic: str) -> str:
        return emqx(
            client, "authz", {"clientid": me, "username": me, "topic": topic, "action": action}
        )

    assert authz("publish", f"channels/{device['writable']}/messages") == "allow"
    assert authz("publish", f"channels/{device['other']}/messages") == "deny"
    assert authz("subscribe", f"channels/{device['writable']}/messages") == "deny"
    assert authz("publish", f"from/module/{me}/action/identity/create") == "allow"
    assert authz("subscribe", f"to/module/{me}/#") == "allow"
    assert authz("subscribe", "#") == "deny"
    bad = client.post(
        "/mqtt/emqx/authz",
        json={"username": me, "topic": "t", "action": "all"},
        headers=HOOK_CALLER,
    )
    assert_problem(bad, 400)


def test_vernemq_register_publish_and_subscribe(
    client: TestClient[Any], device: dict[str, str]
) -> None:
    me = device["id"]
    register = {
        "peer_addr": "127.0.0.1",
        "peer_port": 8888,
        "username": me,
        "password": SECRET,
        "mountpoint": "",
        "client_id": me,
        "clean_session": False,
    }
    assert vernemq(client, "auth_on_register", register) == {"result": "ok"}
    assert vernemq(client, "auth_on_register", {**register, "password": "nope-nope"}) == DENIED
    assert vernemq(client, "auth_on_register", {**register, "client_id": "x"}) == DENIED
    m5 = {k: v for k, v in register.items() if k != "clean_session"}
    assert vernemq(client, "auth_on_register_m5", m5 | {"clean_start": True, "properties": {}}) == {
        "result": "ok"
    }

    publish = {
        "username": me,
        "client_id": me,
        "mountpoint": "",
        "qos": 1,
        "topic": f"channels/{device['writable']}/messages",
        "payload": "aGVsbG8=",
        "retain": False,
    }
    assert vernemq(client, "auth_on_publish", publish) == {"result": "ok"}
    assert vernemq(client, "auth_on_publish_m5", publish | {"properties": {}}) == {"result": "ok"}
    elsewhere = {**publish, "topic": f"channels/{device['other']}/messages"}
    assert vernemq(client, "auth_on_publish", elsewhere) == DENIED
    assert vernemq(client, "auth_on_publish", {**publish, "username": "username"}) == DENIED

    own = f"to/module/{me}/#"
    read = f"channels/{device['writable']}/messages"
    subscribe = {
        "client_id": me,
        "mountpoint": "",
        "username": me,
        "topics": [{"topic": own, "qos": 1}, {"topic": read, "qos": 2}],
    }
    assert vernemq(client, "auth_on_subscribe", subscribe) == {
        "result": "ok",
        "topics": [{"topic": own, "qos": 1}, {"topic": read, "qos": 128}],
    }
    assert vernemq(client, "auth_on_subscribe_m5", subscribe | {"properties": {}}) == {
        "result": "ok",
        "modifiers": {"topics": [{"topic": own, "qos": 1}, {"topic": read, "qos": 135}]},
    }
    only_own = {**subscribe, "topics": [{"topic": own, "qos": 0}]}
    assert vernemq(client, "auth_on_subscribe", only_own) == {"result": "ok"}


def test_vernemq_hooks_follow_revocation_and_refuse_what_they_do_not_know(
    client: TestClient[Any], device: dict[str, str]
) -> None:
    me = device["id"]
    publish = {"username": me, "topic": f"channels/{device['writable']}/messages", "qos": 0}
    assert vernemq(client, "auth_on_publish", publish) == {"result": "ok"}

    admin = {"Authorization": device["admin"]}
    assert client.post(f"/things/{me}/disable", headers=admin).status_code == 200
    assert vernemq(client, "auth_on_publish", publish) == DENIED

    unknown = client.post(
        "/mqtt/vernemq", json={}, headers={"vernemq-hook": "on_deliver", **HOOK_CALLER}
    )
    assert_problem(unknown, 400, field="vernemq-hook")
    malformed = client.post(
        "/mqtt/vernemq",
        json={"topic": 1},
        headers={"vernemq-hook": "auth_on_publish", **HOOK_CALLER},
    )
    assert_problem(malformed, 400)


HOOK_CALLS = [
    ("/mqtt/emqx/authn", {}, {"clientid": "c", "username": "u", "password": "p"}),
    ("/mqtt/emqx/authz", {}, {"username": "u", "topic": "t", "action": "publish"}),
    ("/mqtt/emqx/messages", {}, {"id": "1", "username": "u", "topic": "t", "payload": ""}),
    ("/mqtt/vernemq", {"vernemq-hook": "auth_on_register"}, {"username": "u", "password": "p"}),
]


def test_without_a_hook_secret_the_hooks_are_not_served(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Open hooks would answer anyone which thing secrets are valid."""
    fleet = build(make_settings(tmp_path / "data", f"sqlite:///{tmp_path / 'open.db'}"))
    try:
        caplog.set_level(logging.INFO, logger="interfaces.rest.app")
        with TestClient(create_app(fleet)) as client:
            assert "set FLEETID_MQTT_HOOK_SECRET to serve them" in caplog.text
            for path, headers, body in HOOK_CALLS:
                for caller in ({}, {"Authorization": "Bearer "}, {"Authorization": "Basic Og=="}):
                    response = client.post(path, json=body, headers={**headers, **caller})
                    problem = assert_problem(response, 404, error="not_found")
                    assert "FLEETID_MQTT_HOOK_SECRET" in problem["message"]
    finally:
        fleet.close()
