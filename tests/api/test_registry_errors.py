"""Bad input on every registry endpoint that takes a body: a clear problem, never a crash."""

import uuid
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.api.support import assert_problem
from tests.helpers import admin_token, bearer

ID = str(uuid.uuid4())
ENDPOINTS = [
    ("POST", "/things"),
    ("POST", "/things/bulk"),
    ("PATCH", f"/things/{ID}"),
    ("PATCH", f"/things/{ID}/tags"),
    ("PATCH", f"/things/{ID}/owner"),
    ("PATCH", f"/things/{ID}/secret"),
    ("POST", "/channels"),
    ("POST", "/channels/bulk"),
    ("PUT", f"/channels/{ID}"),
    ("POST", f"/channels/{ID}/access"),
    ("POST", "/connect"),
    ("POST", "/disconnect"),
    ("POST", "/things/policies"),
    ("PUT", "/things/policies"),
    ("POST", "/groups"),
    ("PUT", f"/groups/{ID}"),
    ("POST", "/users/policies"),
    ("PUT", "/users/policies"),
]
BODIES: list[tuple[str, bytes, str, int]] = [
    ("malformed", b'{"name": ', "application/json", 400),
    ("wrong-shape", b'"just a string"', "application/json", 400),
    (
        "wrong-types",
        b'{"name": 5, "subjects": 1, "subject": [], "tags": "x", "secret": 7}',
        "application/json",
        400,
    ),
    ("not-json", b"name=x", "application/x-www-form-urlencoded", 415),
    (
        "nul",
        b'{"name": "a\\u0000b", "subjects": ["\\u0000"], "secret": "\\u0000"}',
        "application/json",
        400,
    ),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS, ids=[f"{m} {p}" for m, p in ENDPOINTS])
@pytest.mark.parametrize(("kind", "body", "media", "status"), BODIES, ids=[b[0] for b in BODIES])
def test_bad_bodies_get_a_problem_not_a_crash(
    client: TestClient[Any], method: str, path: str, kind: str, body: bytes, media: str, status: int
) -> None:
    token = admin_token(client)
    response = client.request(
        method, path, content=body, headers={**bearer(token), "Content-Type": media}
    )

    assert response.status_code < 500, response.text
    if kind == "nul" and response.status_code == 404:
        return  # the body was fine up to an id that does not exist
    assert_problem(response, status)


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/users?name=a%00b", "name"),
        ("/users?identity=%00", "identity"),
        ("/users?tag=%01", "tag"),
        ("/things?name=%00", "name"),
        ("/things?tags=%00", "tags"),
        ("/channels?name=%00", "name"),
        ("/groups?name=%00", "name"),
        ("/users?metadata=%7B%22a%22%3A%22%5Cu0000%22%7D", "metadata"),
        ("/things?metadata=%7B%22%5Cu0000%22%3A1%7D", "metadata"),
    ],
)
def test_control_characters_in_filters_are_refused_by_name(
    client: TestClient[Any], path: str, field: str
) -> None:
    """PostgreSQL stores no NUL in text: such a filter must be a 400, not a database error."""
    response = client.get(path, headers=bearer(admin_token(client)))

    assert_problem(response, 400, field=field)
