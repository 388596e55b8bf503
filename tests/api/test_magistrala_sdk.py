"""The bodies Magistrala's Go SDK (pkg/sdk/go of the seed's version) sends, as it sends them.

Go's encoding/json writes every member without `omitempty` and every `time.Time`, so the SDK sends
`"id": ""`, zero timestamps and empty credentials; the answers must be what the SDK decodes, with
the status code it checks (`processRequest(..., expected)`).
"""

import base64
from typing import Any

from litestar.testing import TestClient

from tests.api.support import assert_problem, new_identity
from tests.helpers import admin_token, bearer

ZERO = "0001-01-01T00:00:00Z"
SDK = {"Content-Type": "application/json"}


def sdk_call(
    client: TestClient[Any], method: str, path: str, body: Any, token: str, expected: int
) -> Any:
    response = client.request(method, path, json=body, headers={**SDK, **bearer(token)})
    assert response.status_code == expected, response.text
    return response.json()


def thing(name: str, secret: str = "") -> dict[str, Any]:
    """sdk.Thing with only a name (and maybe a secret) set."""
    credentials = {"secret": secret} if secret else {}
    return {
        "id": "",
        "name": name,
        "credentials": credentials,
        "created_at": ZERO,
        "updated_at": ZERO,
    }


def channel(name: str) -> dict[str, Any]:
    """sdk.Channel with only a name set."""
    return {"id": "", "name": name, "created_at": ZERO, "updated_at": ZERO}


def test_create_user_thing_channel_and_group_as_the_sdk_sends_them(
    client: TestClient[Any],
) -> None:
    token = admin_token(client)
    identity = new_identity("sdk")
    user = {  # sdk.User
        "id": "",
        "name": "sdk user",
        "credentials": {"identity": identity, "secret": "12345678"},
        "created_at": ZERO,
        "updated_at": ZERO,
    }

    created_user = sdk_call(client, "POST", "/users", user, token, 201)
    created_thing = sdk_call(client, "POST", "/things", thing("sdk thing"), token, 201)
    created_channel = sdk_call(client, "POST", "/channels", channel("sdk channel"), token, 201)
    created_group = sdk_call(client, "POST", "/groups", channel("sdk group"), token, 201)

    assert created_user["credentials"]["identity"] == identity
    assert created_user["status"] == "enabled"
    assert created_thing["name"] == "sdk thing"
    assert created_thing["credentials"]["secret"], "an empty secret is generated, as when absent"
    assert created_thing["created_at"] != ZERO
    assert created_channel["name"] == "sdk channel"
    assert created_group["name"] == "sdk group"
    assert {created_thing["status"], created_channel["status"]} == {"enabled"}


def test_bulk_creates_and_updates_as_the_sdk_sends_them(client: TestClient[Any]) -> None:
    token = admin_token(client)
    things = [thing("bulk a", "bulk-secret-a"), thing("bulk b")]

    made_things = sdk_call(client, "POST", "/things/bulk", things, token, 200)["things"]
    made_channels = sdk_call(
        client, "POST", "/channels/bulk", [channel("x"), channel("y")], token, 200
    )["channels"]
    one_thing, one_channel = made_things[0], made_channels[0]
    patched = sdk_call(
        client,
        "PATCH",
        f"/things/{one_thing['id']}",
        {**thing("renamed thing"), "id": one_thing["id"], "metadata": {"floor": 2}},
        token,
        200,
    )
    replaced = sdk_call(
        client,
        "PUT",
        f"/channels/{one_channel['id']}",
        {**channel("renamed channel"), "id": one_channel["id"], "status": "enabled"},
        token,
        200,
    )

    assert [t["name"] for t in made_things] == ["bulk a", "bulk b"]
    assert made_things[0]["credentials"]["secret"] == "bulk-secret-a"
    assert [c["name"] for c in made_channels] == ["x", "y"]
    assert (patched["name"], patched["metadata"]) == ("renamed thing", {"floor": 2})
    assert replaced["name"] == "renamed channel"


def test_connect_and_one_policy_as_the_sdk_sends_them(client: TestClient[Any]) -> None:
    """The seed answers 201 to /connect (the SDK of the later code checks 200: the seed wins)."""
    token = admin_token(client)
    made = sdk_call(client, "POST", "/things/bulk", [thing("t1"), thing("t2")], token, 200)
    first, second = (t["id"] for t in made["things"])
    room = sdk_call(client, "POST", "/channels", channel("room"), token, 201)["id"]
    connection_ids = {"subjects": [first], "objects": [room]}  # sdk.ConnectionIDs
    policy = {  # sdk.Policy: a nil actions slice is `null`
        "owner_id": "",
        "subject": second,
        "object": room,
        "actions": None,
        "created_at": ZERO,
        "updated_at": ZERO,
    }

    connected = sdk_call(client, "POST", "/connect", connection_ids, token, 201)
    assigned = sdk_call(client, "POST", "/things/policies", policy, token, 201)

    assert [(p["subject"], p["object"]) for p in connected["policies"]] == [(first, room)]
    assert [sorted(p["actions"]) for p in assigned["policies"]] == [["m_read", "m_write"]]


def test_empty_values_are_absent_but_still_checked(client: TestClient[Any]) -> None:
    """Empty means absent: a nameless channel is refused as one without `name`; a present
    value is still typed, and metadata keeps its empty strings."""
    token = admin_token(client)

    nameless = client.post("/channels", json=channel(""), headers=bearer(token))
    bad_id = client.post("/things", json={**thing("t"), "id": "nope"}, headers=bearer(token))
    bad_status = client.post(
        "/things", json={**thing("t"), "status": "paused"}, headers=bearer(token)
    )
    kept = client.post(
        "/things", json={**thing("t"), "metadata": {"serial": ""}}, headers=bearer(token)
    )

    assert_problem(nameless, 400, field="name")
    assert_problem(bad_id, 400, field="id")
    assert_problem(bad_status, 400, field="status")
    assert kept.status_code == 201, kept.text
    assert kept.json()["metadata"] == {"serial": ""}


def test_send_and_read_messages_as_the_sdk_and_cli_do(client: TestClient[Any]) -> None:
    """`messages send <chan.a.b> <msg> <key>` posts with `Content-Type: application/json` and
    `Thing <key>`; `messages read <chan.a.b> <token>` asks for `?subtopic=a.b` with a user token
    and two Content-Type headers (the SDK's default and its message content type)."""
    token = admin_token(client)
    made = sdk_call(client, "POST", "/things", thing("meter", "meter-secret-1"), token, 201)
    room = sdk_call(client, "POST", "/channels", channel("room"), token, 201)["id"]
    sdk_call(client, "POST", "/connect", {"subjects": [made["id"]], "objects": [room]}, token, 201)
    message = b'[{"bn":"meter:","n":"voltage","u":"V","v":120.1}]'

    sent = client.post(
        f"/http/channels/{room}/messages/a/b",
        content=message,
        headers={"Content-Type": "application/json", "Authorization": "Thing meter-secret-1"},
    )
    read = client.get(
        f"/channels/{room}/messages?subtopic=a/b",
        headers=[
            ("Content-Type", "application/json"),
            ("Content-Type", "application/senml+json"),
            ("Authorization", f"Bearer {token}"),
        ],
    )

    assert sent.status_code == 202, sent.text
    assert read.status_code == 200, read.text
    page = read.json()  # sdk.MessagesPage: total, offset, limit and senml.Message entries
    assert (page["total"], page["offset"], page["limit"]) == (1, 0, 10)
    (stored,) = page["messages"]
    assert stored["name"] == "meter:voltage"
    assert (stored["unit"], stored["value"], stored["subtopic"]) == ("V", 120.1, "a/b")
    assert (stored["channel"], stored["publisher"], stored["protocol"]) == (
        room,
        made["id"],
        "http",
    )


def test_ingest_takes_basic_auth_with_the_secret_as_password(client: TestClient[Any]) -> None:
    """http.yml declares HTTP Basic; the password is the thing secret, the user name ignored."""
    token = admin_token(client)
    made = sdk_call(client, "POST", "/things", thing("gauge", "gauge-secret-1"), token, 201)
    room = sdk_call(client, "POST", "/channels", channel("room"), token, 201)["id"]
    sdk_call(client, "POST", "/connect", {"subjects": [made["id"]], "objects": [room]}, token, 201)
    path = f"/http/channels/{room}/messages"
    pack = b'[{"n":"level","v":3}]'

    def post(authorization: str) -> Any:
        headers = {"Content-Type": "application/json", "Authorization": authorization}
        return client.post(path, content=pack, headers=headers)

    accepted = post("Basic " + base64.b64encode(b"anyone:gauge-secret-1").decode())
    wrong = post("Basic " + base64.b64encode(b"anyone:wrong-secret-1").decode())
    not_base64 = post("Basic !!!")
    no_colon = post("Basic " + base64.b64encode(b"gauge-secret-1").decode())
    not_utf8 = post("Basic " + base64.b64encode(b"x:\xff\xfe").decode())

    assert accepted.status_code == 202, accepted.text
    assert_problem(wrong, 401)
    for refused in (not_base64, no_colon, not_utf8):
        assert_problem(refused, 401)
    stored = client.get(f"/channels/{room}/messages", headers=bearer(token)).json()
    assert stored["total"] == 1


def test_json_that_is_not_a_senml_pack_is_refused_and_not_stored(client: TestClient[Any]) -> None:
    token = admin_token(client)
    made = sdk_call(client, "POST", "/things", thing("probe", "probe-secret-1"), token, 201)
    room = sdk_call(client, "POST", "/channels", channel("room"), token, 201)["id"]
    sdk_call(client, "POST", "/connect", {"subjects": [made["id"]], "objects": [room]}, token, 201)
    headers = {"Content-Type": "application/json", "Authorization": "Thing probe-secret-1"}

    plain_object = client.post(
        f"/http/channels/{room}/messages", content=b'{"temperature": 21.5}', headers=headers
    )

    assert_problem(plain_object, 400)
    assert client.get(f"/channels/{room}/messages", headers=bearer(token)).json()["total"] == 0
