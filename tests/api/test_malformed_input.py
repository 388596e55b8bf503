"""Input no handler can use is refused with 400 in the one error shape and changes nothing,
on every route that takes it: JSON bodies that are not UTF-8, and times in query parameters
that parse but fall outside what Python and the databases hold once in UTC.

The routes come from the app's own OpenAPI document, so a route added later is swept too.
"""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from domain.causes import Interface
from interfaces.bootstrap import FleetID, ensure_first_admin
from interfaces.rest.app import create_app
from tests.api.support import HOOK_CALLER, assert_problem, new_identity, serving_hooks
from tests.conftest import ADMIN_API_KEY
from tests.helpers import admin_token, bearer, register

ADMIN_KEY = {"x-admin-api-key": ADMIN_API_KEY}

NOT_UTF8 = [
    pytest.param(b'{"name": "caf\xe9"}', id="latin-1"),
    pytest.param(b'{"\xff": 1}', id="invalid-start-byte-in-key"),
    pytest.param(b'["\xe2\x82"]', id="truncated-sequence"),
    pytest.param(b'"\xed\xa0\x80"', id="encoded-surrogate"),
    pytest.param(b'"\xc0\xaf"', id="overlong"),
    pytest.param(b'"\xf4\x90\x80\x80"', id="beyond-u+10ffff"),
]
TIMES = [
    "0000-01-01T00:00:00Z",
    "10000-01-01T00:00:00Z",
    "-0001-01-01T00:00:00Z",
    "2026-01-01T00:00:00+99:00",
    "2026-13-01T00:00:00Z",
    "2026-01-01T00:00:00",
    "yesterday",
]
"""Refused wherever a time is taken: each answer is 400 naming the parameter."""
AS_OF_ONLY = ["-1", "-5", "1e3", "\u00b2", "\u0661\u0662"]
"""Refused as `as_of`, a log position or a time: negative, not plain digits. A position too far
ahead is not refused but not found (test_as_of.py)."""
SECONDS = ["1e309", "-1e309", "nan", "NaN", "inf", "-inf", "Infinity", "1e99999", "0x10", "1,5"]
"""Refused as the message reader's `from` and `to`, seconds since the epoch."""
JSON = {"Content-Type": "application/json"}
SENML_JSON = {"Content-Type": "application/senml+json"}
THING_SECRET = "sweep-secret-1"


@pytest.fixture
def app(fleet: FleetID) -> Iterator[tuple[FleetID, TestClient[Any], dict[str, str]]]:
    ensure_first_admin(fleet, Interface.CLI)
    with TestClient(create_app(fleet)) as client:
        yield fleet, client, {**bearer(admin_token(client)), **ADMIN_KEY}


def operations(client: TestClient[Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    document: dict[str, Any] = client.get("/schema/openapi.json").json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def existing(client: TestClient[Any], token: str) -> dict[str, str]:
    """One of each object, by the name path parameters give its id, so a request that got past
    the body would act on something real; the thing is connected to the channel."""
    auth = bearer(token)
    thing = client.post(
        "/things", json={"credentials": {"secret": THING_SECRET}}, headers=auth
    ).json()["id"]
    channel = client.post("/channels", json={"name": "sweep"}, headers=auth).json()["id"]
    group = client.post("/groups", json={"name": "sweep"}, headers=auth).json()["id"]
    user = register(client, new_identity("sweep"), token=token)["id"]
    linked = client.post("/connect", json={"subjects": [thing], "objects": [channel]}, headers=auth)
    assert linked.status_code == 201, linked.text
    return {
        "thing_id": thing,
        "channel_id": channel,
        "group_id": group,
        "user_id": user,
        "subject": user,
        "object_id": group,
        "subtopic": "sweep",
        "organization_id": "1",
        "profile_id": "1",
        "authority_id": "1",
        "user_number": "1",
        "batch_id": "1",
        "file": "1.crl",
        "encoded": "MAA%3D",
        "mass_operation_id": "0b6f1b1e-8c1a-4a8e-9d55-8e1f0d3b7a21",
        "id_entity": "e980fc11-c57d-490f-a0cc-004dfeb6b942",
    }


def filled(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{([^}:]+)(?::[^}]+)?\}", lambda found: ids[found.group(1)], path)


def test_the_sweeps_cover_the_routes_they_are_about(client: TestClient[Any]) -> None:
    """The OpenAPI document names what the sweeps below rely on; were it to stop, they would
    pass sweeping nothing."""
    bodies = {(m, p) for m, p, op in operations(client) if _json_body(op)}
    times = {(p, name) for m, p, op in operations(client) for name in _time_parameters(m, op)}

    assert {("POST", "/users"), ("POST", "/users/tokens/issue"), ("POST", "/things")} <= bodies
    assert {("POST", "/connect"), ("PUT", "/channels/{channel_id}"), ("POST", "/groups")} <= bodies
    assert len(bodies) >= 25, sorted(bodies)
    assert {("/things", "as_of"), ("/access/explain", "as_of")} <= times
    assert {("/events", "from"), ("/events", "to")} <= times
    assert {
        ("/things/{thing_id}/channels", "as_of"),
        ("/users/{user_id}/memberships", "as_of"),
    } <= times
    assert len(times) >= 18, sorted(times)


@pytest.mark.parametrize("body", NOT_UTF8)
def test_a_json_body_that_is_not_utf8_is_malformed_json_on_every_route(
    client: TestClient[Any], sqlite_fleet: FleetID, body: bytes
) -> None:
    token = admin_token(client)
    ids = existing(client, token)
    position = sqlite_fleet.projections.position
    swept = [(m, p, op) for m, p, op in operations(client) if _json_body(op) and not _hook(op)]
    as_thing = {"Authorization": f"Thing {THING_SECRET}"}

    for method, path, operation in swept:
        thing_route = {"ThingSecret": []} in operation.get("security", [])
        auth = as_thing if thing_route else {**bearer(token), **ADMIN_KEY}
        response = client.request(method, filled(path, ids), content=body, headers={**auth, **JSON})
        assert_problem(response, 400, error="malformed_json", field=None)

    assert sqlite_fleet.projections.position == position


@pytest.mark.parametrize("body", NOT_UTF8)
def test_a_senml_pack_that_is_not_utf8_is_malformed_json_and_stores_nothing(
    client: TestClient[Any], body: bytes
) -> None:
    channel = existing(client, admin_token(client))["channel_id"]
    thing = {"Authorization": f"Thing {THING_SECRET}"}

    response = client.post(
        f"/http/channels/{channel}/messages", content=body, headers={**SENML_JSON, **thing}
    )

    assert_problem(response, 400, error="malformed_json", field=None)
    stored = client.get(f"/channels/{channel}/messages", headers=thing).json()
    assert stored["total"] == 0


@pytest.mark.parametrize("hook", ["auth_on_register", "auth_on_publish", "on_publish"])
def test_a_broker_hook_body_that_is_not_utf8_is_malformed_json(tmp_path: Path, hook: str) -> None:
    """The hooks decode their bodies themselves, field by field: the bad bytes sit in a field
    each of them reads."""
    body = b'{"username": "caf\xe9", "client_id": "c", "topic": "t", "payload": "", "topics": []}'

    headers = {**JSON, **HOOK_CALLER, "vernemq-hook": hook}
    with serving_hooks(tmp_path) as client:
        response = client.post("/mqtt/vernemq", content=body, headers=headers)

    assert_problem(response, 400, error="malformed_json", field=None)


def test_every_time_parameter_refuses_what_is_not_an_rfc_3339_time(
    app: tuple[FleetID, TestClient[Any], dict[str, str]],
) -> None:
    fleet, client, auth = app
    ids = existing(client, admin_token(client))
    ids["subject"] = ids["thing_id"]
    ids["object_id"] = ids["channel_id"]
    position = fleet.projections.position
    swept = [(p, op, name) for m, p, op in operations(client) for name in _time_parameters(m, op)]
    answered = []

    for path, operation, name in swept:
        for value in TIMES + (AS_OF_ONLY if name == "as_of" else []):
            params = {**_required(operation, ids), name: value}
            response = client.get(filled(path, ids), params=params, headers=auth)
            if response.status_code != 400:
                answered.append((path, name, value, response.status_code))
            else:
                assert_problem(response, 400, field=name)

    assert answered == []
    assert fleet.projections.position == position


def test_the_times_at_the_edges_of_the_range_are_answered(
    app: tuple[FleetID, TestClient[Any], dict[str, str]],
) -> None:
    """The extreme times are answered, and so are those past the calendar's ends once in UTC
    (valid RFC 3339): as bounds they mean before and after everything."""
    _, client, auth = app
    for low, high in (
        ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"),
        ("0001-01-01T00:00:00-14:00", "9999-12-31T23:59:59+14:00"),
        ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"),  # the calendar's ends
        ("0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59"),
    ):
        everything = client.get("/events", params={"from": low, "to": high}, headers=auth)
        assert everything.status_code == 200, everything.text
        assert everything.json()["events"]
        nothing = client.get("/events", params={"from": high}, headers=auth)
        assert nothing.json()["events"] == [], nothing.text
        before = client.get("/things", params={"as_of": low}, headers=auth)
        assert before.status_code == 200, before.text
        assert before.json()["total"] == 0


@pytest.mark.parametrize("name", ["from", "to", "v"])
@pytest.mark.parametrize("value", SECONDS)
def test_the_message_readers_numbers_refuse_what_is_not_a_finite_number(
    client: TestClient[Any], name: str, value: str
) -> None:
    token = admin_token(client)
    channel = existing(client, token)["channel_id"]

    response = client.get(
        f"/channels/{channel}/messages", params={name: value}, headers=bearer(token)
    )

    assert_problem(response, 400, field=name)


def _hook(operation: dict[str, Any]) -> bool:
    """The broker hooks are off in these apps; their bodies are swept with the hooks on below."""
    return {"HookSecret": []} in operation.get("security", [])


def _json_body(operation: dict[str, Any]) -> bool:
    return "application/json" in operation.get("requestBody", {}).get("content", {})


def _time_parameters(method: str, operation: dict[str, Any]) -> list[str]:
    """Query parameters of a read that take a time: `as_of`, or those typed date-time."""
    names: list[str] = []
    if method != "GET":
        return names
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        kinds = [schema, *schema.get("oneOf", [])]
        if parameter["in"] != "query":
            continue
        if parameter["name"] == "as_of" or any(k.get("format") == "date-time" for k in kinds):
            names.append(parameter["name"])
    return names


def _required(operation: dict[str, Any], ids: dict[str, str]) -> dict[str, str]:
    """Values for the other required query parameters (`/access/explain`'s)."""
    values = {"subject": ids["subject"], "object": ids["object_id"], "action": "m_read"}
    return {
        p["name"]: values[p["name"]]
        for p in operation.get("parameters", [])
        if p["in"] == "query" and p.get("required") and p["name"] in values
    }
