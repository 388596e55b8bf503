"""A tour of the API over HTTP on SQLite and PostgreSQL: what passes on one must pass on both.

Most API tests run on SQLite only (the HTTP behaviour does not depend on the backend); this one
exists because some inputs reach database-specific behaviour (text without NUL, JSON operators,
LIKE escapes) and must answer the same, and never 500, on both.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from domain.causes import Interface
from interfaces.bootstrap import FleetID, ensure_first_admin
from interfaces.rest.app import create_app
from tests.api.support import assert_problem
from tests.helpers import admin_token, bearer


@pytest.fixture
def any_client(fleet: FleetID) -> Iterator[TestClient[Any]]:
    ensure_first_admin(fleet, Interface.CLI)
    with TestClient(create_app(fleet)) as client:
        yield client


ODD_FILTERS = [
    "name=%25",
    "name=_",
    "name=%5C",
    "name=%E2%80%8B",
    "name=%F0%9F%92%A1",
    'metadata={"a":{"b":[1,"x",null,true]}}',
    'metadata={"k":1.5}',
    'metadata={"k":9223372036854775807}',
    "tags=%20",
    "status=all",
]


def test_a_tour_answers_alike_on_both_backends(any_client: TestClient[Any]) -> None:
    client = any_client
    auth = bearer(admin_token(client))
    made = client.post(
        "/things/bulk",
        json=[
            {"name": "100% _sure\\", "tags": ["a b"], "metadata": {"a": {"b": [1, "x"]}}},
            {"name": "💡 lamp", "credentials": {"secret": "tour-secret-1"}},
            {"name": "mixed", "metadata": {"list": ["plain", '{"x": 1}', {"y": 2, "x": 1}]}},
        ],
        headers=auth,
    )
    assert made.status_code == 200, made.text
    site = client.post("/groups", json={"name": "site"}, headers=auth).json()["id"]
    room = client.post("/groups", json={"name": "room", "parent_id": site}, headers=auth).json()
    channel = client.post(
        "/channels", json={"name": "tour", "parent_id": room["id"]}, headers=auth
    ).json()["id"]
    lamp = made.json()["things"][1]["id"]
    connected = client.post(
        "/connect", json={"subjects": [lamp], "objects": [channel]}, headers=auth
    )
    assert connected.status_code == 201, connected.text

    for query in ODD_FILTERS:
        for path in ("/things", "/users", "/channels", "/groups"):
            response = client.get(f"{path}?{query}", headers=auth)
            assert response.status_code in (200, 400), (path, query, response.text)
    assert client.get("/things?name=100%25%20_", headers=auth).json()["total"] == 1
    assert client.get("/things?name=%F0%9F%92%A1", headers=auth).json()["total"] == 1
    nested = client.get('/things?metadata={"a":{"b":["x"]}}', headers=auth)
    assert nested.json()["total"] == 1
    for wanted, total in (
        ('{"list":[{"x":1}]}', 1),
        ('{"list":[{"x":1,"y":2}]}', 1),
        ('{"list":["plain",{"y":2}]}', 1),
        ('{"list":[{"x":1,"z":3}]}', 0),
        ('{"list":[["plain"]]}', 0),
    ):
        found = client.get(f"/things?metadata={wanted}", headers=auth)
        assert (found.status_code, found.json().get("total")) == (200, total), wanted
    deepest = '{"list":' + "[" * 6 + '{"x":1}' + "]" * 6 + "}"
    assert client.get(f"/things?metadata={deepest}", headers=auth).status_code == 200
    too_deep = '{"list":' + "[" * 7 + '{"x":1}' + "]" * 7 + "}"
    assert_problem(client.get(f"/things?metadata={too_deep}", headers=auth), 400, field="metadata")
    access = client.post(
        f"/channels/{channel}/access",
        json={"subject": "tour-secret-1", "action": "m_write"},
        headers=auth,
    )
    assert access.status_code == 200, access.text
    sent = client.post(
        f"/http/channels/{channel}/messages",
        json=[{"bn": "tour:", "n": "a", "v": 1, "t": -1}, {"n": "b", "vs": "100% _x", "t": 0}],
        headers={"Authorization": "Thing tour-secret-1", "Content-Type": "application/senml+json"},
    )
    assert sent.status_code == 202, sent.text
    for filters, names in (
        ("", ["tour:b", "tour:a"]),
        ("vs=100%25%20_x", ["tour:b"]),
        ("v=1", ["tour:a"]),
    ):
        read = client.get(f"/channels/{channel}/messages?{filters}", headers=auth).json()
        assert [m["name"] for m in read["messages"]] == names, filters
    for query in (f"parentID={site}&dir=1", f"parentID={room['id']}&dir=-1"):
        below = client.get(f"/channels?{query}", headers=auth).json()
        assert [c["id"] for c in below["channels"]] == [channel], query
    assert_problem(client.get("/things?tags=%00", headers=auth), 400, field="tags")
