"""Telemetry over HTTP: things send SenML packs, things and users read messages back.

`POST /http/channels/{id}/messages[/subtopic…]` answers 202 once the pack's records are durable.
The sender is authenticated and authorized before its payload is decoded. A subtopic is what it
is on MQTT (`channels/{id}/messages/a/b`): the same levels, checked by the same rule, stored
with the records and filtered on by the reader.
"""

import base64
import binascii
import math
import re
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

import msgspec
from litestar import Controller, MediaType, Request, get, post
from litestar.params import FromQuery, PathParameter, QueryParameter

from application.message_queries import ChannelMessages, MessageQueries
from application.messages import MessageCommands
from application.mqtt_access import valid_subtopic
from application.mqtt_topics import MAX_TOPIC
from application.ports.messages import AggregatePage, MessageFilter, MessagePage, MessageView
from application.sessions import Sessions
from application.throttling import Throttle
from domain.errors import InvalidValue, Unauthenticated
from interfaces.rest.auth import bearer_token
from interfaces.rest.client_address import client_address
from interfaces.rest.paging import Limit, Offset
from interfaces.rest.raw_headers import header
from interfaces.rest.things import thing_secret
from interfaces.rest.user_schemas import SearchText
from interfaces.senml_codec import PACK_MEDIA_TYPES, decode_pack

ChannelId = Annotated[UUID, PathParameter(description="channel id")]
Subtopic = Annotated[str, PathParameter(description="topic levels after messages/, e.g. a/b")]


@dataclass(frozen=True)
class MessageServices:
    commands: MessageCommands
    queries: MessageQueries
    sessions: Sessions
    throttle: Throttle


INTERVAL_PATTERN = "^([1-9][0-9]{0,6})([smhdw])$"


class MessageResponse(msgspec.Struct, omit_defaults=True):
    """A stored record, or one window of an aggregation (which has no publisher or protocol):
    one entry type keeps the page one schema."""

    channel: UUID
    name: str
    time: float
    publisher: UUID | None = None
    protocol: str | None = None
    unit: str | None = None
    value: float | None = None
    string_value: str | None = None
    bool_value: bool | None = None
    data_value: str | None = None
    sum: float | None = None
    update_time: float | None = None
    subtopic: str | None = None

    @classmethod
    def of(cls, view: MessageView) -> "MessageResponse":
        return cls(
            channel=view.channel,
            publisher=view.publisher,
            protocol=view.protocol,
            subtopic=view.subtopic,
            name=view.name,
            time=view.time,
            unit=view.unit,
            value=view.value,
            string_value=view.string_value,
            bool_value=view.bool_value,
            data_value=view.data_value,
            sum=view.sum,
            update_time=view.update_time,
        )


class MessagePageResponse(msgspec.Struct):
    offset: int
    limit: int
    format: str
    total: int
    messages: list[MessageResponse]

    @classmethod
    def of(cls, page: MessagePage) -> "MessagePageResponse":
        return cls(
            offset=page.offset,
            limit=page.limit,
            format="messages",
            total=page.total,
            messages=[MessageResponse.of(m) for m in page.messages],
        )

    @classmethod
    def of_windows(cls, page: AggregatePage) -> "MessagePageResponse":
        return cls(
            offset=page.offset,
            limit=page.limit,
            format="messages",
            total=page.total,
            messages=[
                MessageResponse(
                    channel=p.channel, name=p.name, time=p.time, unit=p.unit, value=p.value
                )
                for p in page.points
            ],
        )


def sender_secret(request: Request[Any, Any, Any]) -> str:
    """`Authorization: Thing <secret>`, or HTTP Basic with the secret as the password (the user
    name is ignored), as Magistrala's HTTP adapter and its `http.yml` take it."""
    value = header(request, b"authorization") or ""
    scheme, _, credentials = value.partition(" ")
    if scheme.lower() != "basic":
        return thing_secret(request)
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthenticated("Basic credentials must be base64 of UTF-8 'user:secret'") from None
    _, colon, secret = decoded.partition(":")
    if not colon or not secret:
        raise Unauthenticated("Basic credentials must carry the thing secret as the password")
    return secret


class MessagesController(Controller):
    tags = ["messages"]
    services: ClassVar[MessageServices]

    @classmethod
    def bound_to(cls, services: MessageServices) -> type["MessagesController"]:
        return type(cls.__name__, (cls,), {"services": services})

    @post(
        "/http/channels/{channel_id:uuid}/messages",
        status_code=202,
        summary="Send a SenML pack (application/senml+json, application/senml+cbor or JSON)",
        opt={"body_media_types": PACK_MEDIA_TYPES},
        media_type=MediaType.TEXT,
    )
    async def send(self, channel_id: ChannelId, request: Request[Any, Any, Any]) -> None:
        await self._publish(channel_id, None, request)

    @post(
        "/http/channels/{channel_id:uuid}/messages/{subtopic:path}",
        status_code=202,
        summary="Send a SenML pack to a subtopic, as MQTT's channels/{id}/messages/{subtopic}",
        opt={"body_media_types": PACK_MEDIA_TYPES},
        media_type=MediaType.TEXT,
    )
    async def send_to_subtopic(
        self, channel_id: ChannelId, subtopic: Subtopic, request: Request[Any, Any, Any]
    ) -> None:
        await self._publish(channel_id, subtopic.removeprefix("/"), request)

    async def _publish(
        self, channel_id: UUID, subtopic: str | None, request: Request[Any, Any, Any]
    ) -> None:
        commands = self.services.commands
        secret = sender_secret(request)
        with self.services.throttle.guarding(client_address(request)):
            publisher = commands.authorize(secret, channel_id)
        if subtopic is not None and not valid_subtopic(channel_id, subtopic):
            raise InvalidValue(
                f"a subtopic is MQTT topic levels without +, # or U+0000, and the topic at "
                f"most {MAX_TOPIC} characters",
                field="subtopic",
            )
        pack = decode_pack(await request.body(), header(request, b"content-type"))
        await commands.publish(publisher, pack, "http", subtopic=subtopic)

    @get(
        "/channels/{channel_id:uuid}/messages",
        sync_to_thread=False,
        summary="Messages of a channel, newest first (a thing with m_read, or a user)",
    )
    def read(
        self,
        channel_id: ChannelId,
        request: Request[Any, Any, Any],
        offset: Offset = 0,
        limit: Limit = 10,
        publisher: FromQuery[UUID | None] = None,
        name: SearchText = None,
        subtopic: Annotated[
            str | None,
            QueryParameter(
                description="exactly this subtopic, e.g. a/b",
                max_length=MAX_TOPIC,
                pattern=r"^[^\x00#+]*$",
            ),
        ] = None,
        v: FromQuery[float | None] = None,
        comparator: FromQuery[Literal["eq", "lt", "le", "gt", "ge"]] = "eq",
        vb: FromQuery[bool | None] = None,
        vs: SearchText = None,
        vd: SearchText = None,
        since: Annotated[
            float | None, QueryParameter(name="from", description="time >= from (seconds)")
        ] = None,
        until: Annotated[
            float | None, QueryParameter(name="to", description="time < to (seconds)")
        ] = None,
        aggregation: FromQuery[Literal["min", "max", "avg", "sum", "count"] | None] = None,
        interval: Annotated[
            str | None,
            QueryParameter(
                description="window of an aggregation: 30s, 15m, 1h, 1d, 1w; "
                "aggregation and interval come together or not at all",
                pattern=INTERVAL_PATTERN,
            ),
        ] = None,
    ) -> MessagePageResponse:
        for label, number in (("v", v), ("from", since), ("to", until)):
            if number is not None and not math.isfinite(number):
                raise InvalidValue(f"{label} must be a finite number", field=label)
        query = MessageFilter(
            channel=channel_id,
            offset=offset,
            limit=limit,
            publisher=publisher,
            name=name,
            subtopic=subtopic,
            value=v,
            comparator=comparator,
            string_value=vs,
            bool_value=vb,
            data_value=vd,
            since=since,
            until=until,
        )
        window = _window(aggregation, interval)
        messages = self._reader(request, channel_id)
        if aggregation is None or window is None:
            return MessagePageResponse.of(messages.page(query))
        return MessagePageResponse.of_windows(messages.aggregate(query, aggregation, window))

    def _reader(self, request: Request[Any, Any, Any], channel_id: UUID) -> ChannelMessages:
        queries = self.services.queries
        scheme = (header(request, b"authorization") or "").partition(" ")[0]
        if scheme.lower() == "thing":
            secret = thing_secret(request)
            with self.services.throttle.guarding(client_address(request)):
                return queries.reader_for_thing(secret, channel_id)
        token = bearer_token(request)
        if token is None:
            raise Unauthenticated("send 'Authorization: Thing <secret>' or 'Bearer <token>'")
        return queries.reader_for_user(self.services.sessions.authenticate(token), channel_id)


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_INTERVAL = re.compile(INTERVAL_PATTERN)


def _window(aggregation: str | None, interval: str | None) -> float | None:
    """The aggregation window in seconds; both parameters come together or not at all."""
    if aggregation is None and interval is None:
        return None
    if aggregation is None:
        raise InvalidValue("interval needs an aggregation", field="aggregation")
    if interval is None:
        raise InvalidValue("an aggregation needs an interval such as 1h", field="interval")
    found = _INTERVAL.fullmatch(interval)
    if found is None:
        raise InvalidValue("interval is a count and a unit: 30s, 15m, 1h, 1d, 1w", field="interval")
    return float(int(found.group(1)) * _UNITS[found.group(2)])
