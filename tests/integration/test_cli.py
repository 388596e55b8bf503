"""The `fleetid` command as operators run it: settings from the environment, a real database."""

import json
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from domain.causes import Interface
from interfaces.bootstrap import announce_admin_api, build, ensure_first_admin
from interfaces.cli import main
from interfaces.mqtt.packets import V311
from tests.conftest import ADMIN_IDENTITY, ADMIN_SECRET, make_settings
from tests.helpers import (
    admin_sign_in_when_up,
    bearer,
    free_port,
    metric_samples,
    metric_total,
    server_env,
)
from tests.mqtt.raw import BAD_CREDENTIALS, RawClient


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = server_env(tmp_path / "data", f"sqlite:///{tmp_path / 'cli.db'}")
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def test_config_prints_effective_settings_with_secrets_masked(
    env: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLEETID_DATABASE_URL", "postgresql://fleet:pg-pass-123@db:5432/fleet")

    assert main(["config"]) == 0

    out = capsys.readouterr().out
    assert "FLEETID_DATABASE_URL=postgresql://fleet:****@db:5432/fleet" in out
    assert "FLEETID_ADMIN_SECRET=****" in out
    assert f"FLEETID_ADMIN_IDENTITY={ADMIN_IDENTITY}" in out
    assert "pg-pass-123" not in out
    assert ADMIN_SECRET not in out


def test_config_refuses_a_malformed_setting(
    env: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLEETID_HTTP_PORT", "eighty")

    assert main(["config"]) == 2
    assert "FLEETID_HTTP_PORT" in capsys.readouterr().err


def test_serve_refuses_hook_ingest_without_a_hook_secret(
    env: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLEETID_MQTT_INGEST", "hooks")

    assert main(["serve"]) == 2
    assert "FLEETID_MQTT_INGEST=hooks needs FLEETID_MQTT_HOOK_SECRET" in capsys.readouterr().err


def test_rebuild_reports_progress_and_rate(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    fleet = build(make_settings(Path(env["FLEETID_DATA_DIR"]), env["FLEETID_DATABASE_URL"]))
    ensure_first_admin(fleet, Interface.CLI)
    events = fleet.projections.position
    fleet.close()
    assert events >= 2

    assert main(["projections", "rebuild"]) == 0

    captured = capsys.readouterr()
    assert "100.0%" in captured.err
    assert f"position {events}/{events}" in captured.err
    assert f"rebuilt read models from {events} events" in captured.out
    assert "events/s" in captured.out


def test_erase_of_an_unknown_user_fails_cleanly(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["users", "erase", "00000000-0000-0000-0000-00000000abcd"]) == 1
    assert "user not found" in capsys.readouterr().err


def test_admin_key_settings_are_checked_and_masked(
    env: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert "FLEETID_ADMIN_API_KEY=****" in out
    assert env["FLEETID_ADMIN_API_KEY"] not in out

    monkeypatch.setenv("FLEETID_ADMIN_API_KEY", "too-short")
    assert main(["config"]) == 2
    assert "at least 16" in capsys.readouterr().err

    key_file = tmp_path / "admin.key"
    key_file.write_text("  from-a-mounted-secret-0123456789\n")
    monkeypatch.setenv("FLEETID_ADMIN_API_KEY_FILE", str(key_file))
    assert main(["config"]) == 2, "the key and its file both set"
    assert "not both" in capsys.readouterr().err
    monkeypatch.delenv("FLEETID_ADMIN_API_KEY")
    assert main(["config"]) == 0
    assert "from-a-mounted-secret" not in capsys.readouterr().out


def test_start_up_says_whether_the_admin_api_is_served(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        announce_admin_api(make_settings(tmp_path, "sqlite://", admin_api_key=""))
        announce_admin_api(make_settings(tmp_path, "sqlite://"))
    off, on = caplog.records[-2:]
    assert off.levelno == logging.WARNING
    assert "is not served (404)" in off.getMessage()
    assert "FLEETID_ADMIN_API_KEY" in off.getMessage()
    assert on.levelno == logging.INFO
    assert "is served" in on.getMessage()


def test_admin_key_rotate_needs_a_configured_key(
    env: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FLEETID_ADMIN_API_KEY")
    assert main(["admin-key", "rotate"]) == 2
    assert "no admin API key is configured" in capsys.readouterr().err
    monkeypatch.setenv("FLEETID_ADMIN_API_KEY", env["FLEETID_ADMIN_API_KEY"])
    assert main(["admin-key", "rotate", "--grace", "-1"]) == 2
    assert main(["admin-key", "rotate", "--grace", "60"]) == 0
    printed = capsys.readouterr()
    assert len(printed.out.strip()) == 64
    assert "shown this once" in printed.err


def test_serve_creates_the_first_admin_and_answers_over_http_and_mqtt(
    env: dict[str, str],
) -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "interfaces.cli", "serve", "--port", str(port)],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        response = admin_sign_in_when_up(f"http://127.0.0.1:{port}")
        assert response.status_code == 201, response.text
        token = response.json()["access_token"]
        profile = httpx.get(
            f"http://127.0.0.1:{port}/users/profile", headers={"Authorization": f"Bearer {token}"}
        )
        assert profile.json()["role"] == "admin"
        mqtt = RawClient(int(env["FLEETID_MQTT_PORT"]))
        assert mqtt.connect("nobody", "nobody", "wrong") == BAD_CREDENTIALS[V311]
    finally:
        server.terminate()
        assert server.wait(timeout=30) == 0


def test_serve_answers_one_scrape_for_every_worker_and_the_broker(
    env: dict[str, str], tmp_path: Path
) -> None:
    """Two HTTP workers and the broker's process write their own metrics; whichever worker
    answers a scrape merges them all, and a previous run's files are gone."""
    stale = Path(env["FLEETID_DATA_DIR"]) / "metrics" / "counter_1.db"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"a previous run")
    port, secret = free_port(), "scraped-thing-secret"
    server = subprocess.Popen(
        [sys.executable, "-m", "interfaces.cli", "serve", "--port", str(port)],
        env={**os.environ, **env, "FLEETID_HTTP_WORKERS": "2"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        auth = bearer(admin_sign_in_when_up(base).json()["access_token"])
        created = httpx.post(
            f"{base}/things", json={"credentials": {"secret": secret}}, headers=auth
        )
        thing = created.json()["id"]
        for _ in range(20):
            assert httpx.get(f"{base}/health").status_code == 200
        mqtt = RawClient(int(env["FLEETID_MQTT_PORT"]))
        assert mqtt.connect(thing, thing, secret) == 0

        for _ in range(4):
            samples = metric_samples(httpx.get(f"{base}/metrics").text)
            health = {"route": "/health", "status": "200"}
            assert metric_total(samples, "fleetid_http_requests_total", **health) == 20
            assert metric_total(samples, "fleetid_mqtt_connections") == 1
        assert not stale.exists()
        mqtt.close()
    finally:
        server.terminate()
        assert server.wait(timeout=30) == 0


def test_mosquitto_files_are_written_for_the_registry(
    env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "mqtt"

    assert main(["mqtt", "mosquitto-files", str(target)]) == 0

    assert f"wrote {target / 'passwords'}" in capsys.readouterr().out
    assert (target / "passwords").stat().st_mode & 0o777 == 0o600
    assert "pattern write from/module/%u/#" in (target / "acl").read_text()


def test_serve_stops_with_a_hint_when_the_mqtt_port_is_taken(env: dict[str, str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        finished = subprocess.run(
            [sys.executable, "-m", "interfaces.cli", "serve", "--port", str(free_port())],
            env={**os.environ, **env, "FLEETID_MQTT_PORT": port},
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert finished.returncode == 1
    assert "set FLEETID_MQTT_PORT to a free port" in finished.stderr


def test_log_export_writes_every_event_as_the_api_shows_it(
    env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from application.ports.event_log import EventFilter
    from tests.integration.test_event_log import AUDITOR, indexed
    from tests.integration.test_mqtt_access import thing

    settings = make_settings(tmp_path / "data", env["FLEETID_DATABASE_URL"])
    fleet = build(settings)
    try:
        ensure_first_admin(fleet, Interface.CLI)
        for n in range(3):
            thing(fleet, f"export-secret-{n}")
        last = indexed(fleet)
        shown = fleet.services.event_log.page(AUDITOR, EventFilter(limit=1000)).lines
    finally:
        fleet.close()
    target = tmp_path / "log.ndjson"

    assert main(["log", "export", "--output", str(target)]) == 0

    lines = target.read_bytes().splitlines()
    assert lines == shown
    assert [json.loads(line)["position"] for line in lines] == list(range(1, last + 1))
    assert "events/s" in capsys.readouterr().err
    assert main(["log", "export", "--output", str(target), "--after", "2"]) == 0
    assert target.read_bytes().splitlines() == shown[2:]


def test_projections_verify_reports_a_divergence_by_table_and_key(
    env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlalchemy as sa

    from tests.integration.test_mqtt_access import thing

    fleet = build(make_settings(tmp_path / "data", env["FLEETID_DATABASE_URL"]))
    try:
        device = thing(fleet, "verify-cli-secret")
    finally:
        fleet.close()

    assert main(["projections", "verify"]) == 0
    assert "things: 1 row versions" in capsys.readouterr().out

    fleet = build(make_settings(tmp_path / "data", env["FLEETID_DATABASE_URL"]), follow=False)
    try:
        with fleet.engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE things SET name = 'forged' WHERE id = :i"), {"i": str(device)}
            )
    finally:
        fleet.close()

    assert main(["projections", "verify"]) == 1
    out = capsys.readouterr().out
    assert "things: 1 row versions" in out
    assert "DIFFERS in 1 row versions" in out
    assert f"things {device}@" in out
