"""Every aggregate is wired whole: a piece left out is named here, not found as a 404 later."""

import importlib
import inspect
import pkgutil
from typing import Any

from litestar.testing import TestClient

import domain
from domain.aggregate import FleetAggregate
from infrastructure.schema import metadata
from interfaces.aggregates import MODULES, WITHOUT_READ_MODEL, as_of_paths
from interfaces.bootstrap import FleetID
from interfaces.rest.app import create_app
from tests.helpers import admin_token, bearer


def domain_aggregates() -> set[type[FleetAggregate]]:
    found: set[type[FleetAggregate]] = set()
    for info in pkgutil.iter_modules(domain.__path__):
        module = importlib.import_module(f"domain.{info.name}")
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, FleetAggregate) and value is not FleetAggregate:
                found.add(value)
    return found


def test_every_aggregate_is_declared_once() -> None:
    declared = [module.aggregate for module in MODULES] + list(WITHOUT_READ_MODEL)
    assert len(declared) == len(set(declared)), "an aggregate is declared twice"
    missing = {a.__qualname__ for a in domain_aggregates() - set(declared)}
    assert not missing, f"not declared in interfaces/aggregates.py: {missing}"


def test_each_declaration_is_whole() -> None:
    for module in MODULES:
        name = module.aggregate.__qualname__
        projection = module.projection()
        assert projection.events is module.aggregate.Event, (
            f"{name}: its projection reads another aggregate's events"
        )
        for table in projection.tables:
            assert table in metadata.tables, (
                f"{name}: table {table} is not in infrastructure/schema"
            )
        if module.kind is not None:
            assert "id" in metadata.tables[module.table].c, f"{name}: {module.table} has no id"


def test_each_declared_path_is_served_and_reads_as_of(
    sqlite_fleet: FleetID, client: TestClient[Any]
) -> None:
    routes = create_app(sqlite_fleet).routes
    admin = bearer(admin_token(client))
    for path in as_of_paths():
        reads = [r for r in routes if r.path.startswith(path) and "GET" in r.methods]
        assert reads, f"{path} is declared but no read is served under it"
        if any(r.path == path for r in reads):
            listed = client.get(path, params={"as_of": "0"}, headers=admin)
            assert listed.status_code == 200, (path, listed.text)
