"""`GET /health`: Magistrala's `HealthInfo`, for load balancers, orchestrators and its CLI.

Magistrala answers `pass` whenever the process answers at all. FleetID also asks the database
(one `SELECT 1`): a server that cannot read or write is not healthy, and a balancer should send
its requests elsewhere, so it answers 503 with status `fail` (the same body otherwise). No
authentication: the answer names only the build, never the configuration.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import ClassVar, Literal

import msgspec
from litestar import Controller, Response, get

HEALTH_JSON = "application/health+json"
INSTANCE = str(uuid.uuid4())
"""Tells the processes behind one address apart, as Magistrala's `instance_id` does."""


def package_version() -> str:
    try:
        return version("fleetid")
    except PackageNotFoundError:
        return "unknown"


class HealthInfo(msgspec.Struct):
    status: Literal["pass", "fail"]
    version: str
    commit: str
    description: str
    build_time: str
    instance_id: str


@dataclass(frozen=True)
class HealthServices:
    commit: str
    build_time: str
    database_up: Callable[[], bool]


class HealthController(Controller):
    path = "/health"
    tags = ["health"]
    services: ClassVar[HealthServices]

    @classmethod
    def bound_to(cls, services: HealthServices) -> type["HealthController"]:
        return type(cls.__name__, (cls,), {"services": services})

    @get(
        "/",
        sync_to_thread=True,
        security=[],
        media_type=HEALTH_JSON,
        summary="Service health: 200 pass, or 503 fail when the database does not answer",
    )
    def health(self) -> Response[HealthInfo]:
        up = self.services.database_up()
        info = HealthInfo(
            status="pass" if up else "fail",
            version=package_version(),
            commit=self.services.commit,
            description="fleetid service",
            build_time=self.services.build_time,
            instance_id=INSTANCE,
        )
        return Response(info, status_code=200 if up else 503, media_type=HEALTH_JSON)
