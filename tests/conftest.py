"""Shared fixtures: a FleetID built on a real SQLite file or a fresh PostgreSQL database.

PostgreSQL tests use the server named by FLEETID_TEST_POSTGRES_URL (default: the local one). When
it is unreachable they skip, except under CI, where a missing service is a failure.
"""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from litestar.testing import TestClient

from infrastructure.settings import Settings
from interfaces.bootstrap import FleetID, build
from interfaces.rest.app import create_app

ADMIN_IDENTITY = "root.admin@fleet.example"
ADMIN_SECRET = "admin-secret-4711"
ADMIN_API_KEY = "test-admin-api-key-4711-0123456789"
"""What the admin API (identity entities) takes in `x-admin-api-key`."""
POSTGRES_ADMIN_URL = os.environ.get(
    "FLEETID_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def _postgres_database() -> Iterator[str]:
    name = f"fleetid_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI but unreachable: {error}")
        pytest.skip(f"PostgreSQL unreachable: {error}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each test using this runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fleetid.db'}"
    else:
        yield from _postgres_database()


def make_settings(data_dir: Path, database_url: str, **overrides: Any) -> Settings:
    """Cheap Argon2 parameters keep the suite quick; algorithm and code path are the real ones."""
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": database_url,
        "admin_identity": ADMIN_IDENTITY,
        "admin_secret": ADMIN_SECRET,
        "admin_api_key": ADMIN_API_KEY,
        "argon2_memory_kib": 1024,
        "argon2_iterations": 1,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path / "data", database_url)


@pytest.fixture
def fleet(settings: Settings) -> Iterator[FleetID]:
    fleet = build(settings)
    try:
        yield fleet
    finally:
        fleet.close()


@pytest.fixture
def sqlite_fleet(tmp_path: Path) -> Iterator[FleetID]:
    """For API tests: the HTTP behaviour does not depend on the backend."""
    fleet = build(make_settings(tmp_path / "data", f"sqlite:///{tmp_path / 'api.db'}"))
    try:
        yield fleet
    finally:
        fleet.close()


@pytest.fixture
def client(sqlite_fleet: FleetID) -> Iterator[TestClient[Any]]:
    from domain.causes import Interface
    from interfaces.bootstrap import ensure_first_admin

    ensure_first_admin(sqlite_fleet, Interface.CLI)
    with TestClient(create_app(sqlite_fleet)) as test_client:
        yield test_client
