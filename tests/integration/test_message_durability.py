"""A 202 for a message means it is stored: kill -9 the server in the middle of a stream of
sends, and every pack that was answered 202 is in the message store afterwards."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import sqlalchemy as sa

from infrastructure.database import create_engine
from infrastructure.schema import messages
from interfaces.mqtt.packets import Kind
from tests.helpers import admin_sign_in_when_up, free_port, server_env
from tests.mqtt.raw import RawClient

SENDERS = 8


def _serve(
    tmp_path: Path, database_url: str, port: int, mqtt_port: int = 0
) -> "subprocess.Popen[bytes]":
    env = {**os.environ, **server_env(tmp_path / "data", database_url)}
    if mqtt_port:
        env["FLEETID_MQTT_PORT"] = str(mqtt_port)
    return subprocess.Popen(
        [sys.executable, "-m", "interfaces.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _admin(base: str) -> httpx.Client:
    token = admin_sign_in_when_up(base).json()["access_token"]
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"})


def test_every_message_answered_202_survives_a_kill_9(tmp_path: Path, database_url: str) -> None:
    port = free_port()
    server = _serve(tmp_path, database_url, port)
    base = f"http://127.0.0.1:{port}"
    acknowledged: list[str] = []
    stop = threading.Event()
    try:
        with _admin(base) as admin:
            thing = admin.post("/things", json={"credentials": {"secret": "kill-secret-1"}})
            channel = admin.post("/channels", json={"name": "durable"}).json()["id"]
            connect = {"subjects": [thing.json()["id"]], "objects": [channel]}
            assert admin.post("/connect", json=connect).status_code == 201

        def sender(index: int) -> None:
            headers = {
                "Authorization": "Thing kill-secret-1",
                "Content-Type": "application/senml+json",
            }
            with httpx.Client(base_url=base, headers=headers, timeout=5) as client:
                for sequence in range(10**6):
                    if stop.is_set():
                        return
                    name = f"sender{index}-{sequence}"
                    try:
                        response = client.post(
                            f"/http/channels/{channel}/messages",
                            content=f'[{{"n":"{name}","v":{sequence}}}]',
                        )
                    except httpx.TransportError:
                        return
                    if response.status_code == 202:
                        acknowledged.append(name)

        threads = [threading.Thread(target=sender, args=(i,)) for i in range(SENDERS)]
        for thread in threads:
            thread.start()
        while len(acknowledged) < 200:
            time.sleep(0.01)
        os.killpg(server.pid, signal.SIGKILL)
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
    finally:
        stop.set()
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)

    stored = _stored_names(database_url)
    assert len(acknowledged) >= 200
    assert set(acknowledged) <= stored


def test_every_qos1_publish_acknowledged_over_mqtt_survives_a_kill_9(
    tmp_path: Path, database_url: str
) -> None:
    """A PUBACK is sent only once the message is committed: killing every FleetID process in
    the middle of a stream loses none that was acknowledged (what was in flight is the
    device's to send again)."""
    port, mqtt_port = free_port(), free_port()
    server = _serve(tmp_path, database_url, port, mqtt_port)
    base = f"http://127.0.0.1:{port}"
    sent: dict[int, str] = {}
    acknowledged: list[str] = []
    try:
        with _admin(base) as admin:
            made = admin.post("/things", json={"credentials": {"secret": "kill-secret-2"}}).json()
            channel = admin.post("/channels", json={"name": "durable"}).json()["id"]
            connect = {"subjects": [made["id"]], "objects": [channel]}
            assert admin.post("/connect", json=connect).status_code == 201
        raw = RawClient(mqtt_port, timeout=10)
        assert raw.connect(made["id"], made["id"], "kill-secret-2") == 0
        topic = f"channels/{channel}/messages"
        for sequence in range(1, 10**6):
            packet_id = sequence % 65535 + 1
            sent[packet_id] = f"mqtt-{sequence}"
            raw.publish(topic, f'[{{"n":"mqtt-{sequence}","v":1}}]'.encode(), packet_id=packet_id)
            if sequence > 100:
                kind, body = raw.read()
                assert kind == Kind.PUBACK
                acknowledged.append(sent.pop(int.from_bytes(body[:2], "big")))
            if len(acknowledged) == 500:
                os.killpg(server.pid, signal.SIGKILL)
                break
        raw.close()
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)

    stored = _stored_names(database_url)
    assert len(acknowledged) == 500
    assert set(acknowledged) <= stored


def _stored_names(database_url: str) -> set[str]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return set(conn.scalars(sa.select(messages.c.name)))
    finally:
        engine.dispose()
