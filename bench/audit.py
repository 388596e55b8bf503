"""The auditors' log at scale: export, Merkle tree build and append, proofs, full rebuild and
as-of reads over a log of N events, each beside the raw database read rate of the same log
measured in the same run.

    .venv/bin/python -m bench.audit [--events 1000000] [--backend sqlite|postgres]

The log is made the way production makes it: bulk thing creation through the commands (1000
things a save, two events each). Raw read: the event store's rows read in order in batches, as
every pass below reads them. Targets: rebuild >= 20,000 events/s; proofs under 10 ms; as-of
list queries within 2x of live ones.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

from application.authorization import Actor
from application.ports.things import ThingFilter
from application.read_time import as_of
from application.things import NewThing
from bench import databases
from domain.causes import Interface
from domain.users import Role
from infrastructure.log_entries import entry_of
from infrastructure.settings import Settings
from interfaces.aggregates import THINGS
from interfaces.bootstrap import FleetID, build
from tests.helpers import blocking

ADMIN = Actor(id=UUID(int=1), role=Role.ADMIN)
BATCH = 1000
READ_BATCH = 5000
PROOFS = 1000
QUERIES = 300
TARGETS = {"rebuild": 20_000.0, "proof_ms": 10.0, "as_of_ratio": 2.0}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.audit", description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    databases.add_backend_options(parser)
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="fleetid-audit-bench-") as temp:
        directory = Path(temp)
        with databases.chosen_backend(options, directory) as database:
            settings = Settings(
                data_dir=directory / "data",
                database_url=database.database_url,
                argon2_memory_kib=1024,
                argon2_iterations=1,
                log_sign_interval=3600.0,
            )
            fleet = build(settings)
            try:
                fleet.audit_trail.close()
                _report(_measure(fleet, options.events, directory), options)
            finally:
                fleet.close()
    return 0


def _measure(fleet: FleetID, events: int, directory: Path) -> dict[str, Any]:
    results: dict[str, Any] = {}
    made = _timed(lambda: _make_log(fleet, events))
    total = fleet.raw_log.last_position()
    results["made"] = (total, made)
    results["raw"] = total / _timed(lambda: _read_raw(fleet))
    results["export"] = total / _timed(lambda: _export(fleet, directory / "log.ndjson"))
    results["index"] = total / _timed(fleet.audit_trail.catch_up)
    results["append"] = _append_rate(fleet)
    size = fleet.log_tree.size()
    results["sign_ms"] = _timed(fleet.log_tree.sign) * 1000
    results["inclusion_ms"] = _latencies(
        lambda: fleet.log_tree.inclusion(random.randrange(size), size)
    )
    results["consistency_ms"] = _latencies(
        lambda: fleet.log_tree.consistency(random.randrange(1, size + 1), size)
    )
    results["rebuild"] = _rebuild_rate(fleet)
    results["as_of"] = _as_of_latencies(fleet)
    return results


def _make_log(fleet: FleetID, events: int) -> None:
    """Bulk creation until the log holds `events` (each thing: a thing and a secret index)."""
    things = blocking(fleet[THINGS].commands)
    made = 0
    while fleet.raw_log.last_position() < events:
        batch = [NewThing(name=f"bench thing {made + i}") for i in range(BATCH)]
        things.provision_many(ADMIN, batch, Interface.CLI)
        made += BATCH
        if made % (BATCH * 50) == 0:
            print(f"\r  made {fleet.raw_log.last_position():,} events", end="", file=sys.stderr)
    print(file=sys.stderr)


def _read_raw(fleet: FleetID) -> None:
    position = 0
    while rows := fleet.raw_log.after(position, READ_BATCH):
        position = rows[-1].id


def _export(fleet: FleetID, target: Path) -> None:
    position = 0
    with target.open("wb") as sink:
        while rows := fleet.raw_log.after(position, READ_BATCH):
            sink.write(b"".join(entry_of(n).line + b"\n" for n in rows))
            position = rows[-1].id


def _append_rate(fleet: FleetID) -> float:
    """Events indexed per second when 10 bulk saves come in on top of the whole tree."""
    before = fleet.raw_log.last_position()
    _make_log(fleet, before + 10 * 2 * BATCH)
    added = fleet.raw_log.last_position() - before
    return added / _timed(fleet.audit_trail.catch_up)


def _rebuild_rate(fleet: FleetID) -> float:
    started = time.perf_counter()
    replayed = fleet.projections.rebuild()
    return replayed / (time.perf_counter() - started)


def _as_of_latencies(fleet: FleetID) -> dict[str, float]:
    middle = fleet.projections.position // 2
    page = ThingFilter(offset=0, limit=10)
    far = ThingFilter(offset=5000, limit=10)

    def live() -> None:
        fleet[THINGS].queries.page(ADMIN, page)

    def past() -> None:
        with as_of(middle):
            fleet[THINGS].queries.page(ADMIN, page)

    def live_far() -> None:
        fleet[THINGS].queries.page(ADMIN, far)

    def past_far() -> None:
        with as_of(middle):
            fleet[THINGS].queries.page(ADMIN, far)

    return {
        "live": statistics.mean(_latencies(live, QUERIES)),
        "as_of": statistics.mean(_latencies(past, QUERIES)),
        "live_far": statistics.mean(_latencies(live_far, QUERIES)),
        "as_of_far": statistics.mean(_latencies(past_far, QUERIES)),
    }


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _latencies(work: Callable[[], object], count: int = PROOFS) -> list[float]:
    work()
    found = []
    for _ in range(count):
        started = time.perf_counter()
        work()
        found.append((time.perf_counter() - started) * 1000)
    return found


def _report(results: dict[str, Any], options: argparse.Namespace) -> None:
    total, made = results["made"]
    raw = results["raw"]
    print(
        f"\nAuditors' log, {total:,} events ({options.backend}, {os.cpu_count()} cores); "
        f"made in {made:.0f} s ({total / made:,.0f} events/s through bulk commands)"
    )
    print(f"{'measure':<38}{'figure':>16}{'vs raw read':>14}  target")
    print(f"{'raw read of the event store':<38}{raw:>12,.0f} e/s{1:>13.2f}x")
    for label, key in (
        ("fleetid log export (NDJSON lines)", "export"),
        ("index + Merkle tree, from zero", "index"),
        ("index + Merkle tree, appending", "append"),
    ):
        print(f"{label:<38}{results[key]:>12,.0f} e/s{results[key] / raw:>13.2f}x")
    rebuild = results["rebuild"]
    verdict = "met" if rebuild >= TARGETS["rebuild"] else "MISSED"
    print(
        f"{'full rebuild of the read models':<38}{rebuild:>12,.0f} e/s{rebuild / raw:>13.2f}x"
        f"  >= 20,000 e/s {verdict}"
    )
    print(f"{'sign a tree head':<38}{results['sign_ms']:>13.2f} ms")
    for label, key in (
        ("inclusion proof", "inclusion_ms"),
        ("consistency proof", "consistency_ms"),
    ):
        values = sorted(results[key])
        p99 = values[int(len(values) * 0.99) - 1]
        verdict = "met" if p99 < TARGETS["proof_ms"] else "MISSED"
        print(
            f"{label + ' (mean / p99)':<38}{statistics.mean(values):>7.2f} / {p99:.2f} ms"
            f"{'':>9}  p99 < 10 ms {verdict}"
        )
    latencies = results["as_of"]
    for label, live, past in (
        ("list 10 things, first page", "live", "as_of"),
        ("list 10 things, offset 5000", "live_far", "as_of_far"),
    ):
        ratio = latencies[past] / latencies[live]
        verdict = "met" if ratio <= TARGETS["as_of_ratio"] else "MISSED"
        print(
            f"{label + ' live / as_of':<38}{latencies[live]:>7.2f} / {latencies[past]:.2f} ms"
            f"{ratio:>8.2f}x  <= 2x {verdict}"
        )


if __name__ == "__main__":
    sys.exit(main())
