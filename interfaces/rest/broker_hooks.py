"""Authentication and authorization hooks for clustered MQTT brokers, in the formats they call.

EMQX (5.x) calls `POST /mqtt/emqx/authn` and `POST /mqtt/emqx/authz` with the JSON bodies
configured in docs/mqtt-brokers.md; VerneMQ's webhooks plugin calls `POST /mqtt/vernemq` with
the hook named in the `vernemq-hook` header. Every answer comes from `MqttAccess`, the decision
point the other brokers use, so the rules are the same everywhere. Both brokers pass the
username they authenticated for the connection, never one the client chose per packet.
"""

from typing import Any, ClassVar, Literal

import msgspec
from litestar import Controller, Request, post
from litestar.params import JSONBody

from application.mqtt_access import MqttAccess, thing_named
from domain.errors import InvalidValue
from interfaces.rest.raw_headers import header

NOT_AUTHORIZED_V3 = 128
NOT_AUTHORIZED_V5 = 135
"""SUBACK codes a VerneMQ hook gives a refused topic (MQTT 3.1.1 failure, MQTT 5 reason)."""


class EmqxAuthn(msgspec.Struct):
    clientid: str | None = None
    username: str | None = None
    password: str | None = None


class EmqxAuthz(msgspec.Struct):
    username: str
    topic: str
    action: Literal["publish", "subscribe"]
    clientid: str | None = None


class EmqxResult(msgspec.Struct):
    result: Literal["allow", "deny"]
    is_superuser: bool = False


class VerneTopic(msgspec.Struct):
    topic: str
    qos: int


class VerneRegister(msgspec.Struct):
    client_id: str | None = None
    username: str | None = None
    password: str | None = None


class VernePublish(msgspec.Struct):
    username: str
    topic: str


class VerneSubscribe(msgspec.Struct):
    username: str
    topics: list[VerneTopic]


class BrokerHooksController(Controller):
    path = "/mqtt"
    tags = ["mqtt broker hooks"]
    access: ClassVar[MqttAccess]

    @classmethod
    def bound_to(cls, access: MqttAccess) -> type["BrokerHooksController"]:
        return type(cls.__name__, (cls,), {"access": access})

    @post("/emqx/authn", status_code=200, sync_to_thread=False, summary="EMQX authentication")
    def emqx_authn(self, data: JSONBody[EmqxAuthn]) -> EmqxResult:
        thing = self.access.authenticate(data.clientid, data.username, data.password)
        return EmqxResult("allow" if thing is not None else "deny")

    @post("/emqx/authz", status_code=200, sync_to_thread=False, summary="EMQX authorization")
    def emqx_authz(self, data: JSONBody[EmqxAuthz]) -> EmqxResult:
        thing = thing_named(data.username)
        if thing is None:
            return EmqxResult("deny")
        check = self.access.may_publish if data.action == "publish" else self.access.may_subscribe
        return EmqxResult("allow" if check(thing, data.topic) else "deny")

    @post("/vernemq", status_code=200, summary="VerneMQ webhooks (hook named by vernemq-hook)")
    async def vernemq(self, request: Request[Any, Any, Any]) -> dict[str, Any]:
        hook = (header(request, b"vernemq-hook") or "").strip()
        body = await request.body()
        try:
            return self._verne(hook, body)
        except msgspec.ValidationError as error:
            raise InvalidValue(f"malformed {hook} payload: {error}") from None
        except msgspec.DecodeError as error:
            raise InvalidValue(f"the {hook} payload is not JSON: {error}") from None

    def _verne(self, hook: str, body: bytes) -> dict[str, Any]:
        access = self.access
        if hook in ("auth_on_register", "auth_on_register_m5"):
            register = msgspec.json.decode(body, type=VerneRegister)
            thing = access.authenticate(register.client_id, register.username, register.password)
            return _verne_result(thing is not None)
        if hook in ("auth_on_publish", "auth_on_publish_m5"):
            publish = msgspec.json.decode(body, type=VernePublish)
            thing = thing_named(publish.username)
            return _verne_result(thing is not None and access.may_publish(thing, publish.topic))
        if hook in ("auth_on_subscribe", "auth_on_subscribe_m5"):
            subscribe = msgspec.json.decode(body, type=VerneSubscribe)
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
                return {"result": "ok"}
            if hook.endswith("_m5"):
                return {"result": "ok", "modifiers": {"topics": topics}}
            return {"result": "ok", "topics": topics}
        raise InvalidValue(f"unsupported VerneMQ hook {hook!r}", field="vernemq-hook")


def _verne_result(allowed: bool) -> dict[str, Any]:
    return {"result": "ok"} if allowed else {"result": {"error": "not_allowed"}}
