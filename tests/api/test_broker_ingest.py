"""Messages a clustered broker posts to FleetID (FLEETID_MQTT_INGEST=hooks), in the shapes EMQX's
rule engine (the fields of its message event, as docs/mqtt-brokers.md selects them) and
VerneMQ's `on_publish` webhook (its documented example, with the default base64 payload) send.
Through the real HTTP app on SQLite; what is stored is read back through the API."""

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from litestar.testing import TestClient

from domain.causes import Interface
from interfaces.bootstrap import FleetID, build, ensure_first_admin
from interfaces.rest.app import create_app
from tests.api.support import assert_problem
from tests.conftest import make_settings
from tests.helpers import admin_token, bearer
from tests.mqtt.test_bad_input import POISON, refuse_name

HOOK_SECRET = "hook-shared-secret-1"
SERVICE_PASSWORD = "service-password-1"
CALLER = {"Authorization": f"Bearer {HOOK_SECRET}"}
PACK = [{"bn": "room:", "n": "temp", "u": "Cel", "v": 21.5}]


@pytest.fixture
def hooked(tmp_path: Path) -> Iterator[tuple[FleetID, TestClient[Any]]]:
    settings = make_settings(
        tmp_path / "data",
        f"sqlite:///{tmp_path / 'hooks.db'}",
        mqtt_ingest="hooks",
        mqtt_hook_secret=HOOK_SECRET,
        mqtt_url=f"mqtt://fleetid:{SERVICE_PASSWORD}@127.0.0.1:1883",
    )
    fleet = build(settings)
    ensure_first_admin(fleet, Interface.CLI)
    try:
        with TestClient(create_app(fleet)) as client:
            yield fleet, client
    finally:
        fleet.close()


@pytest.fixture
def setup(hooked: tuple[FleetID, TestClient[Any]]) -> dict[str, Any]:
    """A thing that may write one channel, and another channel it has nothing on."""
    fleet, client = hooked
    auth = bearer(admin_token(client))
    credentials = {"credentials": {"secret": "device-secret-1"}}
    thing = client.post("/things", json=credentials, headers=auth)
    writable, other = (
        client.post("/channels", json={"name": name}, headers=auth).json()["id"]
        for name in ("writable", "other")
    )
    connect = {"subject": thing.json()["id"], "object": writable, "actions": ["m_write"]}
    assert client.post("/things/policies", json=connect, headers=auth).status_code == 201
    return {
        "fleet": fleet,
        "client": client,
        "auth": auth,
        "thing": thing.json()["id"],
        "writable": writable,
        "other": other,
    }


def emqx_event(username: str, topic: str, payload: bytes, **extra: Any) -> dict[str, Any]:
    """What the documented rule sends: EMQX's message event, payload base64-encoded."""
    return {
        "id": uuid4().hex.upper(),
        "clientid": username,
        "username": username,
        "topic": topic,
        "qos": 1,
        "payload": base64.b64encode(payload).decode(),
        **extra,
    }


def vernemq_event(username: str | None, topic: str, payload: bytes) -> dict[str, Any]:
    return {
        "username": username,
        "client_id": username,
        "mountpoint": "",
        "qos": 1,
        "topic": topic,
        "payload": base64.b64encode(payload).decode(),
        "retain": False,
    }


def post_emqx(client: TestClient[Any], event: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/mqtt/emqx/messages", json=event, headers=CALLER)
    assert response.status_code == 200, response.text
    return dict(response.json())


def post_vernemq(client: TestClient[Any], hook: str, event: dict[str, Any], **auth: str) -> Any:
    headers = {"vernemq-hook": hook, **(auth or CALLER)}
    response = client.post("/mqtt/vernemq", json=event, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def stored(setup: dict[str, Any]) -> list[tuple[str, str, str, float]]:
    client = setup["client"]
    page = client.get(f"/channels/{setup['writable']}/messages", headers=setup["auth"]).json()
    return [(m["publisher"], m["protocol"], m["name"], m["value"]) for m in page["messages"]]


def test_emqx_messages_are_stored_as_mqtt_telemetry_of_the_authenticated_thing(
    setup: dict[str, Any],
) -> None:
    client, me = setup["client"], setup["thing"]
    topic = f"channels/{setup['writable']}/messages/room"
    event = emqx_event(me, topic, json.dumps(PACK).encode())

    assert post_emqx(client, event) == {"result": "accepted"}
    assert stored(setup) == [(me, "mqtt", "room:temp", 21.5)]

    assert post_emqx(client, event) == {"result": "duplicate"}
    again = {**event, "id": uuid4().hex.upper()}
    assert post_emqx(client, again) == {"result": "accepted"}
    assert len(stored(setup)) == 2


def test_what_a_thing_may_not_publish_is_refused_and_not_stored(setup: dict[str, Any]) -> None:
    client, me = setup["client"], setup["thing"]
    pack = json.dumps(PACK).encode()
    elsewhere = emqx_event(me, f"channels/{setup['other']}/messages", pack)
    assert post_emqx(client, elsewhere) == {"result": "refused", "reason": "not_authorized"}
    not_senml = emqx_event(me, f"channels/{setup['writable']}/messages", b'{"v": true}')
    assert post_emqx(client, not_senml) == {
        "result": "refused",
        "reason": "payload_format_invalid",
    }
    stranger = emqx_event("mallory", f"channels/{setup['writable']}/messages", pack)
    assert post_emqx(client, stranger) == {"result": "ignored", "reason": "not_a_thing"}
    raw = {**emqx_event(me, f"channels/{setup['writable']}/messages", pack), "payload": "[{]"}
    response = client.post("/mqtt/emqx/messages", json=raw, headers=CALLER)
    assert_problem(response, 400, field="payload")
    assert stored(setup) == []


def test_poison_payloads_are_refused_once_and_ingest_goes_on(setup: dict[str, Any]) -> None:
    """A payload that used to make the hook fail (so the broker posted it again, forever), or
    whose rows the database refuses, is answered as refused; what follows is stored."""
    client, me = setup["client"], setup["thing"]
    topic = f"channels/{setup['writable']}/messages"
    for payload in POISON:
        refused = {"result": "refused", "reason": "payload_format_invalid"}
        assert post_emqx(client, emqx_event(me, topic, payload)) == refused
        assert post_vernemq(client, "on_publish", vernemq_event(me, topic, payload)) == refused
    refuse_name(setup["fleet"], "refused")
    refused_by_store = emqx_event(me, topic, b'[{"n":"refused","v":1}]')
    assert post_emqx(client, refused_by_store) == {"result": "refused", "reason": "unspecified"}
    command = f"from/module/{me}/action/identity/create&correlationId=c-9"
    assert post_emqx(client, emqx_event(me, command, b'{"identity":"\xff"}')) == {
        "result": "accepted"
    }
    (queued,) = setup["fleet"].mqtt_outbox.oldest(10)
    assert json.loads(queued.payload)["reason"] == "malformed_payload"
    assert post_emqx(client, emqx_event(me, topic, json.dumps(PACK).encode())) == {
        "result": "accepted"
    }
    assert stored(setup) == [(me, "mqtt", "room:temp", 21.5)]


def test_vernemq_on_publish_stores_with_basic_auth_from_the_endpoint_url(
    setup: dict[str, Any],
) -> None:
    client, me = setup["client"], setup["thing"]
    topic = f"channels/{setup['writable']}/messages"
    basic = base64.b64encode(f"vernemq:{HOOK_SECRET}".encode()).decode()
    event = vernemq_event(me, topic, json.dumps(PACK).encode())

    assert post_vernemq(client, "on_publish", event, Authorization=f"Basic {basic}") == {
        "result": "accepted"
    }
    assert post_vernemq(client, "on_publish_m5", {**event, "properties": {}}) == {
        "result": "accepted"
    }
    assert post_vernemq(client, "on_publish", vernemq_event(None, topic, b"[]")) == {
        "result": "ignored",
        "reason": "not_a_thing",
    }
    assert stored(setup) == [(me, "mqtt", "room:temp", 21.5)] * 2


def test_hooks_refuse_callers_without_the_secret(setup: dict[str, Any]) -> None:
    client, me = setup["client"], setup["thing"]
    event = emqx_event(me, f"channels/{setup['writable']}/messages", json.dumps(PACK).encode())
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic !!"}):
        response = client.post("/mqtt/emqx/messages", json=event, headers=headers)
        assert_problem(response, 401)
    login = {"clientid": me, "username": me, "password": "device-secret-1"}
    assert_problem(client.post("/mqtt/emqx/authn", json=login), 401)
    verne = client.post("/mqtt/vernemq", json={}, headers={"vernemq-hook": "auth_on_register"})
    assert_problem(verne, 401)
    assert stored(setup) == []


def test_ingest_is_off_unless_configured(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path / "data", f"sqlite:///{tmp_path / 'off.db'}", mqtt_hook_secret=HOOK_SECRET
    )
    fleet = build(settings)
    try:
        with TestClient(create_app(fleet)) as client:
            event = emqx_event(str(uuid4()), f"channels/{uuid4()}/messages", b"[]")
            assert_problem(client.post("/mqtt/emqx/messages", json=event, headers=CALLER), 403)
            hook = {"vernemq-hook": "on_publish", **CALLER}
            posted = client.post("/mqtt/vernemq", json=vernemq_event(None, "t", b""), headers=hook)
            assert_problem(posted, 403)
    finally:
        fleet.close()


def test_a_gateway_command_is_carried_out_and_its_ack_queued_for_the_bridge(
    setup: dict[str, Any],
) -> None:
    client, me, fleet = setup["client"], setup["thing"], setup["fleet"]
    device = str(uuid4())
    topic = f"from/module/{me}/action/identity/create&correlationId=c-1"
    body = json.dumps({"identity": device, "publicKey": None}).encode()

    assert post_emqx(client, emqx_event(me, topic, body)) == {"result": "accepted"}
    created = client.get(f"/things/{device}", headers=setup["auth"])
    assert created.status_code == 200, created.text
    assert created.json()["parent_id"] == me
    queued = fleet.mqtt_outbox.oldest(10)
    assert [m.topic for m in queued] == [f"to/module/{me}/ack/identity/create"]
    ack = json.loads(queued[0].payload)
    assert (ack["correlationId"], ack["result"]) == ("c-1", "success")

    repeated = vernemq_event(me, topic, body)
    assert post_vernemq(client, "on_publish", repeated) == {"result": "accepted"}
    again = fleet.mqtt_outbox.oldest(10)
    assert len(again) == 2
    assert json.loads(again[1].payload) == ack


def test_fleetids_own_account_may_connect_and_publish_but_not_subscribe(
    setup: dict[str, Any],
) -> None:
    client = setup["client"]
    login = {"clientid": "fleetid", "username": "fleetid", "password": SERVICE_PASSWORD}

    def emqx(kind: str, body: dict[str, Any]) -> str:
        response = client.post(f"/mqtt/emqx/{kind}", json=body, headers=CALLER)
        assert response.status_code == 200, response.text
        return str(response.json()["result"])

    assert emqx("authn", login) == "allow"
    assert emqx("authn", {**login, "password": "guess"}) == "deny"
    assert emqx("authn", {**login, "clientid": "other"}) == "deny"

    def may(action: str, topic: str) -> str:
        return emqx("authz", {"username": "fleetid", "topic": topic, "action": action})

    assert may("publish", f"channels/{setup['writable']}/messages") == "allow"
    assert may("publish", f"to/module/{setup['thing']}/ack/identity/create") == "allow"
    assert may("publish", f"from/module/{setup['thing']}/action/identity/create") == "deny"
    assert may("subscribe", "channels/+/messages/#") == "deny"
    register = {"client_id": "fleetid", "username": "fleetid", "password": SERVICE_PASSWORD}
    assert post_vernemq(client, "auth_on_register", register) == {"result": "ok"}
    publish = {"username": "fleetid", "topic": f"to/module/{setup['thing']}/ack/x"}
    assert post_vernemq(client, "auth_on_publish", publish) == {"result": "ok"}
    own = emqx_event("fleetid", f"channels/{setup['writable']}/messages", b"[]")
    assert post_emqx(client, own) == {"result": "ignored", "reason": "not_a_thing"}
