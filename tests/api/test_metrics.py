"""`GET /metrics`: Prometheus's text format, read back with prometheus_client's own parser, from
the real app on a real database. The metrics are the test process's own (one process: no
multi-process directory), shared by every app the suite starts, so each test compares a scrape
taken before its requests with one taken after."""

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from domain.causes import Interface
from infrastructure.metrics_exposition import FRESH_FOR
from interfaces.bootstrap import build, ensure_first_admin
from interfaces.rest.app import create_app
from tests.api.support import assert_problem
from tests.conftest import ADMIN_IDENTITY, ADMIN_SECRET, make_settings
from tests.helpers import admin_token, bearer, metric_samples, metric_total
from tests.seed_examples import SENML_PACK

METRICS_TOKEN = "scrape-token-4711"
SENML = {"Content-Type": "application/senml+json"}
THING_SECRET = "metrics-thing-secret"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


@contextmanager
def app(tmp_path: Path, **overrides: Any) -> Iterator[TestClient[Any]]:
    """One failed sign-in locks an identity out, so a refusal is one request away."""
    settings = make_settings(
        tmp_path / "data",
        f"sqlite:///{tmp_path / 'metrics.db'}",
        throttle_identity_failures=1,
        **overrides,
    )
    fleet = build(settings)
    try:
        ensure_first_admin(fleet, Interface.CLI)
        with TestClient(create_app(fleet)) as client:
            yield client
    finally:
        fleet.close()


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient[Any]]:
    with app(tmp_path) as test_client:
        yield test_client


_LAST_SCRAPE: dict[int, float] = {}


def scrape(client: TestClient[Any], **headers: str) -> list[Sample]:
    """A scrape newer than the last one of this client's app: a render is answered again for
    FRESH_FOR seconds (a flood of scrapes costs one render a second)."""
    since = time.monotonic() - _LAST_SCRAPE.get(id(client.app), -FRESH_FOR)
    time.sleep(max(0.0, FRESH_FOR - since))
    response = client.get("/metrics", headers=headers)
    _LAST_SCRAPE[id(client.app)] = time.monotonic()
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return metric_samples(response.text)


def grown(before: list[Sample], after: list[Sample], name: str, **labels: str) -> float:
    """How much a metric's total grew from one scrape to the next."""
    return metric_total(after, name, **labels) - metric_total(before, name, **labels)


def families(client: TestClient[Any]) -> dict[str, str]:
    """Each metric family's name and type."""
    text = client.get("/metrics").text
    return {family.name: family.type for family in text_string_to_metric_families(text)}


def connected_thing(client: TestClient[Any], auth: dict[str, str]) -> tuple[str, str]:
    """A thing that may write to a channel: their ids."""
    thing = client.post("/things", json={"credentials": {"secret": THING_SECRET}}, headers=auth)
    channel = client.post("/channels", json={"name": "metered"}, headers=auth)
    thing_id, channel_id = thing.json()["id"], channel.json()["id"]
    connect = {"subjects": [thing_id], "objects": [channel_id]}
    assert client.post("/connect", json=connect, headers=auth).status_code == 201
    return thing_id, channel_id


def test_requests_are_counted_by_route_template_and_status(client: TestClient[Any]) -> None:
    auth = bearer(admin_token(client))
    thing_id = client.post("/things", json={}, headers=auth).json()["id"]
    before = scrape(client)

    assert client.get(f"/things/{thing_id}", headers=auth).status_code == 200
    assert client.get(f"/things/{thing_id}", headers=auth).status_code == 200
    missing = client.get("/things/00000000-0000-0000-0000-000000000001", headers=auth)
    assert missing.status_code == 404
    assert client.get("/no/such/route").status_code == 404

    after = scrape(client)
    route = {"method": "GET", "route": "/things/{thing_id}"}
    requests = "fleetid_http_requests_total"
    assert grown(before, after, requests, **route, status="200") == 2
    assert grown(before, after, requests, **route, status="404") == 1
    assert grown(before, after, requests, method="GET", route="unmatched", status="404") == 1
    assert grown(before, after, "fleetid_http_request_duration_seconds_count", **route) == 3
    buckets = [s for s in after if s.name == "fleetid_http_request_duration_seconds_bucket"]
    assert "+Inf" in {s.labels["le"] for s in buckets if s.labels["route"] == route["route"]}


def test_the_metric_families_have_their_documented_types(client: TestClient[Any]) -> None:
    client.get("/health")

    found = families(client)

    assert found["fleetid_http_requests"] == "counter"
    assert found["fleetid_http_request_duration_seconds"] == "histogram"
    assert found["fleetid_commit_batch_size"] == "histogram"
    assert found["fleetid_commit_duration_seconds"] == "histogram"
    assert found["fleetid_mqtt_connections"] == "gauge"
    assert found["fleetid_projection_lag_events"] == "gauge"
    assert found["fleetid_projection_lag_seconds"] == "gauge"


def test_a_write_shows_in_the_event_writer_batches(client: TestClient[Any]) -> None:
    auth = bearer(admin_token(client))
    before = scrape(client)

    assert client.post("/channels", json={"name": "counted"}, headers=auth).status_code == 201

    after = scrape(client)
    for name in (
        "fleetid_commit_batch_size_count",
        "fleetid_commit_batch_size_sum",
        "fleetid_commit_duration_seconds_count",
    ):
        assert grown(before, after, name, writer="event-writer") >= 1, name


def test_a_senml_post_counts_its_records_as_stored_over_http(client: TestClient[Any]) -> None:
    _thing, channel = connected_thing(client, bearer(admin_token(client)))
    before = scrape(client)

    sent = client.post(
        f"/http/channels/{channel}/messages",
        json=SENML_PACK,
        headers={**SENML, "Authorization": f"Thing {THING_SECRET}"},
    )

    assert sent.status_code == 202, sent.text
    after = scrape(client)
    stored = grown(before, after, "fleetid_telemetry_records_stored_total", protocol="http")
    assert stored == len(SENML_PACK)
    batches = "fleetid_commit_batch_size_count"
    assert grown(before, after, batches, writer="message-writer") >= 1


def test_a_throttled_sign_in_counts_as_a_refusal_by_the_identity_limit(
    client: TestClient[Any],
) -> None:
    before = scrape(client)
    wrong = {"identity": ADMIN_IDENTITY, "secret": "not-the-secret"}
    assert_problem(client.post("/users/tokens/issue", json=wrong), 401)

    assert_problem(client.post("/users/tokens/issue", json=wrong), 429)

    after = scrape(client)
    assert grown(before, after, "fleetid_throttle_refusals_total", limit="identity") == 1


def test_the_read_models_show_no_lag_once_a_write_is_answered(client: TestClient[Any]) -> None:
    client.post("/channels", json={"name": "applied"}, headers=bearer(admin_token(client)))

    samples = scrape(client)

    lag = [s for s in samples if s.name.startswith("fleetid_projection_lag_")]
    assert {s.labels["projection"] for s in lag} >= {"users", "things", "channels"}
    assert all(s.value == 0 for s in lag), lag


def test_no_label_names_an_id_an_identity_or_a_secret(client: TestClient[Any]) -> None:
    token = admin_token(client)
    thing, channel = connected_thing(client, bearer(token))
    client.get(f"/things/{thing}", headers=bearer(token))
    client.get(f"/channels/{channel}/messages", headers={"Authorization": f"Thing {THING_SECRET}"})
    client.get(f"/things/{thing}/nothing-here?as_of=1")

    values = {value for s in scrape(client) for value in s.labels.values()}

    assert not [v for v in values if UUID.search(v)], values
    for private in (ADMIN_IDENTITY, ADMIN_SECRET, THING_SECRET, token):
        assert not [v for v in values if private in v], private


def test_with_a_token_set_only_its_bearer_may_scrape(tmp_path: Path) -> None:
    with app(tmp_path, metrics_token=METRICS_TOKEN) as guarded:
        assert_problem(guarded.get("/metrics"), 401)
        assert_problem(guarded.get("/metrics", headers=bearer("another-token")), 401)
        assert_problem(guarded.get("/metrics", headers=bearer(admin_token(guarded))), 401)

        assert scrape(guarded, **bearer(METRICS_TOKEN))


def test_without_a_token_anyone_may_scrape(client: TestClient[Any]) -> None:
    assert scrape(client)


def test_a_flood_of_scrapes_is_answered_from_one_render_a_second(client: TestClient[Any]) -> None:
    first = client.get("/metrics").text
    client.get("/health")
    again = [client.get("/metrics").text for _ in range(50)]

    assert set(again) == {first}, "within the second, the same render"
    time.sleep(FRESH_FOR)
    later = metric_samples(client.get("/metrics").text)
    assert grown(metric_samples(first), later, "fleetid_http_requests_total", route="/health") == 1
