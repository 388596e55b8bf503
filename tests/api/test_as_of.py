"""`as_of` through the real app on SQLite and PostgreSQL: for random sequences of registry
commands (things, channels, connections, users, groups), every read asked `as_of` a position
answers exactly what the same read answered live when the log stood at that position."""

import re
from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.routes import HTTPRoute
from litestar.testing import TestClient

from domain.causes import Interface
from interfaces.aggregates import as_of_paths
from interfaces.bootstrap import FleetID, ensure_first_admin
from interfaces.rest.app import create_app
from tests.api.support import assert_problem
from tests.helpers import admin_token, bearer
from tests.integration.test_event_log import indexed


@pytest.fixture
def app(fleet: FleetID) -> Iterator[tuple[FleetID, TestClient[Any], dict[str, str]]]:
    ensure_first_admin(fleet, Interface.CLI)
    with TestClient(create_app(fleet)) as client:
        yield fleet, client, bearer(admin_token(client))


Command = tuple[str, int, str]
COMMANDS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "thing",
                "channel",
                "rename",
                "tag",
                "disable",
                "enable",
                "connect",
                "user",
                "rename_user",
                "group",
                "rename_group",
                "disable_group",
            ]
        ),
        st.integers(0, 5),
        st.sampled_from(["a", "b", "c"]),
    ),
    min_size=1,
    max_size=12,
)


def run(
    client: TestClient[Any], auth: dict[str, str], command: Command, made: dict[str, list[str]]
) -> None:
    kind, pick, word = command
    if kind in ("user", "rename_user", "group", "rename_group", "disable_group"):
        run_people(client, auth, command, made)
        return
    things, channels = made["things"], made["channels"]
    if kind == "thing" or (kind != "channel" and not things):
        body = client.post("/things", json={"name": f"thing {word}"}, headers=auth).json()
        things.append(body["id"])
        return
    if kind == "channel" or (kind == "connect" and not channels):
        body = client.post("/channels", json={"name": f"channel {word}"}, headers=auth).json()
        channels.append(body["id"])
        return
    thing = things[pick % len(things)]
    if kind == "rename":
        client.patch(f"/things/{thing}", json={"name": f"renamed {word}"}, headers=auth)
    elif kind == "tag":
        client.patch(f"/things/{thing}/tags", json={"tags": [word]}, headers=auth)
    elif kind in ("disable", "enable"):
        client.post(f"/things/{thing}/{kind}", headers=auth)
    else:
        channel = channels[pick % len(channels)]
        client.post("/connect", json={"subjects": [thing], "objects": [channel]}, headers=auth)


def run_people(
    client: TestClient[Any], auth: dict[str, str], command: Command, made: dict[str, list[str]]
) -> None:
    kind, pick, word = command
    users, groups = made["users"], made["groups"]
    if kind == "user" or (kind == "rename_user" and not users):
        identity = f"u{len(users)}-{uuid4().hex[:8]}@fleet.example"
        body = {"credentials": {"identity": identity, "secret": "as-of-secret-1"}, "name": word}
        users.append(client.post("/users", json=body, headers=auth).json()["id"])
    elif kind == "rename_user":
        user = users[pick % len(users)]
        client.patch(f"/users/{user}", json={"name": f"renamed {word}"}, headers=auth)
    elif kind == "group" or not groups:
        groups.append(
            client.post("/groups", json={"name": f"group {word}"}, headers=auth).json()["id"]
        )
    elif kind == "rename_group":
        group = groups[pick % len(groups)]
        client.put(f"/groups/{group}", json={"name": f"renamed {word}"}, headers=auth)
    else:
        client.post(f"/groups/{groups[pick % len(groups)]}/disable", headers=auth)


def reads(made: dict[str, list[str]]) -> list[str]:
    paths = ["/things?limit=100", "/channels?limit=100", "/things?limit=100&status=all"]
    paths += ["/users?limit=100", "/groups?limit=100", "/groups?limit=100&status=all"]
    paths += [f"/users/{u}" for u in made["users"]]
    paths += [f"/groups/{g}" for g in made["groups"]]
    paths += [f"/things/{t}" for t in made["things"]]
    paths += [f"/things/{t}/channels" for t in made["things"]]
    paths += [f"/channels/{c}" for c in made["channels"]]
    paths += [f"/channels/{c}/things" for c in made["channels"]]
    return paths


def answers(
    client: TestClient[Any], auth: dict[str, str], paths: list[str], suffix: str = ""
) -> dict[str, Any]:
    found = {}
    for path in paths:
        joiner = "&" if "?" in path else "?"
        response = client.get(path + (joiner + suffix if suffix else ""), headers=auth)
        found[path] = (response.status_code, response.json())
    return found


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(commands=COMMANDS)
def test_a_read_as_of_a_position_answers_what_it_answered_then(
    app: tuple[FleetID, TestClient[Any], dict[str, str]], commands: list[Command]
) -> None:
    fleet, client, auth = app
    made: dict[str, list[str]] = {"things": [], "channels": [], "users": [], "groups": []}
    captured: list[tuple[int, list[str], dict[str, Any]]] = []
    for command in commands:
        run(client, auth, command, made)
        paths = reads(made)
        captured.append((fleet.projections.position, paths, answers(client, auth, paths)))

    for position, paths, then in captured:
        assert answers(client, auth, paths, f"as_of={position}") == then, position


def test_as_of_a_time_and_bad_values(app: tuple[FleetID, TestClient[Any], dict[str, str]]) -> None:
    fleet, client, auth = app
    thing = client.post("/things", json={"name": "before"}, headers=auth).json()
    indexed(fleet)
    page = client.get(f"/events?aggregate_id={thing['id']}", headers=auth).json()
    moment = page["events"][0]["recorded_at"]
    client.patch(f"/things/{thing['id']}", json={"name": "after"}, headers=auth)
    indexed(fleet)

    then = client.get(f"/things/{thing['id']}?as_of={moment}", headers=auth).json()
    assert then["name"] == "before"
    assert client.get(f"/things/{thing['id']}", headers=auth).json()["name"] == "after"
    gone = client.get(f"/things/{thing['id']}?as_of=2000-01-01T00:00:00Z", headers=auth)
    assert_problem(gone, 404)
    for bad in ("yesterday", "2026-01-01T00:00:00", "-1", "2026-02-30T00:00:00Z"):
        assert_problem(client.get(f"/things?as_of={bad}", headers=auth), 400, field="as_of")
    ahead = client.get(f"/things?as_of={10**12}", headers=auth)
    assert_problem(ahead, 404, field="as_of", error="not_found")
    dawn = client.get("/things", params={"as_of": "0001-01-01T00:00:00+01:00"}, headers=auth)
    assert dawn.status_code == 200, dawn.text
    assert dawn.json()["things"] == []
    assert_problem(client.post("/things?as_of=1", json={}, headers=auth), 400, field="as_of")
    assert_problem(client.get("/events?as_of=1", headers=auth), 400, field="as_of")


@pytest.mark.parametrize("digits", ["①", "²", "١٢", "\U0001d7d7"])
def test_as_of_in_other_scripts_digits_is_refused_on_every_registry_read(
    sqlite_fleet: FleetID, client: TestClient[Any], digits: str
) -> None:
    """`str.isdigit` accepts these and `int` does not: each read answers 400, never 500."""
    auth = bearer(admin_token(client))
    reads = [
        route.path
        for route in create_app(sqlite_fleet).routes
        if isinstance(route, HTTPRoute)
        and "GET" in route.methods
        and route.path.startswith(as_of_paths())
    ]
    assert len(reads) > 10
    for path in reads:
        numbered = re.sub(r"\{[^}]+:int\}", "1", path)
        url = re.sub(r"\{[^}]+\}", str(uuid4()), numbered)
        response = client.get(url, params={"as_of": digits}, headers=auth)
        assert_problem(response, 400, field="as_of")
