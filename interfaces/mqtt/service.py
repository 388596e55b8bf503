"""Running the embedded broker: in a process of its own beside the HTTP workers (`fleetid
serve`), or alone (`fleetid mqtt serve`), each with its own FleetID like any worker."""

import asyncio
import logging
import signal
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from application.ports.mqtt import SessionStore
from infrastructure.logging_config import configure_logging
from infrastructure.settings import Settings
from interfaces import child_process
from interfaces.bootstrap import FleetID, build
from interfaces.mqtt.bridge import Bridge
from interfaces.mqtt.broker import Broker
from interfaces.mqtt.http_feed import HttpFeed
from interfaces.mqtt.limits import Limits

log = logging.getLogger(__name__)


def make_broker(fleet: FleetID, store: SessionStore | None = None) -> Broker:
    limits = Limits(max_packet=fleet.settings.mqtt_max_packet)
    return Broker(
        fleet.services.mqtt_access,
        fleet.mqtt_router(),
        lambda: fleet.projections.position,
        limits,
        store,
        fleet.services.throttle,
    )


async def serve_until(fleet: FleetID, stop: asyncio.Event, ready: Callable[[int], None]) -> None:
    """Run the embedded broker, or with FLEETID_MQTT_URL the bridge to that broker, until
    `stop`; `ready` gets the port clients connect to."""
    if fleet.settings.mqtt_url:
        await _bridge_until(fleet, stop, ready)
        return
    if fleet.settings.mqtt_ingest == "hooks":
        log.warning(
            "FLEETID_MQTT_INGEST=hooks without FLEETID_MQTT_URL: gateway acks posted to the "
            "hooks wait in mqtt_outbox until a bridge to the posting broker publishes them"
        )
    store = fleet.session_store()
    broker = make_broker(fleet, store)
    settings = fleet.settings
    try:
        port = await broker.start(settings.mqtt_host, settings.mqtt_port)
    except OSError:
        store.close()
        raise
    feed = HttpFeed(
        fleet.message_feed(),
        lambda topic, payload: broker.route(topic, payload, 1, None),
        broker.listens,
    )
    following = asyncio.create_task(feed.run())
    log.info("MQTT broker listening on %s:%d", settings.mqtt_host, port)
    ready(port)
    try:
        await stop.wait()
    finally:
        following.cancel()
        await broker.close()
        store.close()


async def _bridge_until(fleet: FleetID, stop: asyncio.Event, ready: Callable[[int], None]) -> None:
    account = fleet.settings.broker
    outbox = fleet.mqtt_outbox if fleet.settings.mqtt_ingest == "hooks" else None
    bridge = Bridge(account, fleet.mqtt_router(), fleet.publisher_stamp, outbox)
    following = asyncio.create_task(HttpFeed(fleet.message_feed(), bridge.publish_later).run())

    def connected() -> None:
        log.info("ingesting from the MQTT broker at %s:%d", account.host, account.port)
        ready(account.port)

    try:
        await bridge.run(stop, connected)
    finally:
        following.cancel()


def run(settings: Settings, ready: Callable[[int], None] = lambda _port: None) -> None:
    """Serve MQTT until SIGINT or SIGTERM; connections still store and acknowledge what they
    have read before the process ends."""
    fleet = build(settings)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await serve_until(fleet, stop, ready)

    try:
        with asyncio.Runner(loop_factory=loop_factory()) as runner:
            runner.run(main())
    finally:
        fleet.close()


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def start_process(settings: Settings) -> BaseProcess | None:
    """Start the broker in a process of its own and wait until it listens; None (and the
    reason on stderr) when it could not, for example because the port is taken."""
    process, answer = child_process.start("the MQTT broker", _child, (settings,))
    if isinstance(answer, int):
        return process
    print(
        f"(another broker on {settings.mqtt_host}:{settings.mqtt_port}? "
        "set FLEETID_MQTT_PORT to a free port, or FLEETID_MQTT_URL to use that broker)",
        file=sys.stderr,
    )
    return None


def _child(settings: Settings, ready: Connection) -> None:
    configure_logging(settings.log_format)
    try:
        run(settings, ready.send)
    except OSError as error:
        ready.send(str(error))
