"""The HTTP ceiling: the smallest Litestar app, served exactly as `fleetid serve` serves FleetID.

`GET /` is the ceiling. `GET /sync` is the same handler run in the handler thread pool, as
FleetID's commands are: it shows what the thread hop alone costs.
Run as `python -m bench.trivial_app --port N [--workers W]`.
"""

import argparse
import asyncio
from concurrent.futures import ThreadPoolExecutor

from litestar import Litestar, get

from interfaces.rest.server import serve

HANDLER_THREADS = 32
"""FleetID's default `FLEETID_HANDLER_THREADS`: the size of its handler thread pool."""


@get("/")
async def ping() -> dict[str, str]:
    return {"status": "ok"}


@get("/sync", sync_to_thread=True)
def ping_in_thread() -> dict[str, str]:
    return {"status": "ok"}


def size_thread_pool() -> None:
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(HANDLER_THREADS))


app = Litestar(route_handlers=[ping, ping_in_thread], on_startup=[size_thread_pool])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    serve(
        "bench.trivial_app:app",
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        factory=False,
    )


if __name__ == "__main__":
    main()
