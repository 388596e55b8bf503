"""Digital twins made by mass operations, beside the raw event-append rate of the same run on
the same database.

    .venv/bin/python -m bench.twins [--backend sqlite|postgres] [--items 1000] [--operations N]
                                    [--large 100000]

Starts `fleetid serve` (its background worker process applies the operations), signs in the
admin, and after one small unmeasured operation (first-call costs) measures:

- twins/s: `--operations` operations of `--items` createDigitalTwin items each (enough for
  TWINS twins by default), each twin with a service and a real secp256k1 public key (a pool of
  KEY_POOL keys made beforehand and shared by the twins: every twin's key is still checked),
  posted back to back and timed from the first POST until the last operation is `completed`.
  A POST refused because the user has MAX_UNFINISHED operations waiting already (409
  too_many_operations) is posted again once the oldest is done; the clock runs on.
- raw append: the server stopped, as many twin-created events as those operations made (at
  least TWINS; the same content, mapped beforehand, not timed) appended through the log's
  recorder to the same log on the same database, RAW_SAVE a save under the write lock, as the
  writer process inserts them: what the database and the event store allow without FleetID's
  work around the events. Measured after the operations, into the log they left, and again
  after the large operation below, into the log it left (a bigger log appends slower).
- one operation of `--large` items, on the server started again and idle: how long its POST
  took to answer, and the time from the POST until the operation is `completed`.

Beside each figure, the CPU the server's processes spent meanwhile, by process. Every operation
must end `completed` with every item succeeded, and the twins listed must be as many as were
made (the raw append's twins are projected when the server starts again); the server's log
must show no error. Anything else fails the bench. Target: TARGET twins/s.
"""

import argparse
import json
import math
import os
import secrets
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from eventsourcing.persistence import StoredEvent

from application.mass_operations import MAX_UNFINISHED
from bench import databases, servers
from domain.causes import ActorKind, Cause, Interface
from domain.twins import Twin, TwinContent
from infrastructure.settings import Settings
from interfaces.bootstrap import Storage
from interfaces.rest.mass_operation_schemas import stored_item

TARGET = 5000.0
"""Twins/s through mass operations."""
TWINS = 20_000
"""Twins the throughput figure makes when --operations is not given."""
KEY_POOL = 2000
RAW_SAVE = 1000
"""Events per save of the raw append: as many as a chunk of the background worker."""
WARMUP_ITEMS = 100
MASS = "/api/gemini/v1/mass-operations"
TWINS_PATH = "/api/gemini/v1/digital-twins"
ADMIN, SECRET = "bench-admin@example.com", "bench-secret-1"
POLL = 0.05
POST_TIMEOUT = 120.0
"""A POST is answered once its operation is stored: 100,000 items took 3 s on SQLite."""
LARGE_POLL = 0.25
"""Seconds between two looks at the large operation: each counts its items' results."""
DONE = ("completed", "completed_with_errors")
QUIET_CORES = 0.05
"""A server using less CPU than this over a second has caught up (after a start)."""
ROLES = ("writer process", "MQTT broker", "background worker")
"""`fleetid serve`'s children in the order it starts them (interfaces/cli.py, `_serve`); the
HTTP workers come after them."""


@dataclass(frozen=True)
class Timed:
    twins: int
    seconds: float
    """From the first POST until the last operation was completed."""
    cpu: dict[str, float]
    """CPU seconds of the server's processes meanwhile, by role (`server_cpu`)."""
    refused: int = 0
    """POSTs answered 409 too_many_operations, posted again."""
    posted: float = 0.0
    """How long the (last) POST took to answer."""


@dataclass(frozen=True)
class Raw:
    rate: float
    """Events/s."""
    events: int
    mean_bytes: float
    """Stored state per event."""
    log_events: int
    """Events in the log before the raw append."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.twins", description=__doc__)
    parser.add_argument("--items", type=int, default=1000, help="items per operation")
    parser.add_argument(
        "--operations",
        type=int,
        default=None,
        help=f"operations timed back to back (default: enough for {TWINS:,} twins)",
    )
    parser.add_argument("--large", type=int, default=100_000, help="items of the large one")
    databases.add_backend_options(parser)
    options = parser.parse_args(argv)
    operations = options.operations or math.ceil(TWINS / options.items)
    run = secrets.token_hex(4)
    _log(f"making {KEY_POOL:,} secp256k1 keys and the request bodies")
    keys = key_pool(KEY_POOL)
    names = iter(range(1 << 62))
    warmup = body(f"bench-{run}", names, min(WARMUP_ITEMS, options.items), keys)
    bodies = [body(f"bench-{run}", names, options.items, keys) for _ in range(operations)]
    large = body(f"bench-{run}", names, options.large, keys)
    _log(f"the large body: {len(large) / 2**20:.1f} MiB")
    with tempfile.TemporaryDirectory(prefix="fleetid-twins-bench-") as temp:
        directory = Path(temp)
        with databases.chosen_backend(options, directory) as database:
            url = database.database_url
            with _server(directory, url) as running:
                made = running.mass.wait(running.mass.submit(warmup)[0])
                _log(f"{operations} operations of {options.items:,} items")
                timed = _operations(running, bodies)
                made += timed.twins
            _log("the raw append, the server stopped")
            raw = raw_append(directory, url, f"raw-{run}", keys, max(TWINS, timed.twins))
            made += raw.events
            with _server(directory, url) as running:
                _log(f"one operation of {options.large:,} items")
                large_timed = _large(running, large)
                made += large_timed.twins
                running.mass.check_listed(made)
            _log("the raw append again, the server stopped")
            raw_after = raw_append(directory, url, f"raw-after-{run}", keys, raw.events)
    _report(options, operations, timed, raw, large_timed, raw_after)
    return 0


def key_pool(count: int) -> list[str]:
    """Uncompressed secp256k1 points (65 bytes), in hexadecimal."""
    point = serialization.PublicFormat.UncompressedPoint
    return [
        ec.generate_private_key(ec.SECP256K1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, point)
        .hex()
        for _ in range(count)
    ]


def item(object_id: str, public_hex: str) -> dict[str, Any]:
    return {
        "operationType": "createDigitalTwin",
        "objectId": object_id,
        "objectType": "sensor",
        "services": [
            {"key": "mqtt", "uri": "mqtts://broker.example:8883", "description": "telemetry"}
        ],
        "keys": [
            {
                "kid": "key-1",
                "kms": "local",
                "type": "Secp256k1",
                "publicKeyHex": public_hex,
                "meta": {"algorithms": ["ES256K"]},
            }
        ],
    }


def body(prefix: str, names: Iterator[int], count: int, keys: list[str]) -> bytes:
    """A request of `count` createDigitalTwin items, each of an objectId of its own."""
    items = []
    for _ in range(count):
        n = next(names)
        items.append(item(f"{prefix}-{n}", keys[n % len(keys)]))
    return json.dumps(items, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Running:
    server: servers.Server
    mass: "Mass"
    postgres: bool

    def cpu(self) -> dict[str, float]:
        return server_cpu(self.server, self.postgres)


@contextmanager
def _server(directory: Path, database_url: str) -> Iterator[Running]:
    """`fleetid serve` on the data of `directory`, idle, and the admin signed in to it. On the
    way out, the bench fails if its log shows an error (and shows the log when anything
    failed: it goes with the temp dir)."""
    port = servers.free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("FLEETID_")},
        "FLEETID_DATA_DIR": str(directory / "data"),
        "FLEETID_DATABASE_URL": database_url,
        "FLEETID_ADMIN_IDENTITY": ADMIN,
        "FLEETID_ADMIN_SECRET": SECRET,
        "FLEETID_ARGON2_MEMORY_KIB": "1024",
        "FLEETID_ARGON2_ITERATIONS": "1",
        "FLEETID_MQTT_PORT": str(servers.free_port()),
        "FLEETID_HTTP_PORT": str(port),
    }
    command = [sys.executable, "-m", "interfaces.cli", "serve"]
    log = directory / "server.log"
    offset = log.stat().st_size if log.exists() else 0
    with (
        servers.running("fleetid", command, env, log, port, "/health") as server,
        httpx.Client(base_url=server.url, timeout=600) as client,
    ):
        try:
            signed = client.post("/users/tokens/issue", json={"identity": ADMIN, "secret": SECRET})
            if signed.status_code != 201:
                raise RuntimeError(f"sign-in answered {signed.status_code}: {signed.text}")
            _quiet(server)
            mass = Mass(client, {"Authorization": f"Bearer {signed.json()['access_token']}"})
            yield Running(server, mass, database_url.startswith("postgresql"))
            problems = server.problems_since(offset)
            if problems:
                raise RuntimeError(f"{len(problems)} problem lines in the server's log")
        except Exception:
            with log.open("rb") as lines:
                lines.seek(offset)
                tail = lines.read().decode(errors="replace").splitlines()[-60:]
            _log(f"the server's log, last {len(tail)} lines:")
            print("\n".join(tail), file=sys.stderr, flush=True)
            raise


def _quiet(server: servers.Server, timeout: float = 180.0) -> None:
    """Until the server's processes use (nearly) no CPU: a server started on a log it has not
    seen yet catches its read models and audit trail up first."""
    deadline = time.monotonic() + timeout
    before = sum(server_cpu(server).values())
    while time.monotonic() < deadline:
        time.sleep(1.0)
        after = sum(server_cpu(server).values())
        if after - before < QUIET_CORES:
            return
        before = after
    raise RuntimeError(f"the server was still busy {timeout:.0f} s after it started")


def _operations(running: Running, bodies: list[bytes]) -> Timed:
    """The operations posted back to back, timed until the last one is completed."""
    mass = running.mass
    cpu_before = running.cpu()
    started = time.perf_counter()
    submitted: list[str] = []
    refused = 0
    for request in bodies:
        operation, refusals = mass.submit(request, submitted)
        submitted.append(operation)
        refused += refusals
    twins = sum(mass.wait(operation) for operation in submitted)
    seconds = time.perf_counter() - started
    return Timed(twins, seconds, _spent(cpu_before, running.cpu()), refused)


def _large(running: Running, request: bytes) -> Timed:
    cpu_before = running.cpu()
    started = time.perf_counter()
    operation, _ = running.mass.submit(request)
    posted = time.perf_counter() - started
    twins = running.mass.wait(operation, LARGE_POLL)
    seconds = time.perf_counter() - started
    return Timed(twins, seconds, _spent(cpu_before, running.cpu()), posted=posted)


class Mass:
    """Mass operations over HTTP as one signed-in user."""

    def __init__(self, client: httpx.Client, headers: dict[str, str]) -> None:
        self._client = client
        self._headers = headers

    def submit(self, request: bytes, waiting: Sequence[str] = ()) -> tuple[str, int]:
        """The operation's id, and how many times the POST was refused for too many operations
        waiting (then the oldest of `waiting` not done yet is waited for)."""
        refused = 0
        while True:
            try:
                answer = self._client.post(
                    MASS,
                    content=request,
                    headers={**self._headers, "Content-Type": "application/json"},
                    timeout=POST_TIMEOUT,
                )
            except httpx.TimeoutException as error:
                raise RuntimeError(
                    f"POST {MASS} of {len(request) / 2**20:.1f} MiB had no answer in "
                    f"{POST_TIMEOUT:.0f} s"
                ) from error
            if answer.status_code == 201:
                return str(answer.json()["massOperationId"]), refused
            if answer.status_code != 409 or "too_many_operations" not in answer.text:
                raise RuntimeError(f"POST {MASS} answered {answer.status_code}: {answer.text}")
            refused += 1
            pending = [o for o in waiting if self._status(o)["status"] not in DONE]
            if not pending:
                time.sleep(POLL)
                continue
            self.wait(pending[0])

    def wait(self, operation: str, poll: float = POLL) -> int:
        """Its twins, once it is done: fails unless every item succeeded."""
        while (found := self._status(operation))["status"] not in DONE:
            time.sleep(poll)
        if found["status"] != "completed" or found["succeeded"] != found["total"]:
            errors = self._status(operation, "&outcome=error&limit=5")["items"]
            raise RuntimeError(
                f"mass operation {operation} ended {found['status']}: {found['succeeded']} of "
                f"{found['total']} succeeded, {found['failed']} failed; the first: {errors}"
            )
        return int(found["succeeded"])

    def check_listed(self, expected: int) -> None:
        """The twins' list holds every twin made (its read model may lag the status a little)."""
        deadline = time.monotonic() + 10
        while True:
            answer = self._client.get(TWINS_PATH, params={"limit": 1}, headers=self._headers)
            answer.raise_for_status()
            listed = int(answer.json()["total"])
            if listed == expected:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{listed:,} twins listed, {expected:,} made")
            time.sleep(0.2)

    def _status(self, operation: str, query: str = "&limit=1") -> dict[str, Any]:
        answer = self._client.get(f"{MASS}/{operation}?{query[1:]}", headers=self._headers)
        answer.raise_for_status()
        found: dict[str, Any] = answer.json()
        return found


def raw_append(directory: Path, database_url: str, prefix: str, keys: list[str], count: int) -> Raw:
    """Events/s inserted by the log's recorder, RAW_SAVE a save, into the log of the run."""
    store = Storage.open(Settings(data_dir=directory / "data", database_url=database_url))
    try:
        cause = Cause(str(uuid.uuid4()), ActorKind.USER, Interface.PROCESS)
        operation = str(uuid.uuid4())
        events: list[StoredEvent] = []
        for n in range(count):
            stored = stored_item(item(f"{prefix}-{n}", keys[n % len(keys)]))
            content = TwinContent(
                stored["objectId"], stored["objectType"], stored["services"], stored["keys"]
            )
            twin = Twin.create(content, cause.actor, None, operation, n, cause)
            events.extend(store.log.mapper.to_stored_event(e) for e in twin.collect_events())
        before = store.raw_log.last_position()
        recorder = store.log.recorder
        started = time.perf_counter()
        for first in range(0, len(events), RAW_SAVE):
            with store.write_lock:
                recorder.insert_events(events[first : first + RAW_SAVE])
        elapsed = time.perf_counter() - started
        if store.raw_log.last_position() - before != len(events):
            raise RuntimeError("the raw append did not store every event")
    finally:
        store.log.close()
        store.engine.dispose()
    return Raw(
        rate=len(events) / elapsed,
        events=len(events),
        mean_bytes=sum(len(e.state) for e in events) / len(events),
        log_events=before,
    )


def server_cpu(server: servers.Server, postgres: bool = False) -> dict[str, float]:
    """User + system CPU seconds so far (Linux /proc) of each of the server's processes, summed
    by role: the children of `fleetid serve` told apart by the order they started in; with
    `postgres`, every process of the machine named postgres too (the database server's, which
    serves the bench alone, as it should when it runs)."""
    spent: dict[str, float] = {}

    def add(role: str, pid: int, descendants: bool) -> None:
        stat = _stat(pid)
        if stat is not None:
            spent[role] = spent.get(role, 0.0) + stat[0]
        if descendants:
            for child in _children(pid):
                add(role, child, True)

    main = server.process.pid
    add("supervisor", main, False)
    if postgres:
        spent["PostgreSQL server"] = _postgres_cpu()
    children = sorted(
        (stat[1], pid, _command(pid)) for pid in _children(main) if (stat := _stat(pid))
    )
    spawned = [pid for _, pid, command in children if "resource_tracker" not in command]
    for index, pid in enumerate(spawned):
        role = ROLES[index] if index < len(ROLES) else "HTTP workers"
        add(role, pid, False)
        for child in _children(pid):
            add("certificate workers" if role == "background worker" else role, child, True)
    return spent


def _postgres_cpu() -> float:
    total = 0.0
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() != "postgres":
                continue
        except OSError:
            continue
        stat = _stat(int(comm.parent.name))
        total += stat[0] if stat else 0.0
    return total


def _stat(pid: int) -> tuple[float, int] | None:
    """(CPU seconds, start time in clock ticks)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks, int(fields[19])


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.extend(int(child) for child in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def _spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {role: after[role] - before.get(role, 0.0) for role in after}


def _report(
    options: argparse.Namespace,
    operations: int,
    timed: Timed,
    raw: Raw,
    large: Timed,
    raw_after: Raw,
) -> None:
    cores = os.cpu_count() or 1
    rate = timed.twins / timed.seconds
    verdict = "met" if rate >= TARGET else "MISSED"
    large_rate = large.twins / large.seconds
    print(f"digital twins, {options.backend}, {cores} cores")
    _raw_line(raw)
    print(
        f"  mass operations, POST->done   {rate:10,.0f} twins/s   "
        f"{rate / raw.rate:.3f}x raw append (target {TARGET:,.0f} twins/s: {verdict}); "
        f"{operations} operations of {options.items:,} items, {timed.twins:,} twins in "
        f"{timed.seconds:.2f} s"
    )
    if timed.refused:
        print(
            f"{'':32}{timed.refused} POSTs refused ({MAX_UNFINISHED} operations waiting) and "
            "posted again once the oldest was done, in the time"
        )
    _cpu_lines(timed.cpu, timed.seconds, timed.twins)
    print(f"  one operation of {large.twins:,} items")
    print(f"    POST answered               {large.posted:10.2f} s")
    print(
        f"    POST->completed             {large.seconds:10.2f} s         "
        f"{large_rate:,.0f} twins/s, {large_rate / raw_after.rate:.3f}x the raw append after it"
    )
    _cpu_lines(large.cpu, large.seconds, large.twins)
    _raw_line(raw_after)


def _raw_line(raw: Raw) -> None:
    print(
        f"  raw event append              {raw.rate:10,.0f} events/s  {raw.events:,} "
        f"twin-created events of {raw.mean_bytes:,.0f} bytes, {RAW_SAVE:,} a save, into a log "
        f"of {raw.log_events:,}"
    )


def _cpu_lines(cpu: dict[str, float], seconds: float, twins: int) -> None:
    total = sum(cpu.values())
    print(
        f"{'':32}CPU {total:.1f} s, {total / seconds:.2f} cores, {total / twins * 1e6:,.0f} us "
        "a twin:"
    )
    for role, spent in sorted(cpu.items(), key=lambda entry: -entry[1]):
        if spent > 0:
            print(
                f"{'':34}{role:<22}{spent:6.2f} s  {spent / seconds:5.2f} cores  "
                f"{spent / twins * 1e6:5,.0f} us a twin"
            )


def _log(message: str) -> None:
    print(f"[bench.twins] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
