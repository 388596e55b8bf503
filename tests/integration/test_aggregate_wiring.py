"""Every aggregate is wired whole: a piece left out is named here, not found as a 404 later."""

import importlib
import inspect
import pkgutil
from typing import Any

import pytest
from litestar import Router
from litestar.testing import TestClient

import domain
from domain.aggregate import FleetAggregate
from infrastructure.schema import metadata
from interfaces.aggregates import CHANNEL_VIEWS, MODULES, WITHOUT_READ_MODEL, as_of_paths
from interfaces.bootstrap import FleetID
from interfaces.registry import HalfWired, Key, Provide
from interfaces.rest.app import create_app
from interfaces.services import build_services
from tests.conftest import ADMIN_API_KEY
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
        events = projection.events if isinstance(projection.events, tuple) else (projection.events,)
        assert events[0] is module.aggregate.Event, (
            f"{name}: its projection reads another aggregate's events first"
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
    admin = {**bearer(admin_token(client)), "x-admin-api-key": ADMIN_API_KEY}
    for path in as_of_paths():
        reads = [r for r in routes if r.path.startswith(path) and "GET" in r.methods]
        assert reads, f"{path} is declared but no read is served under it"
        if any(r.path == path for r in reads):
            assert client.get(path, headers=admin).status_code == 200, path
            then = client.get(path, params={"as_of": "0"}, headers=admin)
            assert then.status_code != 400, (path, then.text)


def test_each_key_is_declared_by_one_aggregate() -> None:
    keys = [p.key for module in MODULES for p in (*module.views, *module.services)]
    repeated = {key.name for key in keys if keys.count(key) > 1}
    assert not repeated, f"declared by more than one aggregate: {repeated}"


def test_each_aggregate_serves_its_own_paths(sqlite_fleet: FleetID) -> None:
    wiring = sqlite_fleet.services.wiring
    for module in MODULES:
        name = module.aggregate.__qualname__
        router = Router(path="/", route_handlers=list(module.routes(wiring)))
        served = {route.path for route in router.routes}
        for path in module.paths:
            assert any(p.startswith(path) for p in served), (
                f"{name}: its routes serve nothing under {path}"
            )


def test_a_missing_entry_is_named_at_start_up(sqlite_fleet: FleetID) -> None:
    """Services built without the channel views (as a fake set missing one would be) fail
    while being built, naming what is missing, not at the first read."""
    wiring = sqlite_fleet.services.wiring
    others = {key: wiring[key] for module in MODULES for key in keys_of(module.views)}
    del others[CHANNEL_VIEWS]
    with pytest.raises(HalfWired, match="channel views"):
        build_services(wiring.ports, wiring.settings, replacements=others)


def keys_of(provided: tuple[Provide[Any, Any], ...]) -> list[Key[Any]]:
    return [p.key for p in provided]
