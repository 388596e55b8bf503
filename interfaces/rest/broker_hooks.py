"""Hooks for clustered MQTT brokers, in the formats they call.

EMQX (5.x) calls `POST /mqtt/emqx/authn` and `POST /mqtt/emqx/authz` with the JSON bodies
configured in docs/mqtt-brokers.md, and with `FLEETID_MQTT_INGEST=hooks` a rule posts each
message to `POST /mqtt/emqx/messages`. VerneMQ's webhooks plugin calls `POST /mqtt/vernemq` with
the hook named in the `vernemq-hook` header, `on_publish` for ingest. Every decision comes from
`MqttAccess`, as on the other brokers. Both brokers pass the username they authenticated for the
connection, never one the client chose per packet.

Every call must present `FLEETID_MQTT_HOOK_SECRET` (`Authorization: Bearer …`, or as the
basic-auth password, which VerneMQ sends from `http://user:secret@host/` endpoints). Without it
set the hooks are not served at all (404): open, they would tell anyone which thing secrets are
valid, and a forged ingest post would be a forged publisher.
"""

import base64
import binascii
import hmac
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import msgspec
from litestar import Controller, Request, post
from litestar.params import JSONBody

from application.mqtt_access import MqttAccess, service_may_publish, thing_named
from application.throttling import Throttle
from domain.errors import Forbidden, InvalidValue, NotFound, Unauthenticated
from infrastructure.settings import BrokerAccount
from interfaces.json_payloads import decode_json
from interfaces.mqtt.hook_ingest import HookIngest, Ingested, Posted
from interfaces.rest.client_address import client_address
from interfaces.rest.raw_headers import header

NOT_AUTHORIZED_V3 = 128
NOT_AUTHORIZED_V5 = 135
"""SUBACK codes a VerneMQ hook gives a refused topic (MQTT 3.1.1 failure, MQTT 5 reason)."""
OK = {"result": "ok"}
VERNE_HOOKS = tuple(
    f"{name}{suffix}"
    for name in ("auth_on_register", "auth_on_publish", "auth_on_subscribe", "on_publish")
    for suffix in ("", "_m5")
)
"""The VerneMQ webhooks served, named by the `vernemq-hook` header."""
HOOKS_OFF = (
    "the broker hooks (/mqtt/emqx/*, /mqtt/vernemq) are off: set FLEETID_MQTT_HOOK_SECRET "
    "to serve them"
)


class EmqxAuthn(msgspec.Struct):
    clientid: str | None = None
    username: str | None = None
    password: str | None = None
    peerhost: str | None = None
    """The device's address, for the limits on guessing secrets."""


class EmqxAuthz(msgspec.Struct):
    username: str
    topic: str
    action: Literal["publish", "subscribe"]
    clientid: str | None = None


class EmqxResult(msgspec.Struct):
    result: Literal["allow", "deny"]
    is_superuser: bool = False


class EmqxMessage(msgspec.Struct):
    """The fields the documented rule selects from EMQX's message event."""

    id: str
    username: str | None
    topic: str
    payload: str
    """base64: the rule selects `base64_encode(payload) as payload`."""
    clientid: str | None = None
    qos: int = 0
    pub_props: dict[str, Any] | None = None


class VerneTopic(msgspec.Struct):
    topic: str
    qos: int


class VerneRegister(msgspec.Struct):
    client_id: str | None = None
    username: str | None = None
    password: str | None = None
    peer_addr: str | None = None


class VernePublish(msgspec.Struct):
    username: str | None
    topic: str


class VernePublished(msgspec.Struct):
    """`on_publish` and `on_publish_m5`, with VerneMQ's default base64 payload."""

    username: str | None
    topic: str
    payload: str
    client_id: str | None = None
    qos: int = 0


class VerneSubscribe(msgspec.Struct):
    username: str | None
    topics: list[VerneTopic]


@dataclass(frozen=True)
class HookSetup:
    access: MqttAccess
    ingest: HookIngest | None
    """None unless FLEETID_MQTT_INGEST=hooks."""
    secret: str
    service: BrokerAccount | None
    """FleetID's own account on the broker (FLEETID_MQTT_URL), which the hooks admit."""
    throttle: Throttle


class BrokerHooksController(Controller):
    path = "/mqtt"
    tags = ["mqtt broker hooks"]
    setup: ClassVar[HookSetup]

    @classmethod
    def bound_to(cls, setup: HookSetup) -> type["BrokerHooksController"]:
        return type(cls.__name__, (cls,), {"setup": setup})

    @post("/emqx/authn", status_code=200, sync_to_thread=False, summary="EMQX authentication")
    def emqx_authn(self, request: Request[Any, Any, Any], data: JSONBody[EmqxAuthn]) -> EmqxResult:
        self._caller(request)
        device = data.peerhost or client_address(request)
        allowed = self._authenticates(device, data.clientid, data.username, data.password)
        return EmqxResult("allow" if allowed else "deny")

    @post("/emqx/authz", status_code=200, sync_to_thread=False, summary="EMQX authorization")
    def emqx_authz(self, request: Request[Any, Any, Any], data: JSONBody[EmqxAuthz]) -> EmqxResult:
        self._caller(request)
        if data.action == "publish":
            allowed = self._may_publish(data.username, data.topic)
        else:
            thing = thing_named(data.username)
            allowed = thing is not None and self.setup.access.may_subscribe(thing, data.topic)
        return EmqxResult("allow" if allowed else "deny")

    @post("/emqx/messages", status_code=200, summary="EMQX message ingest (rule HTTP action)")
    async def emqx_messages(
        self, request: Request[Any, Any, Any], data: JSONBody[EmqxMessage]
    ) -> Ingested:
        self._caller(request)
        ingest = self._ingest()
        props = data.pub_props or {}
        content_type = props.get("Content-Type")
        return await ingest.accept(
            Posted(
                "emqx",
                data.username,
                data.topic,
                _base64(data.payload),
                data.id,
                content_type if isinstance(content_type, str) else None,
            )
        )

    @post("/vernemq", status_code=200, summary="VerneMQ webhooks (hook named by vernemq-hook)")
    async def vernemq(self, request: Request[Any, Any, Any]) -> Any:
        self._caller(request)
        hook = (header(request, b"vernemq-hook") or "").strip()
        body = await request.body()
        try:
            if hook in ("on_publish", "on_publish_m5"):
                published = decode_json(body, VernePublished)
                ingest = self._ingest()
                posted = Posted(
                    "vernemq", published.username, published.topic, _base64(published.payload)
                )
                return await ingest.accept(posted)
            return self._verne(hook, body, client_address(request))
        except msgspec.ValidationError as error:
            raise InvalidValue(f"malformed {hook} payload: {error}") from None

    def _verne(self, hook: str, body: bytes, caller: str) -> dict[str, Any]:
        access = self.setup.access
        if hook in ("auth_on_register", "auth_on_register_m5"):
            register = decode_json(body, VerneRegister)
            allowed = self._authenticates(
                register.peer_addr or caller,
                register.client_id,
                register.username,
                register.password,
            )
            return _verne_result(allowed)
        if hook in ("auth_on_publish", "auth_on_publish_m5"):
            publish = decode_json(body, VernePublish)
            return _verne_result(self._may_publish(publish.username, publish.topic))
        if hook in ("auth_on_subscribe", "auth_on_subscribe_m5"):
            subscribe = decode_json(body, VerneSubscribe)
            thing = thing_named(subscribe.username)
            if thing is None:
                return _verne_result(False)
            refused = NOT_AUTHORIZED_V5 if hook.endswith("_m5") else NOT_AUTHORIZED_V3
            topics = [
                {
                    "topic": t.topic,
                    "qos": t.qos if access.may_subscribe(thing, t.topic) else refused,
                }
                for t in subscribe.topics
            ]
            if all(t["qos"] != refused for t in topics):
                return OK
            if hook.endswith("_m5"):
                return {**OK, "modifiers": {"topics": topics}}
            return {**OK, "topics": topics}
        raise InvalidValue(f"unsupported VerneMQ hook {hook!r}", field="vernemq-hook")

    def _authenticates(
        self, device: str, client_id: str | None, username: str | None, password: str | None
    ) -> bool:
        """A refusal counts against the device's address (the broker's, when the broker does
        not say); while that address must wait, it is refused unchecked."""
        holds = self.setup.throttle.admits(
            device, lambda: self._holds(client_id, username, password) or None
        )
        return holds is not None

    def _holds(self, client_id: str | None, username: str | None, password: str | None) -> bool:
        service = self.setup.service
        if service is not None and username == service.username:
            return (
                client_id == username
                and password is not None
                and hmac.compare_digest(password.encode(), service.password.encode())
            )
        return self.setup.access.authenticate(client_id, username, password) is not None

    def _may_publish(self, username: str | None, topic: str) -> bool:
        service = self.setup.service
        if service is not None and username == service.username:
            return service_may_publish(topic)
        thing = thing_named(username)
        return thing is not None and self.setup.access.may_publish(thing, topic)

    def _caller(self, request: Request[Any, Any, Any]) -> None:
        """Every hook call must carry the shared secret; with none set there are no hooks."""
        secret = self.setup.secret
        if not secret:
            raise NotFound(HOOKS_OFF)
        if not hmac.compare_digest(_presented(request).encode(), secret.encode()):
            raise Unauthenticated("the broker hooks need FLEETID_MQTT_HOOK_SECRET")

    def _ingest(self) -> HookIngest:
        if self.setup.ingest is None:
            raise Forbidden("ingest over hooks is off: set FLEETID_MQTT_INGEST=hooks")
        return self.setup.ingest


def _presented(request: Request[Any, Any, Any]) -> str:
    """The bearer token, or the basic-auth password; empty when neither is there."""
    scheme, _, credentials = (header(request, b"authorization") or "").partition(" ")
    if scheme.lower() == "bearer":
        return credentials.strip()
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return ""
        return decoded.partition(":")[2]
    return ""


def _base64(payload: str) -> bytes:
    try:
        return base64.b64decode(payload, validate=True)
    except binascii.Error:
        raise InvalidValue(
            "the payload must be base64 (EMQX: select base64_encode(payload) as payload; "
            "VerneMQ: keep base64payload on)",
            field="payload",
        ) from None


def _verne_result(allowed: bool) -> dict[str, Any]:
    return OK if allowed else {"result": {"error": "not_allowed"}}
