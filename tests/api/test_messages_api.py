"""Send Messages and Read Messages of the seed, over HTTP against the real app, on SQLite and
PostgreSQL (the reader's SQL differs between them)."""

import base64
import threading
from collections.abc import Iterator
from typing import Any

import cbor2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from domain.causes import Interface
from interfaces.bootstrap import FleetID, ensure_first_admin
from interfaces.rest.app import create_app
from tests.api.support import assert_problem, new_identity
from tests.helpers import (
    admin_token,
    bearer,
    incompressible_name,
    refuse_name,
    register,
    sign_in,
)
from tests.seed_examples import SENML_PACK

SENML = {"Content-Type": "application/senml+json"}


@pytest.fixture
def client(fleet: FleetID) -> Iterator[TestClient[Any]]:
    ensure_first_admin(fleet, Interface.CLI)
    with TestClient(create_app(fleet)) as test_client:
        yield test_client


@pytest.fixture
def token(client: TestClient[Any]) -> str:
    return admin_token(client)


@pytest.fixture
def wired(client: TestClient[Any], token: str) -> dict[str, str]:
    """A channel and a thing connected to it (m_read and m_write), secret "sensor-secret-1"."""
    thing = client.post(
        "/things", json={"credentials": {"secret": "sensor-secret-1"}}, headers=bearer(token)
    ).json()["id"]
    channel = client.post("/channels", json={"name": "telemetry"}, headers=bearer(token)).json()[
        "id"
    ]
    connected = client.post(
        "/connect", json={"subjects": [thing], "objects": [channel]}, headers=bearer(token)
    )
    assert connected.status_code == 201, connected.text
    return {"thing": thing, "channel": channel}


def thing_auth(secret: str = "sensor-secret-1") -> dict[str, str]:
    return {"Authorization": f"Thing {secret}"}


def send(client: TestClient[Any], channel: str, pack: Any, **headers: str) -> Any:
    return client.post(
        f"/http/channels/{channel}/messages",
        json=pack,
        headers={**SENML, **thing_auth(), **headers},
    )


def read(client: TestClient[Any], channel: str, query: str = "", **headers: str) -> Any:
    response = client.get(f"/channels/{channel}/messages?{query}", headers=headers or thing_auth())
    assert response.status_code == 200, response.text
    return response.json()


def test_the_seed_pack_is_accepted_and_read_back_as_the_seed_shows(
    client: TestClient[Any], wired: dict[str, str]
) -> None:
    channel, thing = wired["channel"], wired["thing"]

    response = send(client, channel, SENML_PACK)

    assert response.status_code == 202, response.text
    assert response.content == b""
    body = read(client, channel)
    assert {k: body[k] for k in ("offset", "limit", "format", "total")} == {
        "offset": 0,
        "limit": 10,
        "format": "messages",
        "total": 3,
    }
    assert body["messages"] == [
        {
            "channel": channel,
            "publisher": thing,
            "protocol": "http",
            "name": "some-base-name:voltage",
            "unit": "V",
            "time": 1276020076.001,
            "value": 120.1,
        },
        {
            "channel": channel,
            "publisher": thing,
            "protocol": "http",
            "name": "some-base-name:current",
            "unit": "A",
            "time": 1276020072.001,
            "value": 1.3,
        },
        {
            "channel": channel,
            "publisher": thing,
            "protocol": "http",
            "name": "some-base-name:current",
            "unit": "A",
            "time": 1276020071.001,
            "value": 1.2,
        },
    ]


def test_cbor_packs_use_integer_labels_and_byte_strings(
    client: TestClient[Any], wired: dict[str, str]
) -> None:
    pack = [{-2: "dev:", 0: "raw", 6: 1.5e9, 8: b"\x00\xffhi"}, {0: "on", 6: 1.5e9 + 1, 4: True}]

    response = client.post(
        f"/http/channels/{wired['channel']}/messages",
        content=cbor2.dumps(pack),
        headers={"Content-Type": "application/senml+cbor", **thing_auth()},
    )

    assert response.status_code == 202, response.text
    newest, oldest = read(client, wired["channel"])["messages"]
    assert (newest["name"], newest["bool_value"]) == ("dev:on", True)
    assert (oldest["name"], oldest["data_value"]) == ("dev:raw", "AP9oaQ")


def test_a_cbor_pack_may_carry_the_self_describe_tag(
    client: TestClient[Any], wired: dict[str, str]
) -> None:
    pack = [{0: "tagged", 6: 1.5e9, 2: 21.5}]

    response = client.post(
        f"/http/channels/{wired['channel']}/messages",
        content=cbor2.dumps(cbor2.CBORTag(55799, pack)),
        headers={"Content-Type": "application/senml+cbor", **thing_auth()},
    )

    assert response.status_code == 202, response.text
    (stored,) = read(client, wired["channel"])["messages"]
    assert (stored["name"], stored["value"]) == ("tagged", 21.5)


@pytest.mark.parametrize(
    ("body", "media_type"),
    [
        (cbor2.dumps([{0: "a", 2: 1}]) + b"\x00", "application/senml+cbor"),
        (cbor2.dumps([{0: "a", 2: 1}]) * 2, "application/senml+cbor"),
        (cbor2.dumps(cbor2.CBORTag(55799, [{0: "a", 2: 1}])) + b"\xff", "application/senml+cbor"),
        (b'[{"n": "a", "v": 1}] 0', "application/senml+json"),
        (b'[{"n": "a", "v": 1}][]', "application/senml+json"),
    ],
    ids=["cbor-zero-byte", "cbor-two-packs", "cbor-tagged-then-break", "json-number", "json-array"],
)
def test_a_pack_with_trailing_bytes_is_refused_in_either_encoding(
    client: TestClient[Any], wired: dict[str, str], body: bytes, media_type: str
) -> None:
    response = client.post(
        f"/http/channels/{wired['channel']}/messages",
        content=body,
        headers={"Content-Type": media_type, **thing_auth()},
    )

    assert_problem(response, 400, field=None)
    assert read(client, wired["channel"])["total"] == 0


def test_packs_sent_to_subtopics_are_stored_under_them_and_filtered_by_them(
    client: TestClient[Any], token: str, wired: dict[str, str]
) -> None:
    """`POST /http/channels/{id}/messages/{subtopic…}`, as MQTT's `channels/{id}/messages/…`."""
    channel = wired["channel"]
    for path, name in (
        ("", "none"),
        ("/room1", "one"),
        ("/room1/desk", "two"),
        ("/caf%C3%A9", "x"),
    ):
        response = client.post(
            f"/http/channels/{channel}/messages{path}",
            json=[{"n": name, "v": 1}],
            headers={**SENML, **thing_auth()},
        )
        assert response.status_code == 202, (path, response.text)

    stored = read(client, channel, "limit=10")["messages"]
    assert [(m["name"], m.get("subtopic")) for m in stored] == [
        ("x", "café"),
        ("two", "room1/desk"),
        ("one", "room1"),
        ("none", None),
    ]
    for subtopic, names in (("room1", ["one"]), ("room1/desk", ["two"]), ("room", [])):
        page = read(client, channel, f"subtopic={subtopic}", **bearer(token))
        assert [m["name"] for m in page["messages"]] == names, subtopic
        assert page["total"] == len(names)


@pytest.mark.parametrize(
    "path",
    ["room%2B", "%23", "room/%23", "a%00b", "x" * 1024, "room/+/desk"],
    ids=["plus-in-level", "hash", "hash-level", "nul", "topic-too-long", "plus-level"],
)
def test_a_subtopic_mqtt_could_not_carry_is_refused_and_stores_nothing(
    client: TestClient[Any], wired: dict[str, str], path: str
) -> None:
    response = client.post(
        f"/http/channels/{wired['channel']}/messages/{path}",
        json=[{"n": "x", "v": 1}],
        headers={**SENML, **thing_auth()},
    )

    assert_problem(response, 400, field="subtopic")
    assert read(client, wired["channel"])["total"] == 0


def test_a_subtopic_is_checked_only_for_an_authorized_sender(
    client: TestClient[Any], wired: dict[str, str]
) -> None:
    response = client.post(
        f"/http/channels/{wired['channel']}/messages/%23",
        json=[{"n": "x", "v": 1}],
        headers={**SENML, **thing_auth("not-the-secret-1")},
    )

    assert_problem(response, 401)


@pytest.mark.parametrize("subtopic", ["a\x00", "#", "a/+"])
def test_the_subtopic_filter_refuses_what_no_topic_holds(
    client: TestClient[Any], wired: dict[str, str], subtopic: str
) -> None:
    response = client.get(
        f"/channels/{wired['channel']}/messages",
        params={"subtopic": subtopic},
        headers=thing_auth(),
    )

    assert_problem(response, 400, field="subtopic")


def test_filters_comparators_and_paging(client: TestClient[Any], wired: dict[str, str]) -> None:
    channel = wired["channel"]
    pack = [
        {"bn": "room:", "bt": 1.7e9, "n": "temp", "u": "Cel", "v": 20 + i, "t": i} for i in range(6)
    ]
    pack += [{"bn": "room:", "n": "door", "vb": True, "t": 10}, {"n": "label", "vs": "north"}]
    assert send(client, channel, pack).status_code == 202

    def names_values(query: str) -> list[Any]:
        return [(m["name"], m.get("value")) for m in read(client, channel, query)["messages"]]

    assert read(client, channel, "name=room:temp")["total"] == 6
    assert names_values("name=room:temp&v=23&comparator=ge") == [
        ("room:temp", 25.0),
        ("room:temp", 24.0),
        ("room:temp", 23.0),
    ]
    assert names_values("v=21") == [("room:temp", 21.0)]
    assert names_values("v=21&comparator=lt") == [("room:temp", 20.0)]
    assert read(client, channel, "vb=true")["messages"][0]["name"] == "room:door"
    assert read(client, channel, "vs=north")["messages"][0]["string_value"] == "north"
    window = read(client, channel, f"from={1.7e9 + 1}&to={1.7e9 + 3}")
    assert [m["value"] for m in window["messages"]] == [22.0, 21.0]
    first, second = read(client, channel, "limit=3"), read(client, channel, "limit=3&offset=3")
    assert first["total"] == second["total"] == 8
    everything = read(client, channel, "limit=8")["messages"]
    assert first["messages"] + second["messages"] == everything[:6]
    assert read(client, channel, f"publisher={wired['thing']}")["total"] == 8


def test_a_rejected_pack_stores_nothing_and_names_the_record(
    client: TestClient[Any], wired: dict[str, str]
) -> None:
    channel = wired["channel"]
    bad = [{"n": "ok", "v": 1}, {"n": "two", "v": 1, "vs": "x"}]

    assert_problem(send(client, channel, bad), 400, field="[1].vs")
    assert_problem(send(client, channel, {"n": "x", "v": 1}), 400, field="")
    malformed = client.post(
        f"/http/channels/{channel}/messages",
        content=b"[{",
        headers={**SENML, **thing_auth()},
    )
    assert_problem(malformed, 400, error="malformed_json")
    plain = client.post(
        f"/http/channels/{channel}/messages",
        content=b"21.5",
        headers={"Content-Type": "text/plain", **thing_auth()},
    )
    assert_problem(plain, 415)
    assert read(client, channel)["total"] == 0


def test_an_over_long_name_fails_only_its_own_pack_among_concurrent_ones(
    client: TestClient[Any], token: str, wired: dict[str, str]
) -> None:
    """PostgreSQL refused the over-long name in its index, and with it the whole batch of
    other things' packs committed together; now the name is refused before it is batched."""
    channel = wired["channel"]
    senders = []
    for i in range(8):
        secret = f"sender-secret-{i}"
        made = client.post(
            "/things", json={"credentials": {"secret": secret}}, headers=bearer(token)
        )
        senders.append((made.json()["id"], secret))
    connected = client.post(
        "/connect",
        json={"subjects": [thing for thing, _ in senders], "objects": [channel]},
        headers=bearer(token),
    )
    assert connected.status_code == 201, connected.text
    start = threading.Barrier(len(senders) + 1)
    answers: dict[str, list[int]] = {}
    refusals: list[Any] = []

    def valid(thing: str, secret: str) -> None:
        start.wait()
        answers[thing] = [
            send(client, channel, [{"n": f"s{n}", "v": n}], **thing_auth(secret)).status_code
            for n in range(10)
        ]

    def over_long() -> None:
        start.wait()
        refusals.extend(
            send(client, channel, [{"n": incompressible_name(3000), "v": 1}]) for _ in range(5)
        )

    threads = [threading.Thread(target=valid, args=sender) for sender in senders]
    threads.append(threading.Thread(target=over_long))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert answers == {thing: [202] * 10 for thing, _ in senders}
    assert len(refusals) == 5
    for refusal in refusals:
        assert_problem(refusal, 400, field="[0].n")
    stored = read(client, channel, "limit=100")["messages"]
    assert sorted((m["publisher"], m["name"]) for m in stored) == sorted(
        (thing, f"s{n}") for thing, _ in senders for n in range(10)
    )


def test_only_a_connected_enabled_thing_with_m_write_may_send(
    client: TestClient[Any], token: str, wired: dict[str, str]
) -> None:
    channel, thing = wired["channel"], wired["thing"]
    pack = [{"n": "x", "v": 1}]
    other_channel = client.post("/channels", json={"name": "other"}, headers=bearer(token)).json()

    assert_problem(send(client, channel, pack, Authorization="Thing wrong-secret-1"), 401)
    assert_problem(send(client, channel, pack, Authorization="Bearer x"), 401)
    assert_problem(send(client, other_channel["id"], pack), 403)
    narrowed = client.put(
        "/things/policies",
        json={"subject": thing, "object": channel, "actions": ["m_read"]},
        headers=bearer(token),
    )
    assert narrowed.status_code == 204, narrowed.text
    assert_problem(send(client, channel, pack), 403)
    widened = client.put(
        "/things/policies",
        json={"subject": thing, "object": channel, "actions": ["m_write"]},
        headers=bearer(token),
    )
    assert widened.status_code == 204
    assert send(client, channel, pack).status_code == 202
    assert client.post(f"/channels/{channel}/disable", headers=bearer(token)).status_code == 200
    assert_problem(send(client, channel, pack), 403)
    assert client.post(f"/channels/{channel}/enable", headers=bearer(token)).status_code == 200
    assert client.post(f"/things/{thing}/disable", headers=bearer(token)).status_code == 200
    assert_problem(send(client, channel, pack), 401)
    assert client.post(f"/things/{thing}/enable", headers=bearer(token)).status_code == 200
    disconnected = client.post(
        "/disconnect", json={"subjects": [thing], "objects": [channel]}, headers=bearer(token)
    )
    assert disconnected.status_code == 204
    assert_problem(send(client, channel, pack), 403)


def test_who_may_read_a_channels_messages(
    client: TestClient[Any], token: str, wired: dict[str, str]
) -> None:
    channel = wired["channel"]
    assert send(client, channel, [{"n": "x", "v": 1}]).status_code == 202
    identity = new_identity("reader")
    member = register(client, identity)["id"]
    member_token = sign_in(client, identity, "12345678")
    stranger = new_identity("stranger")
    register(client, stranger)
    stranger_token = sign_in(client, stranger, "12345678")
    url = f"/channels/{channel}/messages"

    assert read(client, channel, **bearer(token))["total"] == 1
    assert_problem(client.get(url, headers=bearer(stranger_token)), 404)
    assert_problem(client.get(url), 401)
    assert_problem(client.get(url, headers=thing_auth("wrong-secret-1")), 401)
    policy = {"subject": member, "object": channel, "actions": ["c_list"]}
    assert client.post("/users/policies", json=policy, headers=bearer(token)).status_code == 201
    assert_problem(client.get(url, headers=bearer(member_token)), 403)
    policy["actions"] = ["c_list", "m_read"]
    assert client.put("/users/policies", json=policy, headers=bearer(token)).status_code == 204
    assert read(client, channel, **bearer(member_token))["total"] == 1
    write_only = client.put(
        "/things/policies",
        json={"subject": wired["thing"], "object": channel, "actions": ["m_write"]},
        headers=bearer(token),
    )
    assert write_only.status_code == 204
    assert_problem(client.get(url, headers=thing_auth()), 403)


def test_aggregations_fold_each_series_per_window(
    client: TestClient[Any], wired: dict[str, str]
) -> None:
    start = 86400 * 19_676  # a boundary of every window below, 1,700,006,400 s
    pack = [{"bn": "room:", "bt": start, "n": "temp", "u": "Cel", "v": 20, "t": 0}]
    pack += [{"n": "temp", "u": "Cel", "v": v, "t": t} for v, t in ((22, 600), (30, 3600))]
    pack += [{"n": "temp", "u": "Cel", "v": 26, "t": 5400}, {"n": "hum", "v": 40, "t": 60}]
    pack += [{"n": "door", "vb": True, "t": 120}]
    assert send(client, wired["channel"], pack).status_code == 202

    def windows(query: str) -> list[tuple[str, float, float]]:
        body = read(client, wired["channel"], query)
        assert body["total"] == (3 if "offset" in query else len(body["messages"])), query
        return [(m["name"], m["time"] - start, m.get("value")) for m in body["messages"]]

    assert windows("name=room:temp&aggregation=avg&interval=1h") == [
        ("room:temp", 3600, 28.0),
        ("room:temp", 0, 21.0),
    ]
    assert windows("name=room:temp&aggregation=max&interval=1d") == [("room:temp", 0, 30.0)]
    assert windows("aggregation=count&interval=1h") == [
        ("room:temp", 3600, 2.0),
        ("room:door", 0, 1.0),
        ("room:hum", 0, 1.0),
        ("room:temp", 0, 2.0),
    ]
    assert windows("aggregation=sum&interval=2h&from=" + str(start + 1)) == [
        ("room:hum", 0, 40.0),
        ("room:temp", 0, 78.0),
    ]
    assert windows("name=room:temp&aggregation=min&interval=30m&limit=1&offset=1") == [
        ("room:temp", 3600, 30.0)
    ]
    assert windows("name=room:temp&aggregation=max&interval=9999999w") == [  # from the epoch
        ("room:temp", -start, 30.0)
    ]


@pytest.mark.parametrize(
    "query",
    [
        "v=nan",
        "v=inf",
        "from=-inf",
        "comparator=ne&v=1",
        "vb=maybe",
        "aggregation=avg",
        "interval=1h",
        "aggregation=median&interval=1h",
        "aggregation=avg&interval=0h",
        "aggregation=avg&interval=1y",
        "aggregation=avg&interval=10000000w",
        "aggregation=avg&interval=1h%0A",
    ],
)
def test_bad_reader_filters_answer_400(
    client: TestClient[Any], wired: dict[str, str], query: str
) -> None:
    response = client.get(f"/channels/{wired['channel']}/messages?{query}", headers=thing_auth())
    assert_problem(response, 400)


NAMES = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9\-:./_]{0,30}", fullmatch=True)
VALUE_FIELDS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(lambda v: {"v": v}),
    st.text(
        alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=["Cs"]),
        max_size=40,
    ).map(lambda v: {"vs": v}),
    st.booleans().map(lambda v: {"vb": v}),
    st.binary(max_size=24).map(
        lambda b: {"vd": base64.urlsafe_b64encode(b).rstrip(b"=").decode("ascii")}
    ),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda s: {"s": s}),
)
RECORDS = st.lists(
    st.fixed_dictionaries(
        {"n": NAMES, "t": st.floats(min_value=2**28, max_value=4e9)},
        optional={"u": st.sampled_from(["Cel", "V", "%RH", "m/s"])},
    ).flatmap(lambda record: VALUE_FIELDS.map(lambda value: record | value)),
    min_size=1,
    max_size=20,
)
READ_BACK = ("name", "unit", "time", "value", "string_value", "bool_value", "data_value", "sum")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pack=RECORDS)
def test_any_valid_pack_reads_back_with_the_same_values(
    client: TestClient[Any], token: str, pack: list[dict[str, Any]]
) -> None:
    channel = client.post("/channels", json={"name": "roundtrip"}, headers=bearer(token)).json()
    thing = client.post("/things", json={}, headers=bearer(token)).json()
    connect = {"subjects": [thing["id"]], "objects": [channel["id"]]}
    assert client.post("/connect", json=connect, headers=bearer(token)).status_code == 201
    secret = thing["credentials"]["secret"]

    sent = send(client, channel["id"], pack, Authorization=f"Thing {secret}")
    assert sent.status_code == 202, sent.text
    body = read(client, channel["id"], "limit=100", **bearer(token))

    def key(m: dict[str, Any]) -> tuple[str, ...]:
        """Comparable across types; -0.0 and 0.0 are the same number (SQLite keeps 0.0)."""
        return tuple(repr(_same_zero(m.get(field))) for field in READ_BACK)

    expected = [
        {
            "name": r["n"],
            "unit": r.get("u"),
            "time": r["t"],
            "value": r.get("v"),
            "string_value": r.get("vs"),
            "bool_value": r.get("vb"),
            "data_value": r.get("vd"),
            "sum": r.get("s"),
        }
        for r in pack
    ]
    assert body["total"] == len(pack)
    assert sorted(map(key, body["messages"])) == sorted(map(key, expected))


def _same_zero(value: Any) -> Any:
    return value + 0.0 if isinstance(value, float) else value


def test_a_pack_the_database_refuses_is_422_and_the_next_one_is_stored(
    client: TestClient[Any], fleet: FleetID, wired: dict[str, str]
) -> None:
    """A row no check foresaw but the database refuses is the sender's data, not a fault of
    the server: 422 `unstorable`, nothing of that pack stored, and ingest goes on."""
    channel = wired["channel"]
    refuse_name(fleet, "refused")
    refused = send(client, channel, [{"n": "ok-before", "v": 1}, {"n": "refused", "v": 2}])
    assert_problem(refused, 422, error="unstorable")
    assert send(client, channel, [{"n": "ok-after", "v": 3}]).status_code == 202
    assert [m["name"] for m in read(client, channel)["messages"]] == ["ok-after"]
