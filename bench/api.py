"""The few FleetID API calls the bench makes itself: sign in, create the users, things and
channels it loads, connect them, and read results back."""

import http.client
import json
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SEED_THREADS = 16
TIMEOUT = 30.0


class ApiError(RuntimeError):
    pass


class Client:
    """One keep-alive connection: the stdlib is enough and adds no dependency to the project."""

    def __init__(self, host: str, port: int, token: str = "") -> None:
        self._host, self._port, self._token = host, port, token
        self._conn: http.client.HTTPConnection | None = None

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        headers = {"Accept": "application/json"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        for attempt in range(2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self._host, self._port, timeout=TIMEOUT)
            try:
                self._conn.request(method, path, payload, headers)
                response = self._conn.getresponse()
                raw = response.read()
            except (http.client.HTTPException, ConnectionError):
                # A keep-alive connection the server closed: reconnect once, then give up.
                self.close()
                if attempt:
                    raise
                continue
            return response.status, json.loads(raw) if raw else None
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def sign_in(host: str, port: int, identity: str, secret: str) -> str:
    client = Client(host, port)
    try:
        status, body = client.call(
            "POST", "/users/tokens/issue", {"identity": identity, "secret": secret}
        )
    finally:
        client.close()
    if status != 201 or not isinstance(body, dict) or "access_token" not in body:
        raise ApiError(f"admin sign-in answered {status}: {body}")
    return str(body["access_token"])


def create_users(
    host: str, port: int, token: str, count: int, time_limit: float
) -> tuple[list[str], dict[int, int]]:
    """Create `count` users in parallel within `time_limit` seconds.

    Returns the new ids and a count of every non-201 status (0 stands for a connection error),
    so that a partial seed is reported rather than silently measured.
    """
    deadline = time.monotonic() + time_limit
    local = threading.local()
    clients: list[Client] = []
    lock = threading.Lock()
    failures: dict[int, int] = {}

    def create(n: int) -> str | None:
        if time.monotonic() > deadline:
            return None
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = Client(host, port, token)
            with lock:
                clients.append(client)
        body = {
            "name": f"Bench User {n}",
            "credentials": {"identity": f"bench-{n}@bench.example", "secret": f"bench-secret-{n}"},
            "tags": ["bench", f"group-{n % 10}"],
            "metadata": {"bench": True, "n": n},
        }
        try:
            status, answer = client.call("POST", "/users", body)
        except OSError:
            status, answer = 0, None
        if status == 201 and isinstance(answer, dict):
            return str(answer["id"])
        with lock:
            failures[status] = failures.get(status, 0) + 1
        return None

    try:
        with ThreadPoolExecutor(SEED_THREADS) as pool:
            ids = [i for i in pool.map(create, range(count)) if i is not None]
    finally:
        for client in clients:
            client.close()
    return ids, failures


def get_user(host: str, port: int, token: str, user_id: str) -> tuple[int, Any]:
    client = Client(host, port, token)
    try:
        return client.call("GET", f"/users/{user_id}")
    finally:
        client.close()


@dataclass(frozen=True)
class Thing:
    id: str
    secret: str


def create_things(client: Client, count: int, prefix: str, batch: int = 100) -> list[Thing]:
    """Create `count` things through `/things/bulk`, `batch` a request (the quick way to seed)."""
    things: list[Thing] = []
    while len(things) < count:
        size = min(batch, count - len(things))
        body = [{"name": f"{prefix}-{len(things) + i}"} for i in range(size)]
        status, answer = client.call("POST", "/things/bulk", body)
        if status != 200 or not isinstance(answer, dict):
            raise ApiError(f"POST /things/bulk answered {status}: {answer}")
        things += [Thing(str(t["id"]), str(t["credentials"]["secret"])) for t in answer["things"]]
    return things


def create_channels(client: Client, count: int, prefix: str) -> list[str]:
    status, answer = client.call(
        "POST", "/channels/bulk", [{"name": f"{prefix}-{i}"} for i in range(count)]
    )
    if status != 200 or not isinstance(answer, dict):
        raise ApiError(f"POST /channels/bulk answered {status}: {answer}")
    return [str(c["id"]) for c in answer["channels"]]


def connect(client: Client, things: Sequence[str], channels: Sequence[str]) -> None:
    status, answer = client.call(
        "POST", "/connect", {"subjects": list(things), "objects": list(channels)}
    )
    if status != 201:
        raise ApiError(f"POST /connect answered {status}: {answer}")


def check_access(client: Client, channel: str, secret: str) -> int:
    """The status of an m_read access check: 200 when connected, 403 otherwise."""
    body = {"subject": secret, "action": "m_read", "entity_type": "thing"}
    status, _ = client.call("POST", f"/channels/{channel}/access", body)
    return status


def count_things(client: Client) -> int:
    status, answer = client.call("GET", "/things?limit=1&status=all")
    if status != 200 or not isinstance(answer, dict):
        raise ApiError(f"GET /things answered {status}: {answer}")
    return int(answer["total"])


def count_messages(client: Client, pairs_file: Path) -> int:
    """Records stored on the channels named in a "CHANNEL SECRET" entry file."""
    channels = {line.split()[0] for line in pairs_file.read_text().splitlines() if line.strip()}
    total = 0
    for channel in channels:
        status, answer = client.call("GET", f"/channels/{channel}/messages?limit=1")
        if status != 200 or not isinstance(answer, dict):
            raise ApiError(f"GET /channels/{channel}/messages answered {status}: {answer}")
        total += int(answer["total"])
    return total
