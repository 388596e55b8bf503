"""Helpers shared by the HTTP API tests: error shape, user shape, JWT claims and snapshots."""

import base64
import json
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from litestar.testing import TestClient

from domain.causes import Interface
from interfaces.bootstrap import build, ensure_first_admin
from interfaces.rest.app import create_app
from tests.conftest import make_settings
from tests.helpers import bearer

ERROR_KEYS = {"status", "error", "message", "field"}
USER_KEYS = {
    "id",
    "name",
    "tags",
    "owner",
    "credentials",
    "metadata",
    "created_at",
    "updated_at",
    "updated_by",
    "status",
    "role",
}
"""Every key a user body may carry (empty ones may be left out, as in the seed examples)."""

HOOK_SECRET = "hook-caller-secret-1"
HOOK_CALLER = {"Authorization": f"Bearer {HOOK_SECRET}"}
"""What a broker presents to the hooks, which are served only with FLEETID_MQTT_HOOK_SECRET."""
UNCHECKED = "<field not checked>"
ZERO_TIME = "0001-01-01T00:00:00Z"
SECRET = "12345678"


def new_identity(prefix: str = "user") -> str:
    return f"{prefix}.{uuid.uuid4().hex[:10]}@fleet.example"


def assert_problem(
    response: httpx.Response,
    status: int,
    *,
    field: str | None = UNCHECKED,
    error: str | None = None,
) -> dict[str, Any]:
    """The one error shape: `{"status", "error", "message", "field"}` as JSON, status matching.

    `field` is checked unless left UNCHECKED (then it only has to be a string or null).
    """
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body: dict[str, Any] = response.json()
    assert set(body) == ERROR_KEYS, body
    assert body["status"] == status, body
    assert isinstance(body["error"], str), body
    assert body["error"], body
    assert isinstance(body["message"], str), body
    assert body["message"], body
    if field == UNCHECKED:
        assert body["field"] is None or isinstance(body["field"], str), body
    else:
        assert body["field"] == field, body
    if error is not None:
        assert body["error"] == error, body
    if status == 401:
        assert response.headers.get("www-authenticate", "").lower().startswith("bearer")
    return body


def parse_time(value: str) -> datetime:
    assert value.endswith("Z"), value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def assert_user_shape(body: Mapping[str, Any]) -> None:
    """Field names and types of a user body as in the seed; the secret never leaves."""
    assert set(body) <= USER_KEYS, set(body) - USER_KEYS
    assert {"id", "credentials", "created_at", "updated_at", "status"} <= set(body), body
    uuid.UUID(body["id"])
    assert set(body["credentials"]) == {"identity"}, body["credentials"]
    assert isinstance(body["credentials"]["identity"], str)
    assert isinstance(body.get("name", ""), str)
    assert isinstance(body.get("tags", []), list)
    assert all(isinstance(tag, str) for tag in body.get("tags", []))
    assert isinstance(body.get("metadata", {}), dict)
    if "owner" in body:
        uuid.UUID(body["owner"])
    if "updated_by" in body:
        assert isinstance(body["updated_by"], str)
    parse_time(body["created_at"])
    parse_time(body["updated_at"])
    assert body["status"] in ("enabled", "disabled")
    assert not _secret_keys(body), body


def _secret_keys(value: Any) -> list[str]:
    """Keys anywhere in a JSON value that would carry a secret or its hash."""
    if isinstance(value, dict):
        found = [key for key in value if "secret" in key.lower() or "password" in key.lower()]
        return found + [key for item in value.values() for key in _secret_keys(item)]
    if isinstance(value, list):
        return [key for item in value for key in _secret_keys(item)]
    return []


def jwt_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT, read without verifying it (as any client may)."""
    parts = token.split(".")
    assert len(parts) == 3, token
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload))
    return claims


def issue_tokens(client: TestClient[Any], identity: str, secret: str) -> dict[str, Any]:
    response = client.post("/users/tokens/issue", json={"identity": identity, "secret": secret})
    assert response.status_code == 201, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def all_users(client: TestClient[Any], token: str) -> list[dict[str, Any]]:
    """Every enabled and disabled user as the admin sees it, following the pages."""
    users: list[dict[str, Any]] = []
    offset = 0
    while True:
        response = client.get(
            "/users",
            params={"status": "all", "limit": 100, "offset": offset},
            headers=bearer(token),
        )
        assert response.status_code == 200, response.text
        page = response.json()
        users.extend(page["users"])
        offset += len(page["users"])
        if not page["users"] or offset >= page["total"]:
            return sorted(users, key=lambda user: user["id"])


def get_user(client: TestClient[Any], token: str, user_id: str) -> dict[str, Any]:
    response = client.get(f"/users/{user_id}", headers=bearer(token))
    assert response.status_code == 200, response.text
    user: dict[str, Any] = response.json()
    return user


def list_users(
    client: TestClient[Any], token: str, **params: Any
) -> tuple[dict[str, Any], list[str]]:
    """One page (as JSON) and the identities on it, in order."""
    response = client.get("/users", params=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page, [user["credentials"]["identity"] for user in page["users"]]


@contextmanager
def serving_hooks(tmp_path: Path) -> Iterator[TestClient[Any]]:
    """The app on SQLite with the broker hooks served (HOOK_SECRET) and a first admin."""
    settings = make_settings(
        tmp_path / "data", f"sqlite:///{tmp_path / 'hooks.db'}", mqtt_hook_secret=HOOK_SECRET
    )
    fleet = build(settings)
    ensure_first_admin(fleet, Interface.CLI)
    try:
        with TestClient(create_app(fleet)) as test_client:
            yield test_client
    finally:
        fleet.close()
