"""Services from ports: every aggregate's by its declaration, and those the aggregates share.

Nothing here opens a file or a connection. The composition root (`bootstrap.build`) passes the
infrastructure's adapters; the service-layer tests pass in-memory fakes, views included.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from litestar.types import ControllerRouterHandler

from application.access_explain import AccessExplainer
from application.event_log import EventLogQueries
from application.identity_module import IdentityModule
from application.log_proofs import LogProofs
from application.message_queries import MessageQueries
from application.messages import MessageCommands
from application.mqtt_access import MqttAccess
from application.password_reset import PasswordReset, ResetPolicy
from application.reset_codes import CodeReset
from application.sessions import Sessions
from application.throttling import Limits, Throttle
from infrastructure.settings import Settings
from interfaces.aggregates import (
    CHANNEL_VIEWS,
    CONNECTION_VIEWS,
    GROUP_VIEWS,
    MODULES,
    THING_VIEWS,
    THINGS,
    USERS,
)
from interfaces.registry import Key, Registry, T
from interfaces.wiring import Ports, ReadSide, Wiring


@dataclass(frozen=True)
class Services:
    """The services the aggregates share by name; each aggregate's own under its key."""

    wiring: Wiring
    password_reset: PasswordReset
    code_reset: CodeReset
    messages: MessageCommands
    message_queries: MessageQueries
    mqtt_access: MqttAccess
    identity_module: IdentityModule
    log_proofs: LogProofs
    access_explainer: AccessExplainer
    event_log: EventLogQueries

    def __getitem__(self, key: Key[T]) -> T:
        return self.wiring[key]

    @property
    def sessions(self) -> Sessions:
        return self.wiring.sessions

    @property
    def throttle(self) -> Throttle:
        return self.wiring.throttle

    def aggregate_routes(self) -> list[ControllerRouterHandler]:
        return [route for module in MODULES for route in module.routes(self.wiring)]


def build_services(
    ports: Ports,
    settings: Settings,
    read_side: ReadSide | None = None,
    replacements: Mapping[Key[Any], Any] | None = None,
) -> Services:
    """Views come from `read_side`, or all from `replacements` (which win over any declared)."""
    registry = Registry(replacements)
    if read_side is not None:
        for module in MODULES:
            for view in module.views:
                registry.declare(view, read_side)
    sessions, throttle = _sessions(ports, settings), _throttle(ports, settings)
    wiring = Wiring(ports, settings, sessions, throttle, registry)
    for module in MODULES:
        for service in module.services:
            registry.declare(service, wiring)
    registry.make_all()
    return _shared(wiring)


def _sessions(p: Ports, settings: Settings) -> Sessions:
    return Sessions(
        p.reader,
        p.session_states,
        p.hasher,
        p.blind,
        p.tokens,
        settings.access_token_ttl,
        settings.refresh_token_ttl,
    )


def _throttle(p: Ports, settings: Settings) -> Throttle:
    limits = Limits(
        identity_failures=settings.throttle_identity_failures,
        client_failures=settings.throttle_client_failures,
        first_delay=settings.throttle_first_delay,
        max_delay=settings.throttle_max_delay,
        forget_after=settings.throttle_forget_after,
    )
    return Throttle(p.failures, p.blind, limits, p.refusals)


def _shared(w: Wiring) -> Services:
    p, settings = w.ports, w.settings
    connections, things = w[CONNECTION_VIEWS], w[THING_VIEWS]
    return Services(
        wiring=w,
        password_reset=PasswordReset(
            w.sessions,
            w[USERS].commands,
            p.mailer,
            ResetPolicy(settings.password_reset_ttl, settings.password_reset_link),
        ),
        code_reset=CodeReset(
            p.reader,
            p.writer,
            p.sync,
            w[USERS].commands,
            p.session_states,
            p.blind,
            p.reset_requests,
            p.mailer,
            settings.password_reset_ttl,
        ),
        messages=MessageCommands(connections, p.blind, p.message_sink),
        message_queries=MessageQueries(
            p.message_views, connections, w[CHANNEL_VIEWS], w[GROUP_VIEWS], p.blind
        ),
        mqtt_access=MqttAccess(things, connections, p.blind),
        identity_module=IdentityModule(p.reader, p.writer, p.sync, w[THINGS].commands, things),
        log_proofs=LogProofs(p.merkle_log),
        access_explainer=AccessExplainer(p.access_history, p.applied),
        event_log=EventLogQueries(p.event_log_views),
    )
