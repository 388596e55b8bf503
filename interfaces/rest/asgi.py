"""ASGI entry point for worker processes: each builds its own FleetID from the environment.

Only one process applies the projections (it holds the projection lock); the others follow the
positions it commits, so any worker may answer any request with read-your-writes intact.
"""

from litestar import Litestar

from infrastructure.settings import Settings
from interfaces.bootstrap import build
from interfaces.rest.app import create_app


def create() -> Litestar:
    fleet = build(Settings.from_env())
    app = create_app(fleet)
    app.on_shutdown.append(fleet.close)
    return app
