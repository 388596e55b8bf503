"""`/log/…` through the real app: an auditor fetches signed heads and proofs, and the standalone
verifier accepts them from files, as an auditor would run it; nobody else gets them."""

import json
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from interfaces import verify_log
from interfaces.bootstrap import FleetID
from tests.api.support import assert_problem
from tests.api.test_events_api import auditor
from tests.helpers import admin_token, bearer, register, sign_in
from tests.integration.test_event_log import indexed


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def public_key(client: TestClient[Any]) -> bytes:
    """The key as `curl -o log.pem` saves it: the response body, unchanged."""
    response = client.get("/log/public-key")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-pem-file")
    return response.content


def lines_of(page: bytes) -> list[bytes]:
    """A `GET /events` page's events as the bytes sent, which are the exported lines."""
    text = page.decode()
    decoder = json.JSONDecoder()
    lines, at = [], text.index("[") + 1
    while text[at] != "]":
        _, end = decoder.raw_decode(text, at)
        lines.append(text[at:end].encode())
        at = end + 1 if text[end] == "," else end
    return lines


def test_the_downloaded_public_key_verifies_an_export_and_its_head(
    client: TestClient[Any], sqlite_fleet: FleetID, tmp_path: Path
) -> None:
    auth = auditor(client)
    indexed(sqlite_fleet)
    (tmp_path / "log.pem").write_bytes(public_key(client))
    head = ok(client.post("/log/tree-head", headers=auth))
    (tmp_path / "head.json").write_text(json.dumps(head))
    page = client.get(f"/events?limit={head['tree_size']}", headers=auth)
    (tmp_path / "log.ndjson").write_bytes(b"".join(line + b"\n" for line in lines_of(page.content)))
    files = [str(tmp_path / f) for f in ("log.ndjson", "head.json", "log.pem")]
    assert verify_log.main(["export", *files]) == 0


def test_a_key_that_is_not_pem_is_refused_with_a_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "log.pem").write_text('{"algorithm": "Ed25519", "public_key": "-----BEGIN"}')
    (tmp_path / "head.json").write_text("{}")
    (tmp_path / "proof.json").write_text("{}")
    files = [str(tmp_path / f) for f in ("head.json", "log.pem", "proof.json")]
    assert verify_log.main(["inclusion", *files]) == 1
    assert "log.pem is not a PEM public key" in capsys.readouterr().err


def test_heads_and_proofs_verify_with_the_standalone_verifier(
    client: TestClient[Any], sqlite_fleet: FleetID, tmp_path: Path
) -> None:
    auth = auditor(client)
    admin = bearer(admin_token(client))
    indexed(sqlite_fleet)
    key = tmp_path / "log.pem"
    key.write_bytes(public_key(client))
    old = ok(client.post("/log/tree-head", headers=auth))
    (tmp_path / "old.json").write_text(json.dumps(old))
    for n in range(3):
        client.post("/things", json={"name": f"meter {n}"}, headers=admin)
    indexed(sqlite_fleet)
    new = ok(client.post("/log/tree-head", headers=auth))
    (tmp_path / "new.json").write_text(json.dumps(new))
    assert new["tree_size"] > old["tree_size"]
    assert ok(client.get("/log/tree-head", headers=auth)) == new

    consistency = ok(client.get(f"/log/proofs/consistency?first={old['tree_size']}", headers=auth))
    (tmp_path / "consistency.json").write_text(json.dumps(consistency))
    files = [str(tmp_path / f) for f in ("old.json", "new.json", "log.pem", "consistency.json")]
    assert verify_log.main(["consistency", *files]) == 0

    last_event = ok(client.get(f"/events?after={new['tree_size'] - 1}", headers=auth))["events"]
    position = last_event[0]["position"]
    inclusion = ok(client.get(f"/log/proofs/inclusion?position={position}", headers=auth))
    (tmp_path / "inclusion.json").write_text(json.dumps(inclusion))
    page = client.get(f"/events?after={position - 1}&limit=1", headers=auth)
    line = page.content.split(b'"events":[', 1)[1].rsplit(b'],"next"', 1)[0]
    (tmp_path / "line.json").write_bytes(line)
    files = [str(tmp_path / f) for f in ("new.json", "log.pem", "inclusion.json")]
    assert verify_log.main(["inclusion", *files, "--line", str(tmp_path / "line.json")]) == 0
    (tmp_path / "line.json").write_bytes(line.replace(b'"version":1', b'"version":2'))
    assert verify_log.main(["inclusion", *files, "--line", str(tmp_path / "line.json")]) == 1

    leaves = client.get(f"/log/leaves?tree_size={new['tree_size']}", headers=auth)
    assert leaves.status_code == 200, leaves.text
    rows = leaves.text.splitlines()
    assert len(rows) == new["tree_size"]
    assert rows[-1].split()[0] == str(position)


def test_proofs_are_for_auditors_and_bad_or_unknown_sizes_are_refused(
    client: TestClient[Any],
) -> None:
    register(client, "plain2@fleet.example", "plain-secret-2")
    plain = bearer(sign_in(client, "plain2@fleet.example", "plain-secret-2"))
    for path in ("/log/tree-head", "/log/proofs/inclusion?position=1", "/log/leaves"):
        assert_problem(client.get(path, headers=plain), 403)
        assert_problem(client.get(path), 401)
    auth = auditor(client)
    size = ok(client.post("/log/tree-head", headers=auth))["tree_size"]
    assert_problem(
        client.get(f"/log/proofs/consistency?first={size + 1}&second={size}", headers=auth),
        400,
        field="first",
    )
    assert_problem(  # no tree of that size yet: not found, as a position ahead of the log
        client.get(f"/log/proofs/inclusion?position=1&tree_size={size + 10**6}", headers=auth),
        404,
        field="tree_size",
    )
    assert_problem(client.get("/log/proofs/inclusion?position=0", headers=auth), 400)
    assert_problem(client.get(f"/log/proofs/inclusion?position={10**9}", headers=auth), 404)
