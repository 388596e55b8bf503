"""The HTTP ceiling: the smallest Litestar app, served exactly as `fleetid serve` serves FleetID.

`GET /` is the ceiling. `GET /sync` is the same handler run in the worker thread pool, as every
FleetID handler is (`sync_to_thread=True`, pool sized like the app's): it shows what the thread hop
alone costs. Run as `python -m bench.trivial_app --port N`.
"""

import argparse

import anyio.to_thread
import uvicorn
from litestar import Litestar, get

WORKERS = 40
"""FleetID's default `FLEETID_WORKERS`: the size of its handler thread pool."""


@get("/")
async def ping() -> dict[str, str]:
    return {"status": "ok"}


@get("/sync", sync_to_thread=True)
def ping_in_thread() -> dict[str, str]:
    return {"status": "ok"}


def size_thread_pool() -> None:
    anyio.to_thread.current_default_thread_limiter().total_tokens = WORKERS


app = Litestar(route_handlers=[ping, ping_in_thread], on_startup=[size_thread_pool])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    # The same call as interfaces/cli.py `_serve`, so that only the handler differs.
    uvicorn.run(app, host="127.0.0.1", port=args.port, access_log=False, log_level="info")


if __name__ == "__main__":
    main()
