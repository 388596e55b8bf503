"""The password reset flow: a reset e-mail through the outbox or SMTP, then a new password.
Tokens reset once, expire, name no host the caller chose, and the request does not tell
registered identities apart."""

import email as email_parser
import re
import socket
import threading
from collections.abc import Iterator
from email import policy as email_policy
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from litestar.testing import TestClient

from domain.causes import Interface
from infrastructure.schema import mail_outbox
from interfaces.bootstrap import FleetID, build, ensure_first_admin
from interfaces.rest.app import create_app
from tests.api.support import assert_problem, new_identity
from tests.conftest import make_settings
from tests.helpers import admin_token, bearer, free_port, register, sign_in

LINK = "https://console.example/reset?token="


@pytest.fixture
def reset_fleet(tmp_path: Path) -> Iterator[FleetID]:
    settings = make_settings(
        tmp_path / "data", f"sqlite:///{tmp_path / 'reset.db'}", password_reset_link=LINK
    )
    fleet = build(settings)
    ensure_first_admin(fleet, Interface.CLI)
    try:
        yield fleet
    finally:
        fleet.close()


@pytest.fixture
def reset_client(reset_fleet: FleetID) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(reset_fleet)) as client:
        yield client


def outbox(fleet: FleetID) -> list[dict[str, Any]]:
    with fleet.engine.connect() as conn:
        rows = conn.execute(sa.select(mail_outbox).order_by(mail_outbox.c.id)).mappings()
        return [dict(row) for row in rows]


def token_in(body: str) -> str:
    found = re.search(re.escape(LINK) + r"(\S+)", body)
    assert found, body
    return found.group(1)


def ask(client: TestClient[Any], email: str, **headers: str) -> Any:
    return client.post(
        "/password/reset-request", json={"email": email, "host": ""}, headers=headers
    )


def reset(client: TestClient[Any], token: str, password: str, confirm: str | None = None) -> Any:
    body = {"token": token, "password": password, "confirm_password": confirm or password}
    return client.put("/password/reset", json=body)


def test_a_reset_through_the_outbox_sets_the_password_once(
    reset_fleet: FleetID, reset_client: TestClient[Any]
) -> None:
    client = reset_client
    email = new_identity("forgetful")
    register(client, email, "old-password-1", token=admin_token(client))
    old_session = sign_in(client, email, "old-password-1")

    asked = ask(client, email, Referer="https://evil.example/steal?token=")
    (mail,) = outbox(reset_fleet)
    token = token_in(mail["body"])
    done = reset(client, token, "new-password-2")
    again = reset(client, token, "third-password-3")

    assert asked.status_code == 201, asked.text
    assert asked.json() == {"msg": "Email with reset link is sent"}
    assert mail["recipient"] == email
    assert "evil.example" not in mail["body"]
    assert done.status_code == 201, done.text
    assert done.json() == {}
    assert sign_in(client, email, "new-password-2")
    refused = client.post(
        "/users/tokens/issue", json={"identity": email, "secret": "old-password-1"}
    )
    assert_problem(refused, 401)
    assert_problem(client.get("/users/profile", headers=bearer(old_session)), 401)
    assert_problem(again, 401)


def test_unknown_identities_get_the_same_answer_and_no_mail(
    reset_fleet: FleetID, reset_client: TestClient[Any]
) -> None:
    response = ask(reset_client, "nobody@fleet.example")

    assert response.status_code == 201, response.text
    assert response.json() == {"msg": "Email with reset link is sent"}
    assert outbox(reset_fleet) == []


def test_bad_resets_are_refused_and_change_nothing(
    reset_fleet: FleetID, reset_client: TestClient[Any]
) -> None:
    client = reset_client
    email = new_identity("careful")
    register(client, email, "first-password-1", token=admin_token(client))
    ask(client, email)
    token = token_in(outbox(reset_fleet)[0]["body"])
    access = sign_in(client, email, "first-password-1")

    assert_problem(
        reset(client, token, "new-password-2", "other-password-3"), 400, field="confirm_password"
    )
    assert_problem(reset(client, token, "short"), 400, field="password")
    assert_problem(reset(client, token[:-4] + "AAAA", "new-password-2"), 401)
    assert_problem(reset(client, access, "new-password-2"), 401)
    assert_problem(client.put("/password/reset", json={"token": token}), 400)
    assert sign_in(client, email, "first-password-1"), "nothing was changed"
    assert reset(client, token, "new-password-2").status_code == 201


def test_reset_requests_are_throttled_per_identity(
    reset_fleet: FleetID, reset_client: TestClient[Any]
) -> None:
    client = reset_client
    email = new_identity("flooded")
    register(client, email, "some-password-1", token=admin_token(client))

    answers = [ask(client, email).status_code for _ in range(7)]

    assert answers[:5] == [201] * 5
    assert answers[-1] == 429
    assert len(outbox(reset_fleet)) == 5


class SmtpListener:
    """Just enough of an SMTP server (RFC 5321, no extensions) to receive one message."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[str] = []
        self._socket = socket.create_server(("127.0.0.1", self.port))
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        connection, _ = self._socket.accept()
        with connection, connection.makefile("rwb") as stream:

            def say(line: str) -> None:
                stream.write(line.encode() + b"\r\n")
                stream.flush()

            say("220 test ESMTP")
            while line := stream.readline():
                command = line.decode().strip().upper()
                if command.startswith("DATA"):
                    say("354 go on")
                    data = []
                    while (part := stream.readline()) not in (b".\r\n", b""):
                        data.append(part.decode())
                    self.messages.append("".join(data))
                    say("250 queued")
                elif command.startswith("QUIT"):
                    say("221 bye")
                    return
                else:
                    say("250 ok")

    def close(self) -> None:
        self._socket.close()
        self._thread.join(timeout=5)


def test_with_smtp_configured_the_mail_goes_to_the_smtp_server(tmp_path: Path) -> None:
    listener = SmtpListener()
    settings = make_settings(
        tmp_path / "data",
        f"sqlite:///{tmp_path / 'smtp.db'}",
        password_reset_link=LINK,
        smtp_host="127.0.0.1",
        smtp_port=listener.port,
        smtp_security="none",
        smtp_from="fleet@fleet.example",
    )
    fleet = build(settings)
    try:
        ensure_first_admin(fleet, Interface.CLI)
        with TestClient(create_app(fleet)) as client:
            email = new_identity("mailed")
            register(client, email, "some-password-1", token=admin_token(client))
            asked = ask(client, email)
            listener.close()
            (message,) = listener.messages
            text = email_parser.message_from_string(message, policy=email_policy.default)
            done = reset(client, token_in(text.get_content()), "new-password-2")
            queued = outbox(fleet)
    finally:
        fleet.close()

    assert asked.status_code == 201, asked.text
    assert f"To: {email}" in message
    assert "From: fleet@fleet.example" in message
    assert done.status_code == 201, done.text
    assert queued == []


def test_an_unreachable_smtp_server_answers_503_not_a_crash(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path / "data",
        f"sqlite:///{tmp_path / 'down.db'}",
        smtp_host="127.0.0.1",
        smtp_port=free_port(),
        smtp_security="none",
    )
    fleet = build(settings)
    try:
        ensure_first_admin(fleet, Interface.CLI)
        with TestClient(create_app(fleet)) as client:
            email = new_identity("unlucky")
            register(client, email, "some-password-1", token=admin_token(client))
            response = ask(client, email)
    finally:
        fleet.close()

    assert_problem(response, 503, error="mail_not_sent")
