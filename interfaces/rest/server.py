"""The HTTP server: granian, for `fleetid serve` and the bench's trivial-handler ceiling alike.

Granian parses HTTP and writes responses in Rust, outside the GIL, leaving the interpreter to
the application: measured against uvicorn on the same app (1 worker, SQLite), +18 % on writes
and reads by id, +12 % on list pages. Workers are processes; each imports `target` itself.
"""

from granian.constants import Interfaces
from granian.server import Server


def serve(target: str, *, host: str, port: int, workers: int, factory: bool) -> None:
    """Serve the ASGI app at `target` ("module:attribute"; with `factory`, a callable making it)
    until SIGINT or SIGTERM, which shut the workers down through the ASGI lifespan."""
    Server(
        target,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=workers,
        factory=factory,
        log_access=False,
    ).serve()
