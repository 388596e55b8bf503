"""The document's example against `fleetid serve`, as `make run` starts it: the request gets its
`massOperationId` at once, the server's background worker completes the operation unasked, and
the twin reads back as the example gave it."""

import time
from pathlib import Path

import httpx

from tests.conftest import ADMIN_IDENTITY, ADMIN_SECRET
from tests.helpers import admin_sign_in_when_up, bearer, free_port, sign_in
from tests.integration.test_batch_resume import _kill, _serve
from tests.integration.test_twin_operations import document_example
from tests.twin_keys import MASS, TWINS

DEADLINE_SECONDS = 30


def test_the_documents_example_completes_on_a_running_server(
    tmp_path: Path, database_url: str
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = _serve(tmp_path, database_url, port)
    try:
        admin_sign_in_when_up(base)
        with httpx.Client(base_url=base, timeout=30) as client:
            admin = bearer(sign_in(client, ADMIN_IDENTITY, ADMIN_SECRET))
            example = document_example()
            answer = client.post(MASS, json=example, headers=admin)
            assert answer.status_code == 201, answer.text
            operation = answer.json()["massOperationId"]
            deadline = time.monotonic() + DEADLINE_SECONDS
            while (found := client.get(f"{MASS}/{operation}", headers=admin).json())["status"] in (
                "pending",
                "running",
            ):
                assert time.monotonic() < deadline, found
                time.sleep(0.05)
            assert (found["status"], found["succeeded"]) == ("completed", 1)
            twin = client.get(f"{TWINS}/{example[0]['objectId']}", headers=admin).json()
            assert twin["services"] == example[0]["services"]
            assert twin["keys"] == example[0]["keys"]
    finally:
        _kill(server)
