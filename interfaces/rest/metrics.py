"""`GET /metrics`: the run's metrics in Prometheus's text format, for the operator's scraper.

Served on the API's own port. With FLEETID_METRICS_TOKEN set, a scraper must present it as a
bearer token (401 otherwise); without it, anyone who reaches the port may read the metrics,
which hold counts and timings by route template, writer, protocol and projection, never an id,
a secret or an identity (docs/operating.md).
"""

import hmac
from dataclasses import dataclass
from typing import Any, ClassVar

from litestar import Controller, Request, Response, get

from domain.errors import Unauthenticated
from infrastructure.metrics_exposition import CONTENT_TYPE, Scrape
from interfaces.rest.auth import bearer_token


@dataclass(frozen=True)
class MetricsSetup:
    scrape: Scrape
    token: str
    """FLEETID_METRICS_TOKEN; empty: no token is asked for."""


class MetricsController(Controller):
    path = "/metrics"
    setup: ClassVar[MetricsSetup]

    @classmethod
    def bound_to(cls, setup: MetricsSetup) -> type["MetricsController"]:
        return type(cls.__name__, (cls,), {"setup": setup})

    @get("/", sync_to_thread=True, include_in_schema=False)
    def metrics(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        """Runs in a thread: the projection lag is read from the database."""
        token = self.setup.token
        if token:
            presented = bearer_token(request) or ""
            if not hmac.compare_digest(presented.encode(), token.encode()):
                raise Unauthenticated("the metrics need FLEETID_METRICS_TOKEN as a bearer token")
        return Response(self.setup.scrape.text(), media_type=CONTENT_TYPE)
