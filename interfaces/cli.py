"""`fleetid`: serve the API and the MQTT broker, show the effective settings, rebuild read
models, export the event log, erase a user, write Mosquitto's password and ACL files."""

import argparse
import asyncio
import contextlib
import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from uuid import UUID

from application.authorization import Actor
from domain.causes import ActorKind, Cause, Interface
from domain.errors import DomainError
from domain.users import Role
from infrastructure.log_entries import entry_of
from infrastructure.private_files import open_private
from infrastructure.read_model_check import check_read_models
from infrastructure.settings import Settings, SettingsError
from interfaces.aggregates import projections
from interfaces.bootstrap import build, ensure_first_admin
from interfaces.mqtt import service as mqtt_service

EXPORT_BATCH = 5000


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fleetid", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser(
        "serve", help="run the HTTP API, the embedded MQTT broker and the projections"
    )
    serve.add_argument("--host", help="listen address (FLEETID_HTTP_HOST)")
    serve.add_argument("--port", type=int, help="listen port (FLEETID_HTTP_PORT)")

    commands.add_parser("config", help="print the effective settings, secrets masked")

    projections = commands.add_parser("projections", help="read-model maintenance")
    projection_commands = projections.add_subparsers(dest="action", required=True)
    projection_commands.add_parser(
        "rebuild", help="drop the read models and replay the log (stop servers first)"
    )
    projection_commands.add_parser(
        "verify", help="replay the log into a scratch copy and compare it with the live tables"
    )

    event_log = commands.add_parser("log", help="the event log, for auditors")
    log_commands = event_log.add_subparsers(dest="action", required=True)
    export = log_commands.add_parser(
        "export", help="write every event as one JSON line (NDJSON), in global order"
    )
    export.add_argument("--output", "-o", type=Path, help="file to write (default: stdout)")
    export.add_argument("--after", type=int, default=0, help="start after this position")
    head = log_commands.add_parser("head", help="the latest signed tree head (JSON)")
    head.add_argument("--sign", action="store_true", help="sign one for the log as it is now")
    log_commands.add_parser("public-key", help="the log's Ed25519 public key (PEM)")
    leaves = log_commands.add_parser("leaves", help="'position hex-leaf-hash' per leaf")
    leaves.add_argument("--size", type=int, help="tree size (default: the latest head's)")
    leaves.add_argument("--output", "-o", type=Path, help="file to write (default: stdout)")
    prove = log_commands.add_parser("prove", help="an inclusion or consistency proof (JSON)")
    prove.add_argument("--position", type=int, help="inclusion: the event's position")
    prove.add_argument("--first", type=int, help="consistency: the older tree size")
    prove.add_argument("--size", type=int, help="the tree size (default: the latest head's)")

    users = commands.add_parser("users", help="user administration")
    user_commands = users.add_subparsers(dest="action", required=True)
    erase = user_commands.add_parser("erase", help="forget a user's personal data for good")
    erase.add_argument("user_id", type=UUID)

    mqtt = commands.add_parser("mqtt", help="MQTT broker support")
    mqtt_commands = mqtt.add_subparsers(dest="action", required=True)
    mosquitto = mqtt_commands.add_parser(
        "mosquitto-files",
        help="write Mosquitto's password and ACL files from the registry (then SIGHUP it)",
    )
    mosquitto.add_argument("directory", type=Path)
    mqtt_commands.add_parser(
        "serve", help="run only the embedded MQTT broker (FLEETID_MQTT_HOST, FLEETID_MQTT_PORT)"
    )

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"fleetid: {error}", file=sys.stderr)
        return 2
    try:
        match args.command:
            case "serve":
                return _serve(settings, args.host, args.port)
            case "config":
                for name, value in settings.masked().items():
                    print(f"{name}={value}")
                return 0
            case "projections" if args.action == "verify":
                return _verify(settings)
            case "projections":
                return _rebuild(settings)
            case "log" if args.action == "export":
                return _export(settings, args.output, args.after)
            case "log":
                return _log_proofs(settings, args)
            case "users":
                return _erase(settings, args.user_id)
            case "mqtt" if args.action == "serve":
                mqtt_service.run(settings)
                return 0
            case "mqtt":
                return _mosquitto_files(settings, args.directory)
    except DomainError as error:
        print(f"fleetid: {error.message}", file=sys.stderr)
        return 1
    return 2


def _serve(settings: Settings, host: str | None, port: int | None) -> int:
    """The first admin is created here, once; then the MQTT broker's process and every HTTP
    worker build their own FleetID from the same environment."""
    from interfaces.rest.server import serve

    fleet = build(settings)
    try:
        ensure_first_admin(fleet, Interface.CLI)
    finally:
        fleet.close()
    broker = mqtt_service.start_process(settings)
    if broker is None:
        return 1
    try:
        serve(
            "interfaces.rest.asgi:create",
            host=host or settings.http_host,
            port=port or settings.http_port,
            workers=settings.http_workers,
            factory=True,
        )
    finally:
        mqtt_service.stop_process(broker)
    return 0


def _rebuild(settings: Settings) -> int:
    fleet = build(settings, follow=False)
    started = time.perf_counter()
    try:
        applied = fleet.projections.rebuild(_progress_bar)
    finally:
        fleet.close()
    elapsed = time.perf_counter() - started
    rate = applied / elapsed if elapsed > 0 else 0.0
    print(f"\nrebuilt read models from {applied} events in {elapsed:.2f} s ({rate:,.0f} events/s)")
    return 0


def _verify(settings: Settings) -> int:
    """Exit 1 when any table differs, listing the differences by table and key."""
    fleet = build(settings, follow=False)
    started = time.perf_counter()
    try:
        position = fleet.projections.position
        checks = check_read_models(fleet.log, fleet.engine, projections(), position, _progress_bar)
    finally:
        fleet.close()
    elapsed = time.perf_counter() - started
    print(f"\nrebuilt in a scratch copy and compared as of position {position} ({elapsed:.2f} s)")
    for check in checks:
        verdict = "same" if check.matches else f"DIFFERS in {check.differing} row versions"
        sums = f"sha256 live {check.live_checksum[:16]}, rebuilt {check.rebuilt_checksum[:16]}"
        print(f"{check.table}: {check.rows} row versions, {sums}: {verdict}")
        for difference in check.differences:
            print(f"  {check.table} {difference.key}:")
            print(f"    live:    {difference.live}")
            print(f"    rebuilt: {difference.rebuilt}")
    return 0 if all(check.matches for check in checks) else 1


def _export(settings: Settings, output: Path | None, after: int) -> int:
    """Straight from the event store's rows, so the lines are what is stored now (tampering
    included), whatever the index or the read models say."""
    fleet = build(settings, follow=False)
    started = time.perf_counter()
    written = 0
    try:
        target = fleet.raw_log.last_position()
        with contextlib.ExitStack() as stack:
            sink = stack.enter_context(open_private(output)) if output else sys.stdout.buffer
            position = after
            while notifications := fleet.raw_log.after(position, EXPORT_BATCH):
                sink.write(b"".join(entry_of(n).line + b"\n" for n in notifications))
                written += len(notifications)
                position = notifications[-1].id
                _progress_bar(position, target, rate=written / (time.perf_counter() - started))
            sink.flush()
    finally:
        fleet.close()
    elapsed = time.perf_counter() - started
    rate = written / elapsed if elapsed > 0 else 0.0
    print(
        f"\nexported {written} events in {elapsed:.2f} s ({rate:,.0f} events/s)",
        file=sys.stderr,
    )
    return 0


def _log_proofs(settings: Settings, args: argparse.Namespace) -> int:
    """What auditors verify with interfaces/verify_log.py; the operator acts as the system."""
    fleet = build(settings, follow=False)
    operator = Actor(id=UUID(int=0), role=Role.ADMIN, kind=ActorKind.SYSTEM)
    proofs = fleet.log_proofs
    try:
        fleet.audit_trail.catch_up()
        match args.action:
            case "head":
                signed = proofs.sign_head(operator) if args.sign else proofs.latest_head(operator)
                print(json.dumps(signed.as_json()))
            case "public-key":
                print(proofs.public_key(), end="")
            case "leaves":
                with contextlib.ExitStack() as stack:
                    sink = stack.enter_context(open_private(args.output)) if args.output else None
                    out = sink or sys.stdout.buffer
                    for position, digest in proofs.leaves(operator, args.size):
                        out.write(f"{position} {digest.hex()}\n".encode())
                    out.flush()
            case "prove" if args.position is not None:
                print(json.dumps(proofs.inclusion(operator, args.position, args.size)))
            case "prove" if args.first is not None:
                print(json.dumps(proofs.consistency(operator, args.first, args.size)))
            case _:
                print("fleetid: prove needs --position or --first", file=sys.stderr)
                return 2
    finally:
        fleet.close()
    return 0


def _progress_bar(position: int, target: int, width: int = 40, rate: float | None = None) -> None:
    done = min(1.0, position / target) if target else 1.0
    filled = int(done * width)
    bar = "#" * filled + "-" * (width - filled)
    speed = f" {rate:,.0f} events/s" if rate is not None else ""
    print(
        f"\r[{bar}] {done:6.1%} position {position}/{target}{speed}",
        end="",
        file=sys.stderr,
        flush=True,
    )


def _mosquitto_files(settings: Settings, directory: Path) -> int:
    fleet = build(settings)
    try:
        passwords, acl = fleet.mosquitto_files.write(directory)
    finally:
        fleet.close()
    print(f"wrote {passwords} and {acl}")
    return 0


def _erase(settings: Settings, user_id: UUID) -> int:
    fleet = build(settings)
    try:
        asyncio.run(fleet.users.erase(user_id, Cause.system(Interface.CLI)))
    finally:
        fleet.close()
    print(f"erased the personal data of user {user_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
