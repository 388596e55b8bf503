"""ASGI entry point for worker processes: each builds its own FleetID from the environment.

Only one process applies the projections (it holds the projection lock); the others follow the
positions it commits, so any worker may answer any request with read-your-writes intact.
"""

from litestar import Litestar

from infrastructure.logging_config import configure_logging
from infrastructure.settings import Settings
from interfaces.bootstrap import build
from interfaces.rest.app import create_app


def create() -> Litestar:
    """A spawned worker inherits the environment, not the parent's logging: it sets its own."""
    settings = Settings.from_env()
    configure_logging(settings.log_format)
    fleet = build(settings)
    app = create_app(fleet)
    app.on_shutdown.append(fleet.close)
    return app
