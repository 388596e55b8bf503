"""`fleetid`: serve the API and the MQTT broker, show the effective settings, rebuild read
models, export the event log, erase a user, write Mosquitto's password and ACL files."""

import argparse
import asyncio
import contextlib
import json
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import BinaryIO, Protocol
from uuid import UUID

from rich.console import Console
from rich.progress import BarColumn, ProgressColumn, Task, TextColumn
from rich.progress import Progress as RichProgress
from rich.text import Text

from application.authorization import Actor
from application.log_proofs import LogProofs
from domain.causes import ActorKind, Cause, Interface
from domain.errors import DomainError, InvalidValue
from domain.users import Role
from infrastructure.log_entries import entry_of
from infrastructure.logging_config import configure_logging
from infrastructure.metrics_dir import start_run
from infrastructure.private_files import open_private
from infrastructure.profile_files import read_profiles
from infrastructure.read_model_check import check_read_models
from infrastructure.settings import MAX_ADMIN_KEY_GRACE, PREFIX, Settings, SettingsError
from interfaces import child_process, issuer_process, writer_process
from interfaces.aggregates import (
    AUTHORITIES,
    ECOSYSTEMS,
    ENTITIES,
    PROFILES,
    USERS,
    projections,
)
from interfaces.batch_watch import add_batch_commands
from interfaces.bootstrap import (
    announce_admin_api,
    build,
    ensure_certificate_authorities,
    ensure_ecosystem,
    ensure_first_admin,
    ensure_shipped_profiles,
    ensure_wallets_shredded,
    note_admin_key,
)
from interfaces.mqtt import service as mqtt_service

EXPORT_BATCH = 5000

Command = Callable[[Settings, argparse.Namespace], int]
"""What a subcommand's parser carries as its `run` default: the exit code from the settings and
the parsed arguments, so `main` dispatches without knowing the subcommands."""

OPERATOR = Actor(id=UUID(int=0), role=Role.ADMIN, kind=ActorKind.SYSTEM)
"""Who asks for the log's heads and proofs: the operator at the console acts as the system."""

log = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"fleetid: {error}", file=sys.stderr)
        return 2
    configure_logging(settings.log_format)
    run: Command = args.run
    try:
        return run(settings, args)
    except DomainError as error:
        print(f"fleetid: {error.message}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    """Every leaf parser sets `run` to its `Command`; the groups' subcommands are required, so
    a parse that succeeds always has one."""
    parser = argparse.ArgumentParser(prog="fleetid", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve", help="run the HTTP API, the embedded MQTT broker and the projections"
    )
    serve.add_argument("--host", help="listen address (FLEETID_HTTP_HOST)")
    serve.add_argument("--port", type=int, help="listen port (FLEETID_HTTP_PORT)")
    serve.set_defaults(run=_serve)
    config = commands.add_parser("config", help="print the effective settings, secrets masked")
    config.set_defaults(run=_config)
    _add_projection_commands(commands.add_parser("projections", help="read-model maintenance"))
    _add_log_commands(commands.add_parser("log", help="the event log, for auditors"))
    _add_user_commands(commands.add_parser("users", help="user administration"))
    _add_mqtt_commands(commands.add_parser("mqtt", help="MQTT broker support"))
    _add_profile_commands(commands.add_parser("profiles", help="certificate profiles"))
    _add_ca_commands(commands.add_parser("ca", help="the root certificate authority"))
    _add_ecosystem_commands(
        commands.add_parser("ecosystem", help="the certificate manager's ecosystem")
    )
    add_batch_commands(commands.add_parser("batches", help="certificate batches"))
    _add_admin_key_commands(commands.add_parser("admin-key", help="the admin API's key"))
    return parser


def _add_projection_commands(group: argparse.ArgumentParser) -> None:
    actions = group.add_subparsers(dest="action", required=True)
    rebuild = actions.add_parser(
        "rebuild", help="drop the read models and replay the log (stop servers first)"
    )
    rebuild.set_defaults(run=_rebuild)
    verify = actions.add_parser(
        "verify", help="replay the log into a scratch copy and compare it with the live tables"
    )
    verify.set_defaults(run=_verify)


def _add_log_commands(group: argparse.ArgumentParser) -> None:
    actions = group.add_subparsers(dest="action", required=True)
    export = actions.add_parser(
        "export", help="write every event as one JSON line (NDJSON), in global order"
    )
    export.add_argument("--output", "-o", type=Path, help="file to write (default: stdout)")
    export.add_argument("--after", type=int, default=0, help="start after this position")
    export.set_defaults(run=_export)
    head = actions.add_parser("head", help="the latest signed tree head (JSON)")
    head.add_argument("--sign", action="store_true", help="sign one for the log as it is now")
    head.set_defaults(run=_head)
    public_key = actions.add_parser("public-key", help="the log's Ed25519 public key (PEM)")
    public_key.set_defaults(run=_public_key)
    leaves = actions.add_parser("leaves", help="'position hex-leaf-hash' per leaf")
    leaves.add_argument("--size", type=int, help="tree size (default: the latest head's)")
    leaves.add_argument("--output", "-o", type=Path, help="file to write (default: stdout)")
    leaves.set_defaults(run=_leaves)
    prove = actions.add_parser("prove", help="an inclusion or consistency proof (JSON)")
    prove.add_argument("--position", type=int, help="inclusion: the event's position")
    prove.add_argument("--first", type=int, help="consistency: the older tree size")
    prove.add_argument("--size", type=int, help="the tree size (default: the latest head's)")
    prove.set_defaults(run=_prove)


def _add_user_commands(group: argparse.ArgumentParser) -> None:
    actions = group.add_subparsers(dest="action", required=True)
    erase = actions.add_parser("erase", help="forget a user's personal data for good")
    erase.add_argument("user_id", type=UUID)
    erase.set_defaults(run=_erase)


def _add_profile_commands(group: argparse.ArgumentParser) -> None:
    actions = group.add_subparsers(dest="action", required=True)
    load = actions.add_parser(
        "load", help="load certificate profiles from a JSON file (a name that exists is replaced)"
    )
    load.add_argument("file", type=Path)
    load.set_defaults(run=_load_profiles)


def _add_ca_commands(group: argparse.ArgumentParser) -> None:
    actions = group.add_subparsers(dest="action", required=True)
    load = actions.add_parser(
        "import",
        help="make an operator's root the root of FleetID's certificate authorities (before the "
        "first start of fleetid serve)",
    )
    load.add_argument("certificate", type=Path, help="the root's certificate, PEM")
    load.add_argument("key", type=Path, help="its private key, PEM (PKCS#8 or traditional)")
    load.set_defaults(run=_import_root)


def _add_ecosystem_commands(group: argparse.ArgumentParser) -> None:
    actions = group.add_subparsers(dest="action", required=True)
    change = actions.add_parser(
        "set", help="name, describe or size the ecosystem (what is not given is kept)"
    )
    change.add_argument("--name")
    change.add_argument("--description")
    change.add_argument("--capacity", type=int, help="certificates it may issue (0: not set)")
    change.set_defaults(run=_set_ecosystem)


def _add_admin_key_commands(group: argparse.ArgumentParser) -> None:
    actions = group.add_subparsers(dest="action", required=True)
    rotate = actions.add_parser(
        "rotate",
        help="make a new admin API key (printed once); the keys in force keep working for a "
        "grace period",
    )
    rotate.add_argument(
        "--grace",
        type=float,
        help=f"seconds the replaced keys keep working (default: {PREFIX}ADMIN_KEY_GRACE)",
    )
    rotate.set_defaults(run=_rotate_admin_key)


def _add_mqtt_commands(group: argparse.ArgumentParser) -> None:
    actions = group.add_subparsers(dest="action", required=True)
    mosquitto = actions.add_parser(
        "mosquitto-files",
        help="write Mosquitto's password and ACL files from the registry (then SIGHUP it)",
    )
    mosquitto.add_argument("directory", type=Path)
    mosquitto.set_defaults(run=_mosquitto_files)
    serve = actions.add_parser(
        "serve", help="run only the embedded MQTT broker (FLEETID_MQTT_HOST, FLEETID_MQTT_PORT)"
    )
    serve.set_defaults(run=_mqtt_serve)


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    """The first admin is created here, once; then the writer process, the MQTT broker's process,
    the batch issuer's and every HTTP worker build their own FleetID from the same environment,
    the last three committing through the first. They share one metrics directory,
    named in that environment, and are spawned rather than forked: each imports prometheus_client
    afresh, which reads the directory's name then (infrastructure/metrics_dir.py)."""
    from interfaces.rest.server import serve

    fleet = build(settings)
    try:
        ensure_first_admin(fleet, Interface.CLI)
        ensure_ecosystem(fleet)
        ensure_shipped_profiles(fleet)
        ensure_certificate_authorities(fleet)
        ensure_wallets_shredded(fleet)
        note_admin_key(fleet)
    finally:
        fleet.close()
    announce_admin_api(settings)
    start_run(settings.data_dir)
    multiprocessing.set_start_method("spawn", force=True)
    started = writer_process.start_process(settings)
    if started is None:
        return 1
    writer, settings = started
    os.environ[f"{PREFIX}WRITER_SOCKET"] = settings.writer_socket
    stopping = threading.Event()
    threading.Thread(target=_watch, args=(writer, stopping), daemon=True).start()
    broker = mqtt_service.start_process(settings)
    issuer = issuer_process.start_process(settings) if broker is not None else None
    try:
        if broker is None or issuer is None:
            return 1
        serve(
            "interfaces.rest.asgi:create",
            host=args.host or settings.http_host,
            port=args.port or settings.http_port,
            workers=settings.http_workers,
            factory=True,
        )
    finally:
        for child in (issuer, broker):
            if child is not None:
                child_process.stop(child)
        stopping.set()
        child_process.stop(writer)
    return 0 if writer.exitcode == 0 else 1


def _watch(writer: BaseProcess, stopping: threading.Event) -> None:
    """Without the writer no command can succeed: if it dies, the whole server stops (and its
    supervisor restarts it) rather than answer 503 to every write. It waits on the sentinel:
    a `join` here would race the main thread's for the exit status."""
    wait([writer.sentinel])
    if not stopping.is_set():
        log.error("the writer process exited with %s; stopping", writer.exitcode)
        os.kill(os.getpid(), signal.SIGTERM)


def _config(settings: Settings, args: argparse.Namespace) -> int:
    for name, value in settings.masked().items():
        print(f"{name}={value}")
    return 0


def _rebuild(settings: Settings, args: argparse.Namespace) -> int:
    fleet = build(settings, follow=False)
    started = time.perf_counter()
    try:
        with _progress_bar() as progress:
            applied = fleet.projections.rebuild(progress)
    finally:
        fleet.close()
    elapsed = time.perf_counter() - started
    rate = applied / elapsed if elapsed > 0 else 0.0
    print(f"rebuilt read models from {applied} events in {elapsed:.2f} s ({rate:,.0f} events/s)")
    return 0


def _verify(settings: Settings, args: argparse.Namespace) -> int:
    """Exit 1 when any table differs, listing the differences by table and key."""
    fleet = build(settings, follow=False)
    started = time.perf_counter()
    try:
        position = fleet.projections.position
        with _progress_bar() as progress:
            checks = check_read_models(fleet.log, fleet.engine, projections(), position, progress)
    finally:
        fleet.close()
    elapsed = time.perf_counter() - started
    print(f"rebuilt in a scratch copy and compared as of position {position} ({elapsed:.2f} s)")
    for check in checks:
        verdict = "same" if check.matches else f"DIFFERS in {check.differing} row versions"
        sums = f"sha256 live {check.live_checksum[:16]}, rebuilt {check.rebuilt_checksum[:16]}"
        print(f"{check.table}: {check.rows} row versions, {sums}: {verdict}")
        for difference in check.differences:
            print(f"  {check.table} {difference.key}:")
            print(f"    live:    {difference.live}")
            print(f"    rebuilt: {difference.rebuilt}")
    return 0 if all(check.matches for check in checks) else 1


def _export(settings: Settings, args: argparse.Namespace) -> int:
    """Straight from the event store's rows, so the lines are what is stored now (tampering
    included), whatever the index or the read models say."""
    fleet = build(settings, follow=False)
    started = time.perf_counter()
    written = 0
    try:
        target = fleet.raw_log.last_position()
        with _output(args.output) as sink, _progress_bar() as progress:
            position = args.after
            while notifications := fleet.raw_log.after(position, EXPORT_BATCH):
                sink.write(b"".join(entry_of(n).line + b"\n" for n in notifications))
                written += len(notifications)
                position = notifications[-1].id
                progress(position, target, written / (time.perf_counter() - started))
            sink.flush()
    finally:
        fleet.close()
    elapsed = time.perf_counter() - started
    rate = written / elapsed if elapsed > 0 else 0.0
    print(
        f"exported {written} events in {elapsed:.2f} s ({rate:,.0f} events/s)",
        file=sys.stderr,
    )
    return 0


@contextlib.contextmanager
def _log_proofs(settings: Settings) -> Iterator[LogProofs]:
    """What auditors verify with interfaces/verify_log.py, over a tree that has caught up with
    the log."""
    fleet = build(settings, follow=False)
    proofs = fleet.services.log_proofs
    try:
        fleet.audit_trail.catch_up()
        yield proofs
    finally:
        fleet.close()


def _head(settings: Settings, args: argparse.Namespace) -> int:
    with _log_proofs(settings) as proofs:
        signed = proofs.sign_head(OPERATOR) if args.sign else proofs.latest_head(OPERATOR)
        print(json.dumps(signed.as_json()))
    return 0


def _public_key(settings: Settings, args: argparse.Namespace) -> int:
    with _log_proofs(settings) as proofs:
        print(proofs.public_key(), end="")
    return 0


def _leaves(settings: Settings, args: argparse.Namespace) -> int:
    with _log_proofs(settings) as proofs, _output(args.output) as sink:
        for position, digest in proofs.leaves(OPERATOR, args.size):
            sink.write(f"{position} {digest.hex()}\n".encode())
        sink.flush()
    return 0


def _prove(settings: Settings, args: argparse.Namespace) -> int:
    with _log_proofs(settings) as proofs:
        if args.position is not None:
            print(json.dumps(proofs.inclusion(OPERATOR, args.position, args.size)))
        elif args.first is not None:
            print(json.dumps(proofs.consistency(OPERATOR, args.first, args.size)))
        else:
            print("fleetid: prove needs --position or --first", file=sys.stderr)
            return 2
    return 0


@contextlib.contextmanager
def _output(path: Path | None) -> Iterator[BinaryIO]:
    """The file an operator named, or stdout, which is left open for whatever runs next."""
    if path is None:
        yield sys.stdout.buffer
    else:
        with open_private(path) as sink:
            yield sink


class Progress(Protocol):
    def __call__(self, position: int, target: int, rate: float | None = None) -> None:
        """The log position reached of `target`; `rate` when the command counts it itself."""


class _EventRate(ProgressColumn):
    """The rate a command reports (events written, which positions passed can overstate)."""

    def render(self, task: Task) -> Text:
        rate = task.fields.get("rate")
        return Text("" if rate is None else f"{rate:,.0f} events/s")


@contextlib.contextmanager
def _progress_bar() -> Iterator[Progress]:
    """A bar on stderr, redrawn in place on a terminal and drawn once, complete, at the end
    when stderr is a file or a pipe. Stdout is left alone: `log export` may be writing there."""
    columns = (
        BarColumn(bar_width=40),
        TextColumn("{task.percentage:5.1f}%"),
        TextColumn("position {task.fields[position]}/{task.fields[target]}"),
        _EventRate(),
    )
    with RichProgress(*columns, console=Console(stderr=True), redirect_stdout=False) as bar:
        task = bar.add_task("", total=1, position=0, target=0, rate=None)

        def update(position: int, target: int, rate: float | None = None) -> None:
            done, total = (position, target) if target else (1, 1)
            bar.update(
                task, completed=done, total=total, position=position, target=target, rate=rate
            )

        yield update


def _mosquitto_files(settings: Settings, args: argparse.Namespace) -> int:
    fleet = build(settings)
    try:
        passwords, acl = fleet.mosquitto_files.write(args.directory)
    finally:
        fleet.close()
    print(f"wrote {passwords} and {acl}")
    return 0


def _mqtt_serve(settings: Settings, args: argparse.Namespace) -> int:
    mqtt_service.run(settings)
    return 0


def _erase(settings: Settings, args: argparse.Namespace) -> int:
    fleet = build(settings)
    try:
        asyncio.run(fleet[USERS].commands.erase(args.user_id, Cause.system(Interface.CLI)))
    finally:
        fleet.close()
    print(f"erased the personal data of user {args.user_id}")
    return 0


def _load_profiles(settings: Settings, args: argparse.Namespace) -> int:
    try:
        profiles = read_profiles(args.file)
    except (OSError, InvalidValue) as error:
        print(f"fleetid: {args.file}: {getattr(error, 'field', '')} {error}", file=sys.stderr)
        return 2
    fleet = build(settings)
    try:
        commands = fleet[PROFILES].commands
        for name, config in profiles:
            loaded = asyncio.run(commands.load(name, config, Cause.system(Interface.CLI)))
            done = "loaded" if loaded.changed else "unchanged"
            print(f"{done}: profile {loaded.number}, {name}")
    finally:
        fleet.close()
    return 0


def _set_ecosystem(settings: Settings, args: argparse.Namespace) -> int:
    fleet = build(settings)
    try:
        ensure_ecosystem(fleet)
        commands = fleet[ECOSYSTEMS].commands
        cause = Cause.system(Interface.CLI)
        changed = asyncio.run(commands.change(args.name, args.description, args.capacity, cause))
    except DomainError as error:
        print(f"fleetid: {error.field}: {error}", file=sys.stderr)
        return 2
    finally:
        fleet.close()
    print("changed the ecosystem" if changed else "the ecosystem is as asked already")
    return 0


def _rotate_admin_key(settings: Settings, args: argparse.Namespace) -> int:
    grace = settings.admin_key_grace if args.grace is None else args.grace
    if not 0 <= grace <= MAX_ADMIN_KEY_GRACE:
        print(f"fleetid: --grace must be 0 to {MAX_ADMIN_KEY_GRACE:.0f} seconds", file=sys.stderr)
        return 2
    fleet = build(settings)
    try:
        commands = fleet[ENTITIES].admin_keys
        key = asyncio.run(commands.rotate(timedelta(seconds=grace), Cause.system(Interface.CLI)))
    except DomainError as error:
        print(f"fleetid: {error}", file=sys.stderr)
        return 2
    finally:
        fleet.close()
    print(key)
    print(
        f"the new admin API key, shown this once; the keys it replaces work for {grace:g} s more",
        file=sys.stderr,
    )
    return 0


def _import_root(settings: Settings, args: argparse.Namespace) -> int:
    certificate, key = args.certificate.read_text(), args.key.read_bytes()
    fleet = build(settings)
    try:
        commands = fleet[AUTHORITIES].commands
        asyncio.run(commands.import_root(certificate, key, Cause.system(Interface.CLI)))
    except DomainError as error:
        print(f"fleetid: {error}", file=sys.stderr)
        return 2
    finally:
        fleet.close()
    print("imported the root certificate authority")
    return 0


if __name__ == "__main__":
    sys.exit(main())
