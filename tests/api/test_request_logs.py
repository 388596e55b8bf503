"""Request ids and JSON log lines: every answer carries `X-Request-ID`, and every line logged
while handling the request carries the same id, with the JSON formatter FLEETID_LOG_FORMAT=json
installs."""

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from infrastructure.logging_config import JsonLines
from interfaces.bootstrap import FleetID
from interfaces.rest.app import create_app
from tests.conftest import ADMIN_IDENTITY

RESET_REQUEST = {"email": ADMIN_IDENTITY, "host": ""}
"""A request whose handling logs a line: the reset e-mail is queued in the outbox."""


@pytest.fixture
def json_lines(caplog: pytest.LogCaptureFixture) -> Iterator[io.StringIO]:
    """What the root logger writes through the JSON formatter while the test runs."""
    caplog.set_level(logging.INFO)
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    handler.setFormatter(JsonLines())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield written
    finally:
        root.removeHandler(handler)


def lines(written: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in written.getvalue().splitlines()]


def test_a_line_logged_for_a_request_carries_the_id_the_caller_sent(
    client: TestClient[Any], json_lines: io.StringIO
) -> None:
    asked = client.post(
        "/password/reset-request", json=RESET_REQUEST, headers={"X-Request-ID": "trace-42.a_b"}
    )

    assert asked.status_code == 201, asked.text
    assert asked.headers["x-request-id"] == "trace-42.a_b"
    (queued,) = [line for line in lines(json_lines) if line["logger"] == "infrastructure.mailers"]
    assert set(queued) == {"time", "level", "logger", "message", "request_id"}
    assert queued["request_id"] == "trace-42.a_b"
    assert queued["level"] == "INFO"
    assert queued["message"].startswith("queued an e-mail")
    assert queued["time"].endswith("Z")


@pytest.mark.parametrize(
    "presented", ["has spaces", "x" * 65, "new\\nline", "ünïcode", "{json}", ""]
)
def test_an_unsafe_or_missing_id_is_replaced_by_a_fresh_one(
    client: TestClient[Any], json_lines: io.StringIO, presented: str
) -> None:
    headers = {"X-Request-ID": presented.encode()} if presented else {}

    asked = client.post("/password/reset-request", json=RESET_REQUEST, headers=headers)

    given = asked.headers["x-request-id"]
    assert given != presented
    prefix, counter = given.split("-")
    assert (len(prefix), int(prefix, 16) >= 0, int(counter, 16) > 0) == (12, True, True)
    (queued,) = [line for line in lines(json_lines) if line["logger"] == "infrastructure.mailers"]
    assert queued["request_id"] == given


def test_every_answer_gets_its_own_id_errors_included(client: TestClient[Any]) -> None:
    answers = [client.get("/health"), client.get("/health"), client.get("/no/such/route")]

    ids = {answer.headers["x-request-id"] for answer in answers}

    assert answers[2].status_code == 404
    assert len(ids) == 3


def test_the_app_leaves_the_process_logging_as_configure_logging_set_it(
    sqlite_fleet: FleetID,
) -> None:
    """Litestar's own logging setup would replace the root logger's handlers, and with them the
    format FLEETID_LOG_FORMAT chose, in every worker."""
    root = logging.getLogger()
    handlers = list(root.handlers)

    create_app(sqlite_fleet)

    assert root.handlers == handlers


def test_a_line_logged_outside_a_request_has_no_request_id(json_lines: io.StringIO) -> None:
    logging.getLogger("fleetid.test").warning("a %s line", "plain")

    (line,) = lines(json_lines)
    assert line["message"] == "a plain line"
    assert line["level"] == "WARNING"
    assert "request_id" not in line
