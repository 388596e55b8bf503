"""`GET /health`: Magistrala's HealthInfo without authentication; 503 when the database is gone."""

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import TestClient

from domain.causes import Interface
from infrastructure.database import database_answers
from interfaces.bootstrap import build, ensure_first_admin
from interfaces.rest.app import create_app
from interfaces.rest.health import HealthController, HealthServices, package_version
from tests.conftest import make_settings
from tests.helpers import free_port

FIELDS = {"status", "version", "commit", "description", "build_time", "instance_id"}


def test_health_passes_without_a_token_and_names_the_build(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path / "data",
        f"sqlite:///{tmp_path / 'health.db'}",
        build_commit="0123abcd",
        build_time="2026-12-05T04:00:00Z",
    )
    fleet = build(settings)
    try:
        ensure_first_admin(fleet, Interface.CLI)
        with TestClient(create_app(fleet)) as client:
            response = client.get("/health")
    finally:
        fleet.close()

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/health+json")
    body = response.json()
    assert set(body) == FIELDS
    assert body["status"] == "pass"
    assert (body["commit"], body["build_time"]) == ("0123abcd", "2026-12-05T04:00:00Z")
    assert body["version"] == package_version() != "unknown"


def test_health_fails_with_503_when_the_database_does_not_answer() -> None:
    unreachable = sa.create_engine(
        f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none",
        connect_args={"connect_timeout": 2},
    )
    services = HealthServices("c", "t", lambda: database_answers(unreachable))
    app = Litestar(route_handlers=[HealthController.bound_to(services)])

    with TestClient(app) as client:
        response = client.get("/health")

    assert response.status_code == 503, response.text
    assert response.json()["status"] == "fail"
    assert set(response.json()) == FIELDS


def test_health_answers_the_magistrala_cli_shape(client: TestClient[Any]) -> None:
    """The CLI's `health` decodes HealthInfo; the spec's one status value is `pass`."""
    body = client.get("/health").json()

    assert body["status"] == "pass"
    assert all(isinstance(body[field], str) for field in FIELDS)
