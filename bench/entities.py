"""Identity entities through the admin API of a running `fleetid serve`.

    .venv/bin/python -m bench.entities [--backend sqlite|postgres] [--count 200]

One client, requests back to back, each answered before the next (a client of an admin API
makes entities one at a time). Measured, after a few unmeasured first calls:

- callers/s: `POST /api/v1/admin/entity` with a new wallet each (FleetID makes the mnemonic:
  two key stretchings, BIP39's and Cardano's, then five aggregates in one commit);
- workers/s: entities linked to those wallets (one DID derivation, four aggregates);
- DID resolutions/s (`GET …/entity/{id}/did`), and `GET /api/v1/entity/me` by API key/s.

Every answer must be the documented one (201 or 200) and the server's log must show no error.
The issue sets no target; this shows what an operator may expect and where the time goes.
"""

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import httpx

from bench import databases, servers

KEY = "bench-admin-api-key-0123456789"
WARMUP = 5


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200, help="entities of each kind")
    databases.add_backend_options(parser)
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="fleetid-entities-bench-") as temp:
        directory = Path(temp)
        with databases.chosen_backend(options, directory) as database:
            figures = _measure(directory, database.database_url, options.count)
    print(f"identity entities, {options.backend}, {options.count} of each, one client:")
    for name, (rate, cpu) in figures.items():
        print(f"  {name:<28} {rate:>8,.0f}/s  {1000 / rate:6.1f} ms  server CPU {cpu}")
    return 0


def _measure(directory: Path, database_url: str, count: int) -> dict[str, tuple[float, str]]:
    port = servers.free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("FLEETID_")},
        "FLEETID_DATA_DIR": str(directory / "data"),
        "FLEETID_DATABASE_URL": database_url,
        "FLEETID_ADMIN_API_KEY": KEY,
        "FLEETID_MQTT_PORT": str(servers.free_port()),
        "FLEETID_HTTP_PORT": str(port),
    }
    command = [sys.executable, "-m", "interfaces.cli", "serve"]
    log = directory / "server.log"
    figures: dict[str, tuple[float, str]] = {}
    with (
        servers.running("fleetid", command, env, log, port, "/health") as server,
        httpx.Client(base_url=server.url, timeout=60, headers={"x-admin-api-key": KEY}) as client,
    ):
        entity = "/api/v1/admin/entity"
        for n in range(WARMUP):
            _answered(client.post(entity, json={"name": f"warm {n}", "role": "caller"}), 201)

        def timed(
            name: str, calls: list[Callable[[], httpx.Response]], status: int
        ) -> list[dict[str, str]]:
            before = server.cpu_seconds()
            started = time.perf_counter()
            answers = [_answered(call(), status) for call in calls]
            elapsed = time.perf_counter() - started
            after = server.cpu_seconds()
            cpu = "unknown"
            if before is not None and after is not None:
                cpu = f"{(after - before) / len(calls) * 1000:.1f} ms a call"
            figures[name] = (len(calls) / elapsed, cpu)
            return answers

        made = [{"name": f"c{n}", "role": "caller"} for n in range(count)]
        callers = timed(
            "callers (new wallets)", [partial(client.post, entity, json=b) for b in made], 201
        )
        linked = [{"name": "w", "role": "worker", "id_wallet": c["id_wallet"]} for c in callers]
        timed(
            "workers (shared wallets)", [partial(client.post, entity, json=b) for b in linked], 201
        )
        resolutions = [f"{entity}/{c['id_entity']}/did" for c in callers]
        timed("DID resolutions", [partial(client.get, path) for path in resolutions], 200)
        keys = [{"apikey": c["key"]} for c in callers]
        me = "/api/v1/entity/me"
        timed("entity/me by API key", [partial(client.get, me, headers=k) for k in keys], 200)
        problems = server.problems_since(0)
        if problems:
            raise RuntimeError(f"{len(problems)} problem lines in the server's log")
    return figures


def _answered(answer: httpx.Response, status: int) -> dict[str, str]:
    if answer.status_code != status:
        raise RuntimeError(f"{answer.request.url} answered {answer.status_code}: {answer.text}")
    data: dict[str, str] = answer.json()["data"]
    return data


if __name__ == "__main__":
    sys.exit(main())
