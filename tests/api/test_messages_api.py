"""Send Messages and Read Messages of the seed, over HTTP against the real app."""

from typing import Any

import cbor2
import pytest
from litestar.testing import TestClient

from tests.api.support import assert_problem, new_identity
from tests.helpers import admin_token, bearer, register, sign_in
from tests.seed_examples import SENML_PACK

SENML = {"Content-Type": "application/senml+json"}


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
    assert_problem(malformed, 400, error="malformed_payload")
    plain = client.post(
        f"/http/channels/{channel}/messages",
        content=b"21.5",
        headers={"Content-Type": "text/plain", **thing_auth()},
    )
    assert_problem(plain, 415)
    assert read(client, channel)["total"] == 0


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


@pytest.mark.parametrize("query", ["v=nan", "v=inf", "from=-inf", "comparator=ne&v=1", "vb=maybe"])
def test_bad_reader_filters_answer_400(
    client: TestClient[Any], wired: dict[str, str], query: str
) -> None:
    response = client.get(f"/channels/{wired['channel']}/messages?{query}", headers=thing_auth())
    assert_problem(response, 400)
