"""The embedded broker with storage switched off, for its pass-through rate: everything else
(authentication, per-publish authorization, SenML decoding, routing) is as `fleetid mqtt
serve` runs it. Started by `bench.mqtt` as `python -m bench.mqtt_server`."""

import asyncio
from collections.abc import Sequence
from concurrent.futures import Future
from uuid import UUID

from application.messages import MessageCommands
from application.ports.messages import Receipt
from domain.senml import Measurement
from infrastructure.blind_index import HmacBlindIndex
from infrastructure.connection_views import SqlConnectionViews
from infrastructure.keyfiles import random_key
from infrastructure.settings import Settings
from interfaces.bootstrap import build
from interfaces.mqtt.broker import Broker
from interfaces.mqtt.limits import Limits
from interfaces.mqtt.router import Router
from interfaces.mqtt.service import loop_factory

UNQUEUED = Limits(max_queued=2**31)
"""No bound on the messages queued for the bench's subscriber, as the bench's Mosquitto has
none (`max_queued_messages 0`): its publishers can outrun the subscriber's acknowledgements,
and a dropped message would leave the pass-through unmeasured."""


class Discard:
    """A message sink that keeps nothing and answers at once."""

    def append(
        self,
        channel: UUID,
        publisher: UUID,
        protocol: str,
        received_at: float,
        measurements: Sequence[Measurement],
        receipt: Receipt | None = None,
        subtopic: str | None = None,
    ) -> Future[None]:
        done: Future[None] = Future()
        done.set_result(None)
        return done

    def received(self, client_id: str, packet_id: int) -> str | None:
        return None


async def main() -> None:
    fleet = build(Settings.from_env())
    settings = fleet.settings
    blind = HmacBlindIndex(random_key(settings.data_dir / "keys" / "index.key"))
    messages = MessageCommands(SqlConnectionViews(fleet.reads), blind, Discard())

    def position() -> int:
        return fleet.projections.position

    router = Router(fleet.services.mqtt_access, messages, fleet.services.identity_module, position)
    broker = Broker(fleet.services.mqtt_access, router, position, UNQUEUED)
    await broker.start(settings.mqtt_host, settings.mqtt_port)
    await asyncio.Event().wait()


if __name__ == "__main__":
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        runner.run(main())
