"""Query strings read as Magistrala reads them: a repeated parameter, `null` for a typed value
and a malformed boolean are refused (400 naming the parameter); any uint64 offset is taken."""

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.routes import HTTPRoute
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


def paged_reads(fleet: FleetID) -> list[str]:
    return [
        route.path
        for route in create_app(fleet).routes
        if isinstance(route, HTTPRoute)
        and "GET" in route.methods
        and any("offset" in h.parsed_fn_signature.parameters for h in route.route_handlers)
    ]


def test_a_repeated_parameter_is_refused_on_every_paged_read(
    sqlite_fleet: FleetID, client: TestClient[Any]
) -> None:
    auth = bearer(admin_token(client))
    channel = client.post("/channels", json={"name": "c"}, headers=auth).json()["id"]
    reads = paged_reads(sqlite_fleet)
    assert len(reads) >= 8

    for path in reads:
        url = re.sub(r"\{[^}]+\}", channel if "channel" in path else str(uuid.uuid4()), path)
        for query, field in (("limit=5&limit=6", "limit"), ("offset=0&offset=1", "offset")):
            response = client.get(f"{url}?{query}", headers=auth)
            assert_problem(response, 400, field=field)


def test_null_and_malformed_values_are_refused_not_dropped(client: TestClient[Any]) -> None:
    auth = bearer(admin_token(client))
    channel = client.post("/channels", json={"name": "c"}, headers=auth).json()["id"]
    messages = f"/channels/{channel}/messages"

    for query, field in (
        ("vb=null", "vb"),
        ("vb=maybe", "vb"),
        ("v=null", "v"),
        ("publisher=null", "publisher"),
        ("as_of=1&as_of=2", "as_of"),
        ("to=1&to=2", "to"),  # renamed parameters (Python `until`) are read by their query name
        ("to=null", "to"),
        ("from=null&from=null", "from"),
    ):
        path = f"{messages}?{query}" if field != "as_of" else f"/things?{query}"
        assert_problem(client.get(path, headers=auth), 400, field=field)
    assert_problem(client.get("/groups?tree=foo", headers=auth), 400, field="tree")
    named_null = client.get("/things?name=null", headers=auth)
    assert named_null.status_code == 200, "a text filter may search for the word null"


@pytest.mark.parametrize("offset", [2**31, 2**63 - 1, 2**63, 2**64 - 1, 10**30])
def test_any_uint64_offset_gives_an_empty_page_on_both_backends(
    any_client: TestClient[Any], offset: int
) -> None:
    client = any_client
    auth = bearer(admin_token(client))
    channel = client.post("/channels", json={"name": "c"}, headers=auth).json()["id"]

    for path in ("/things", "/users", "/channels", "/groups", f"/channels/{channel}/messages"):
        response = client.get(f"{path}?offset={offset}", headers=auth)
        assert response.status_code == 200, (path, response.text)
        page = response.json()
        assert page["offset"] == offset
        assert next(v for k, v in page.items() if isinstance(v, list)) == []
    assert_problem(client.get("/things?offset=-1", headers=auth), 400, field="offset")
