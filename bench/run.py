"""`python -m bench`: load the real FleetID server with wrk and put each figure beside its ceiling.

A throughput figure alone says little on a shared 2-core machine; measured in the same run beside
what the database (insert + commit) and the web stack (a trivial handler) can do at most, the
ratio says how much of the available capacity FleetID's own code uses up.

Four suites, chosen with --suite: `users` (writes, reads and pages of users), `registry` (things
created in bulk and one by one, connections, access checks), `telemetry` (SenML packs of 1 and
100 records sent by connected things, and message pages read back) and `reader` (pages, a
filtered page and an aggregation of a channel holding a million records). Each runs with one
HTTP worker and with the default number (one per core), on each database.
"""

import argparse
import math
import os
import secrets
import signal
import sys
import tempfile
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

from bench import api, databases, reader, servers
from bench.report import Ceiling, DbCeiling, Measured, Row, print_report
from bench.round_trips import Probe, RoundTrips
from bench.wrk import CONNECTIONS, THREADS, WrkUnavailable, ensure_wrk, run_wrk

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
FLEETID = VENV_BIN / "fleetid"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"

WRITE_TARGET = 2000.0
READ_TARGET = 5000.0
BULK_TARGET = 10_000.0
"""Things/s through `/things/bulk` (issue #3)."""
ACCESS_TARGET = 5000.0
"""Access checks/s (issue #3)."""
BULK_CONNECTIONS = databases.BATCH_CLIENTS
"""Fewer connections for bulk: 8 requests of 100 things in flight already queue 800 rows."""
CONNECT_THINGS = 1000
CONNECT_BUDGET = 4000
"""Pairs/s the connect scenario can take before it runs out of new pairs (then it reuses some,
and the table says how many): it sizes the channels seeded, CONNECT_THINGS x channels pairs."""
ACCESS_THINGS = 1000
ACCESS_CHANNELS = 10
INGEST_TARGET = 50_000.0
"""Telemetry records/s stored from 100-record packs."""
READER_TARGET_MS = 50.0
"""p99 of a reader page over a million-record channel."""
READER_CONNECTIONS = 4
"""Readers in flight: the target is a latency, measured under some concurrency, not a flood."""
HOOK_SECRET = secrets.token_urlsafe(16)
"""What the broker-hook scenario presents, as EMQX's HTTP action would."""
ARGON2 = {"FLEETID_ARGON2_MEMORY_KIB": "1024", "FLEETID_ARGON2_ITERATIONS": "1"}
"""Cheap password hashing for the bench server only: seeding 1000 users must not take minutes,
and sign-in cost is not what is measured."""


@dataclass(frozen=True)
class Scenario:
    label: str
    mode: str
    """The mode of scenarios.lua."""
    target: float | None
    db_ceiling: DbCeiling | None
    """The raw database rate the figure sits beside (None: a read)."""
    unit: str = "req"
    per_request: int = 1
    connections: int = CONNECTIONS
    latency_target_ms: float | None = None


USERS_SCENARIOS = (
    Scenario("PATCH /users/{id}/tags", "tags", WRITE_TARGET, "commit"),
    Scenario("GET /users/{id}", "get", READ_TARGET, None),
    Scenario("GET /users?limit=10", "list", READ_TARGET, None),
)
REGISTRY_SCENARIOS = (
    Scenario(
        f"POST /things/bulk x{databases.BATCH}",
        "bulk",
        BULK_TARGET,
        "batch",
        unit="things",
        per_request=databases.BATCH,
        connections=BULK_CONNECTIONS,
    ),
    Scenario("POST /things", "thing", None, "commit", unit="things"),
    Scenario("POST /connect (1 pair)", "connect", None, "commit", unit="pairs"),
    Scenario("POST /channels/{id}/access", "access", ACCESS_TARGET, None, unit="checks"),
)
TELEMETRY_SCENARIOS = (
    Scenario("POST /http/.../messages x1", "send", None, "commit", unit="records"),
    Scenario(
        "POST /http/.../messages x100",
        "send",
        INGEST_TARGET,
        "batch",
        unit="records",
        per_request=100,
    ),
    Scenario(
        "POST /mqtt/emqx/messages x100",
        "emqx",
        None,
        "batch",
        unit="records",
        per_request=100,
    ),
    Scenario("GET /channels/{id}/messages", "read", None, None, unit="pages"),
)
READER_SCENARIOS = tuple(
    Scenario(
        label,
        mode,
        None,
        None,
        "pages",
        connections=READER_CONNECTIONS,
        latency_target_ms=READER_TARGET_MS,
    )
    for label, mode in (
        ("1M records: first page", "bigpage"),
        ("1M records: page by name", "bigname"),
        ("1M records: avg per hour", "bigavg"),
    )
)
SUITES = {
    "users": ("users",),
    "registry": ("registry",),
    "telemetry": ("telemetry",),
    "reader": ("reader",),
    "all": ("users", "registry", "telemetry", "reader"),
}


@dataclass(frozen=True)
class RegistrySeed:
    """What the registry scenarios load: wrk's entry files, and a pair to read back."""

    connect_warmup: Path
    connect_pairs: Path
    access_pairs: Path
    posting_pairs: Path
    """The access pairs as "CHANNEL THING_ID", for messages a broker posts as that thing."""
    secrets: dict[str, str]
    """Thing id -> secret of the seeded things."""


@dataclass
class Options:
    seconds: float
    warmup: float
    backends: list[str]
    suites: tuple[str, ...]
    users: int
    postgres_url: str
    keep_logs: Path | None
    workers: tuple[int, ...]
    """The HTTP worker counts each backend is measured with."""


@dataclass
class Run:
    """Everything measured, in the order the report prints it."""

    options: Options
    http_ceiling: dict[int, Measured] = field(default_factory=dict)
    http_sync: dict[int, Measured] = field(default_factory=dict)
    db_ceilings: dict[str, dict[DbCeiling, Ceiling]] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def parse_args(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each measurement")
    parser.add_argument(
        "--warmup", type=float, default=1.0, help="unmeasured wrk run before each one (0: none)"
    )
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument(
        "--suite", choices=tuple(SUITES), default="all", help="which scenarios to run"
    )
    parser.add_argument("--users", type=int, default=1000, help="users created before loading")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("FLEETID_BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
        help="maintenance database on which fleetid_bench_<random> is created and dropped",
    )
    parser.add_argument(
        "--keep-logs", metavar="DIR", type=Path, help="copy the server logs into DIR for study"
    )
    parser.add_argument(
        "--workers",
        type=int,
        help="HTTP worker processes, for FleetID (FLEETID_HTTP_WORKERS) and the trivial app "
        "alike (default: 1, then one per core)",
    )
    args = parser.parse_args(argv)
    if args.seconds < 1 or args.users < 20:
        parser.error("--seconds must be at least 1 and --users at least 20")
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    workers = (args.workers,) if args.workers else tuple(sorted({1, os.cpu_count() or 1}))
    return Options(
        args.seconds,
        args.warmup,
        backends,
        SUITES[args.suite],
        args.users,
        args.postgres_url,
        args.keep_logs,
        workers,
    )


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    # SIGTERM unwinds like Ctrl-C, so that every `finally` stops servers and drops databases.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        wrk = ensure_wrk()
    except WrkUnavailable as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    run = Run(options)
    started = time.monotonic()
    failure = ""
    with tempfile.TemporaryDirectory(prefix="fleetid-bench-") as tmp:
        workdir = Path(tmp)
        try:
            for workers in options.workers:
                measure_http_ceiling(run, wrk, workdir, workers)
            for name in options.backends:
                for workers in options.workers:
                    measure_backend(run, wrk, workdir, name, workers)
        except KeyboardInterrupt:
            failure = "interrupted"
            log("interrupted (servers stopped, bench databases dropped)")
        except Exception as error:
            failure = f"{type(error).__name__}: {error}"
            log(f"FAILED: {failure}")
        finally:
            if options.keep_logs:
                keep_logs(workdir, options.keep_logs)
    print_report(run.rows, run.http_ceiling, run.http_sync, run.db_ceilings, run.notes, settings())
    print(f"\ntotal bench time {time.monotonic() - started:.0f} s")
    if failure:
        print(f"\nbench: FAILED (the table above is incomplete): {failure}", file=sys.stderr)
        return 1
    return 1 if any(row.result.failed for row in run.rows) else 0


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def settings() -> list[str]:
    return [
        f"wrk -t{THREADS} -c{CONNECTIONS} (bulk: -c{BULK_CONNECTIONS}); req/s is wrk's "
        "Requests/sec over the whole run",
        "bench servers run with FLEETID_ARGON2_MEMORY_KIB=1024 FLEETID_ARGON2_ITERATIONS=1 "
        "(cheap hashing to seed users fast; password cost is not measured here)",
    ]


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def measure_http_ceiling(run: Run, wrk: str, workdir: Path, workers: int) -> None:
    """The trivial Litestar app, on its own: it does not depend on the database."""
    port = servers.free_port()
    command = [
        sys.executable,
        "-m",
        "bench.trivial_app",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    log_path = workdir / f"trivial-{workers}w.log"
    with servers.running(
        "trivial app", command, clean_env(), log_path, port, "/", cwd=ROOT, workers=workers
    ) as server:
        log(f"ceiling: trivial Litestar handler, {workers} worker(s)")
        run.http_ceiling[workers] = measure(run, wrk, server, "/", "plain")
        run.http_sync[workers] = measure(run, wrk, server, "/sync", "plain")
        note_problems(run, server, 0, "trivial app")


def measure_backend(run: Run, wrk: str, workdir: Path, name: str, workers: int) -> None:
    """A fresh database for each worker count, so that no run reads what another wrote."""
    directory = workdir / f"{name}-{workers}w"
    directory.mkdir()
    backend_cm: AbstractContextManager[databases.Backend] = (
        databases.sqlite_backend(directory)
        if name == "sqlite"
        else databases.postgres_backend(run.options.postgres_url)
    )
    with backend_cm as backend:
        if name not in run.db_ceilings:
            measure_db_ceilings(run, backend)
        admin, secret = "bench-admin@bench.example", secrets.token_urlsafe(16)
        env = clean_env(
            FLEETID_DATA_DIR=str(directory / "data"),
            FLEETID_DATABASE_URL=backend.database_url,
            FLEETID_ADMIN_IDENTITY=admin,
            FLEETID_ADMIN_SECRET=secret,
            FLEETID_ACCESS_TOKEN_TTL="3600",
            FLEETID_HTTP_WORKERS=str(workers),
            FLEETID_MQTT_PORT=str(servers.free_port()),
            FLEETID_MQTT_INGEST="hooks",
            FLEETID_MQTT_HOOK_SECRET=HOOK_SECRET,
            **ARGON2,
        )
        port = servers.free_port()
        command = [str(FLEETID), "serve", "--port", str(port)]
        log(f"{name}: starting fleetid serve on port {port}, {workers} worker(s)")
        with servers.running(
            f"fleetid ({name})",
            command,
            env,
            directory / "server.log",
            port,
            "/schema/openapi.json",
            workers=workers,
        ) as server:
            token = api.sign_in(servers.HOST, port, admin, secret)
            if "users" in run.options.suites:
                measure_users(run, wrk, server, token, directory, name)
            if "registry" in run.options.suites:
                measure_registry(run, wrk, server, token, directory, name)
            if "telemetry" in run.options.suites:
                measure_telemetry(run, wrk, server, token, directory, name)
            if "reader" in run.options.suites:
                measure_reader(run, wrk, server, token, directory, backend, name)
            offset = server.log_size()
        # After the with: the server has stopped, and a crash on the way out is worth a note.
        note_problems(run, server, offset, f"{name} server shutdown")


def measure_db_ceilings(run: Run, backend: databases.Backend) -> None:
    """Single-row commits (beside every one-at-a-time write) and, for the registry suite, rows
    in 100-row transactions (beside bulk creation), on the database the server will use."""
    seconds = run.options.seconds
    log(f"{backend.name}: ceiling: {databases.CLIENTS} clients insert + commit")
    ceilings: dict[DbCeiling, Ceiling] = {
        "commit": Ceiling(backend.describe, backend.measure_inserts(seconds))
    }
    if {"registry", "telemetry", "reader"} & set(run.options.suites):
        log(f"{backend.name}: ceiling: {databases.BATCH_CLIENTS} clients insert 100 rows + commit")
        batches = backend.measure_inserts(seconds, databases.BATCH, databases.BATCH_CLIENTS)
        ceilings["batch"] = Ceiling(backend.describe, batches)
    run.db_ceilings[backend.name] = ceilings


def measure_users(
    run: Run, wrk: str, server: servers.Server, token: str, directory: Path, name: str
) -> None:
    ids_file = seed(run, server, token, directory, name)
    for scenario in USERS_SCENARIOS:
        if scenario.mode != "tags":
            measure_scenario(run, wrk, server, token, name, scenario, ids_file)
            continue
        probe = Probe(servers.HOST, server.port, token)
        probe.start()
        try:
            measure_scenario(run, wrk, server, token, name, scenario, ids_file)
        finally:
            trips = probe.stop()
        note_round_trips(run, name, server.workers, trips)
        check_write_landed(run, server, token, ids_file, name)


def note_round_trips(run: Run, name: str, workers: int, trips: RoundTrips) -> None:
    """The issue's 'write followed by its read on another worker' under load (round_trips.py)."""
    run.notes.append(
        f"{name} {workers}w: write, then its read on a new connection (any worker), during the "
        f"tags load: {len(trips.pairs_ms)} pairs, p50 {trips.percentile(0.5):.1f} ms, p99 "
        f"{trips.percentile(0.99):.1f} ms (target < 50); reads missing their write: "
        f"{trips.stale}; failed requests: {trips.failed}"
    )
    if trips.stale or trips.failed or not trips.pairs_ms:
        raise RuntimeError(f"{name}: write-then-read pairs failed: {trips}")


def measure_registry(
    run: Run, wrk: str, server: servers.Server, token: str, directory: Path, name: str
) -> None:
    client = api.Client(servers.HOST, server.port, token)
    try:
        seeded = seed_registry(run, client, directory, name)
        for scenario in REGISTRY_SCENARIOS:
            if scenario.mode in ("bulk", "thing"):
                before = api.count_things(client)
                row = measure_scenario(run, wrk, server, token, name, scenario)
                check_things_created(run, client, before, row)
            elif scenario.mode == "connect":
                measure_scenario(
                    run,
                    wrk,
                    server,
                    token,
                    name,
                    scenario,
                    seeded.connect_pairs,
                    seeded.connect_warmup,
                )
                check_connected(run, client, seeded, name)
            else:
                run.notes.append(
                    f"{name}: {scenario.label} measured with {api.count_things(client):,} "
                    "things in the registry (the write scenarios before it add theirs)"
                )
                measure_scenario(run, wrk, server, token, name, scenario, seeded.access_pairs)
    finally:
        client.close()


def measure_telemetry(
    run: Run, wrk: str, server: servers.Server, token: str, directory: Path, name: str
) -> None:
    """Connected things send packs to their channels, then pages of those channels are read."""
    client = api.Client(servers.HOST, server.port, token)
    try:
        seeded = seed_registry(run, client, directory, name)
        for scenario in TELEMETRY_SCENARIOS:
            posted = scenario.mode == "emqx"
            before = api.count_messages(client, seeded.access_pairs)
            row = measure_scenario(
                run,
                wrk,
                server,
                HOOK_SECRET if posted else token,
                name,
                scenario,
                seeded.posting_pairs if posted else seeded.access_pairs,
            )
            if scenario.mode in ("send", "emqx"):
                stored = api.count_messages(client, seeded.access_pairs) - before
                answered = (
                    row.measured.result.requests - row.measured.result.failed
                ) * scenario.per_request
                run.notes.append(
                    f"{name}: {scenario.label}: {stored:,} records stored, {answered:,} of them "
                    "answered 2xx in the measurement (the rest in its warm-up)"
                )
                if stored < answered:
                    raise RuntimeError(f"{answered - stored} records answered 2xx are missing")
    finally:
        client.close()


def measure_reader(
    run: Run,
    wrk: str,
    server: servers.Server,
    token: str,
    directory: Path,
    backend: databases.Backend,
    name: str,
) -> None:
    """One connected thing reads a channel the bench filled with a million records."""
    client = api.Client(servers.HOST, server.port, token)
    try:
        (thing,) = api.create_things(client, 1, "reader")
        (channel,) = api.create_channels(client, 1, "reader")
        api.connect(client, [thing.id], [channel])
    finally:
        client.close()
    log(f"{name}: filling a channel with {reader.RECORDS:,} records")
    took = reader.fill(backend.database_url, channel, thing.id)
    run.notes.append(f"{name}: wrote {reader.RECORDS:,} records into one channel in {took:.1f} s")
    entries = write_lines(directory / "reader.txt", [f"{channel} {thing.secret}"])
    for scenario in READER_SCENARIOS:
        measure_scenario(run, wrk, server, token, name, scenario, entries)


def measure_scenario(
    run: Run,
    wrk: str,
    server: servers.Server,
    token: str,
    name: str,
    scenario: Scenario,
    ids_file: Path | None = None,
    warmup_file: Path | None = None,
) -> Row:
    offset = server.log_size()
    log(f"{name}: {scenario.label}")
    measured = measure(
        run,
        wrk,
        server,
        "/",
        scenario.mode,
        ids_file,
        token,
        connections=scenario.connections,
        batch=scenario.per_request,
        warmup_file=warmup_file,
    )
    problems = note_problems(run, server, offset, f"{name} {scenario.label}")
    row = Row(
        name,
        scenario.label,
        scenario.target,
        scenario.db_ceiling,
        measured,
        len(problems),
        per_request=scenario.per_request,
        unit=scenario.unit,
        connections=scenario.connections,
        workers=server.workers,
        latency_target_ms=scenario.latency_target_ms,
    )
    if measured.result.reused:
        run.notes.append(
            f"{name} {scenario.label}: WARNING: {measured.result.reused} requests reused an "
            f"entry (raise CONNECT_BUDGET in bench/run.py): the figure is flattered"
        )
    run.rows.append(row)
    return row


def seed(run: Run, server: servers.Server, token: str, directory: Path, name: str) -> Path:
    """Create the users the scenarios rotate over, and write their ids for the Lua script."""
    count = run.options.users
    log(f"{name}: creating {count} users")
    began = time.monotonic()
    ids, failures = api.create_users(servers.HOST, server.port, token, count, time_limit=120)
    elapsed = time.monotonic() - began
    run.notes.append(
        f"{name}: created {len(ids)}/{count} users in {elapsed:.1f} s "
        f"({len(ids) / elapsed:,.0f}/s with {api.SEED_THREADS} client threads)"
        + (f"; failures by status: {failures}" if failures else "")
    )
    if len(ids) < count * 0.9:
        raise RuntimeError(f"only {len(ids)} of {count} users could be created: {failures}")
    ids_file = directory / "user-ids.txt"
    ids_file.write_text("\n".join(ids) + "\n")
    return ids_file


def seed_registry(run: Run, client: api.Client, directory: Path, name: str) -> RegistrySeed:
    """Things and channels for the connect and access scenarios, and their entry files.

    Connect: CONNECT_THINGS x enough channels for CONNECT_BUDGET pairs/s over the warm-up and
    the measurement, each pair in one file only, so that every measured request connects a new
    pair. Access: ACCESS_THINGS things connected beforehand, ACCESS_THINGS / ACCESS_CHANNELS to
    each channel, so that every check should answer 200.
    """
    began = time.monotonic()
    warmup_pairs = math.ceil(CONNECT_BUDGET * run.options.warmup)
    measured_pairs = math.ceil(CONNECT_BUDGET * run.options.seconds)
    channel_count = math.ceil((warmup_pairs + measured_pairs) / CONNECT_THINGS)
    log(
        f"{name}: seeding {CONNECT_THINGS + ACCESS_THINGS} things, "
        f"{channel_count + ACCESS_CHANNELS} channels"
    )
    things = api.create_things(client, CONNECT_THINGS + ACCESS_THINGS, "seed")
    channels = api.create_channels(client, channel_count + ACCESS_CHANNELS, "seed")
    connect_things, access_things = things[:CONNECT_THINGS], things[CONNECT_THINGS:]
    connect_channels, access_channels = channels[:channel_count], channels[channel_count:]
    for index, channel in enumerate(access_channels):
        api.connect(client, [t.id for t in access_things[index :: len(access_channels)]], [channel])
    access_lines = [
        f"{access_channels[i % len(access_channels)]} {t.secret}"
        for i, t in enumerate(access_things)
    ]
    if any(not _json_safe(t.secret) for t in things):
        raise RuntimeError("a thing secret needs JSON escaping, which scenarios.lua does not do")
    status = api.check_access(client, access_channels[0], access_things[0].secret)
    if status != 200:
        raise RuntimeError(f"the access check of a connected seed pair answered {status}")
    pairs = interleaved_pairs([t.id for t in connect_things], connect_channels)
    seeded = RegistrySeed(
        connect_warmup=write_lines(directory / "connect-warmup.txt", pairs[:warmup_pairs]),
        connect_pairs=write_lines(directory / "connect-pairs.txt", pairs[warmup_pairs:]),
        access_pairs=write_lines(directory / "access-pairs.txt", access_lines),
        posting_pairs=write_lines(
            directory / "posting-pairs.txt",
            [
                f"{access_channels[i % len(access_channels)]} {t.id}"
                for i, t in enumerate(access_things)
            ],
        ),
        secrets={t.id: t.secret for t in things},
    )
    run.notes.append(
        f"{name}: seeded {len(things)} things and {len(channels)} channels (bulk) and connected "
        f"{len(access_things)} pairs in {time.monotonic() - began:.1f} s; connect has "
        f"{len(pairs) - warmup_pairs:,} new pairs for the measurement, {warmup_pairs:,} for the "
        "warm-up"
    )
    return seeded


def interleaved_pairs(things: list[str], channels: list[str]) -> list[str]:
    """Every (thing, channel) pair once, as "THING CHANNEL" lines in which neighbours differ in
    both thing and channel: line p is thing p % T with channel (p % T + p // T) % C."""
    count = len(things)
    return [
        f"{things[p % count]} {channels[(p % count + p // count) % len(channels)]}"
        for p in range(count * len(channels))
    ]


def _json_safe(text: str) -> bool:
    return all(c.isascii() and c.isprintable() and c not in '"\\' for c in text)


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def check_write_landed(
    run: Run, server: servers.Server, token: str, ids_file: Path, name: str
) -> None:
    """A 200 is only worth counting if the change is visible: read written users back.

    Ids 6 to 10 are among the first that wrk's first thread patches (wrk spends one request()
    call on checking the script, so the very first ids are not a safe pick).
    """
    for user_id in ids_file.read_text().split()[5:10]:
        status, body = api.get_user(servers.HOST, server.port, token, user_id)
        tags = body.get("tags", []) if isinstance(body, dict) else []
        if status != 200 or not any(str(t).startswith("t") for t in tags):
            run.notes.append(
                f"{name}: WARNING: after the writes, user {user_id} reads {status} {body}"
            )
            return


def check_things_created(run: Run, client: api.Client, before: int, row: Row) -> None:
    """The thing count must have grown by at least the things wrk saw created (2xx answers of
    the measured run; the warm-up's come on top). Other workers' read models may lag a little."""
    r = row.result
    expected = (r.requests - r.non2xx) * row.per_request
    deadline = time.monotonic() + 10
    grown = api.count_things(client) - before
    while grown < expected and time.monotonic() < deadline:
        time.sleep(0.5)
        grown = api.count_things(client) - before
    if grown < expected:
        run.notes.append(
            f"{row.backend} {row.label}: WARNING: {grown:,} things appeared, "
            f"wrk counted {expected:,} created"
        )


def check_connected(run: Run, client: api.Client, seeded: RegistrySeed, name: str) -> None:
    """Pairs 6 to 10 of the measured file were connected by wrk's first thread: each one's
    access check must now answer 200."""
    for line in seeded.connect_pairs.read_text().splitlines()[5:10]:
        thing, channel = line.split()
        status = api.check_access(client, channel, seeded.secrets[thing])
        if status != 200:
            run.notes.append(
                f"{name}: WARNING: after connect, the access check of {thing} on {channel} "
                f"answered {status}"
            )
            return


def measure(
    run: Run,
    wrk: str,
    server: servers.Server,
    path: str,
    mode: str,
    ids_file: Path | None = None,
    token: str = "",
    connections: int = CONNECTIONS,
    batch: int = 1,
    warmup_file: Path | None = None,
) -> Measured:
    """An unmeasured warm-up (pools, caches, the JIT-less interpreter's first paths), then wrk.

    `warmup_file` (default `ids_file`) keeps the warm-up off entries that may be used only once.
    """
    url = server.url + path
    if run.options.warmup > 0:
        run_wrk(
            wrk, url, run.options.warmup, mode, warmup_file or ids_file, token, connections, batch
        )
    cpu_before, began = server.cpu_seconds(), time.monotonic()
    result = run_wrk(wrk, url, run.options.seconds, mode, ids_file, token, connections, batch)
    cpu_after, elapsed = server.cpu_seconds(), time.monotonic() - began
    cores = None
    if cpu_before is not None and cpu_after is not None:
        cores = (cpu_after - cpu_before) / elapsed
    return Measured(result, cores)


def note_problems(run: Run, server: servers.Server, offset: int, what: str) -> list[str]:
    problems = server.problems_since(offset)
    if problems:
        shown = "\n    ".join(problems[:5])
        run.notes.append(
            f"{what}: {len(problems)} problem lines in the server log, e.g.\n    {shown}"
        )
    return problems


def clean_env(**overrides: str) -> dict[str, str]:
    """The caller's environment without its FLEETID_* settings, which must not leak in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLEETID_")}
    env.update(overrides)
    return env


def keep_logs(workdir: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for path in workdir.rglob("*.log"):
        name = "-".join(path.relative_to(workdir).parts)
        (target / name).write_bytes(path.read_bytes())
    log(f"server logs copied to {target}")
