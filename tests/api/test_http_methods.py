"""Every path says which methods it serves: OPTIONS lists them all and a 405 names them in
`Allow` (RFC 9110 §15.5.6), walked over the app's whole route table so new routes are covered."""

import re
import uuid
from typing import Any

import pytest
from litestar.routes import HTTPRoute
from litestar.testing import TestClient

from interfaces.bootstrap import FleetID
from interfaces.rest.app import create_app
from tests.api.support import assert_problem

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PARAMETER = re.compile(r"\{[^}:]+:(\w+)\}")


def concrete(path: str) -> str:
    """A request path for a route path: any id, a one-level subtopic."""
    examples = {"uuid": str(uuid.uuid4()), "path": "a", "int": "1", "str": "a"}
    return PARAMETER.sub(lambda m: examples.get(m.group(1), "a"), path)


def allowed(header: str) -> set[str]:
    return {method.strip() for method in header.split(",")}


def test_options_and_405_name_every_method_of_every_path(
    sqlite_fleet: FleetID, client: TestClient[Any]
) -> None:
    routes = [r for r in create_app(sqlite_fleet).routes if isinstance(r, HTTPRoute)]
    assert len(routes) > 30
    for route in routes:
        path = concrete(route.path)
        served = set(route.methods)

        options = client.options(path)
        assert options.status_code == 204, (route.path, options.text)
        assert allowed(options.headers["allow"]) == served, route.path
        unserved = [m for m in METHODS if m not in served]
        if not unserved:
            continue
        refused = client.request(unserved[0], path)
        assert_problem(refused, 405)
        assert allowed(refused.headers["allow"]) == served, route.path


@pytest.mark.parametrize("path", ["/groups", "/things/policies", "/users/policies"])
def test_paths_served_by_several_controllers_list_all_their_methods(
    client: TestClient[Any], path: str
) -> None:
    expected = {"/groups": {"GET", "POST", "OPTIONS"}}.get(path, {"POST", "PUT", "OPTIONS"})

    assert allowed(client.options(path).headers["allow"]) >= expected
