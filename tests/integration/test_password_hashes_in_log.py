"""Password hashes never reach auditors: events seal them under the user's key, and a log
written before they were sealed shows its hashes withheld, while the signed tree still verifies
every line, old and new, with the standalone verifier."""

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import msgspec
import pytest
from eventsourcing.persistence import StoredEvent

from application.authorization import Actor
from domain.causes import Cause, Interface
from domain.users import Role
from infrastructure.passwords import Argon2Hasher
from infrastructure.settings import Settings
from interfaces import verify_log
from interfaces.aggregates import USERS
from interfaces.bootstrap import FleetID, build
from tests.helpers import blocking
from tests.integration.test_event_log import events, indexed
from tests.integration.test_log_tamper import audit_files, export, modify, verify
from tests.integration.test_users_store import ADMIN, raw_events, register

SECRET = "correct horse battery"
HASH_MARK = b"$argon2id$"


def signs_in(fleet: FleetID, identity: str, secret: str) -> UUID:
    return fleet.services.sessions.authenticate(
        fleet.services.sessions.issue(identity, secret).access_token
    ).id


def test_neither_the_stored_log_nor_the_auditors_view_holds_a_password_hash(
    fleet: FleetID, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    user = register(fleet, "hash@fleet.example")
    me = Actor(id=user, role=Role.USER)
    blocking(fleet[USERS].commands).change_secret(me, SECRET, "a new secret 2", Interface.REST)
    indexed(fleet)

    files = audit_files(fleet, tmp_path)
    export(fleet, files["export"])

    assert HASH_MARK not in b"".join(state for _, state in raw_events(fleet))
    assert HASH_MARK not in files["export"].read_bytes()
    assert HASH_MARK not in json.dumps(events(fleet)).encode()
    assert signs_in(fleet, "hash@fleet.example", "a new secret 2") == user
    assert verify(files) == 0
    assert "withheld" not in capsys.readouterr().out


def earlier_build_secret_change(fleet: FleetID, user: UUID, secret_hash: str) -> None:
    """A `User.SecretChanged` as builds before sealing stored it: the hash in the clear."""
    state = {
        "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "cause": {"actor": str(user), "kind": "user", "via": "rest"},
        "secret_hash": secret_hash,
    }
    fleet.log.recorder.insert_events(
        [
            StoredEvent(
                originator_id=user,
                originator_version=2,
                topic="domain.users:User.SecretChanged",
                state=msgspec.json.encode(state),
            )
        ]
    )


def test_a_log_with_hashes_in_the_clear_verifies_with_them_withheld(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    legacy_hash = Argon2Hasher(1024, 1).hash("legacy secret 1")
    fleet = build(settings)
    try:
        user = register(fleet, "legacy@fleet.example")
        earlier_build_secret_change(fleet, user, legacy_hash)
        register(fleet, "later@fleet.example")
    finally:
        fleet.close()
    fleet = build(settings)
    try:
        last = indexed(fleet)
        position = next(e["position"] for e in events(fleet) if e["event_type"] == "SecretChanged")
        files = audit_files(fleet, tmp_path)
        export(fleet, files["export"])
        lines = files["export"].read_bytes().splitlines()
        shown = json.loads(lines[position - 1])

        assert signs_in(fleet, "legacy@fleet.example", "legacy secret 1") == user
        assert HASH_MARK not in files["export"].read_bytes()
        assert HASH_MARK not in json.dumps(events(fleet)).encode()
        assert set(shown["data"]["secret_hash"]) == {"withheld"}
        as_stored = lines[position - 1].replace(
            json.dumps(shown["data"]["secret_hash"], separators=(",", ":")).encode(),
            json.dumps(legacy_hash).encode(),
        )
        signed_leaf = fleet.services.log_proofs.inclusion(ADMIN, position, None)["leaf_hash"]
        assert verify_log.leaf_hash(as_stored) == base64.b64decode(str(signed_leaf))

        assert verify(files) == 0
        out = capsys.readouterr().out
        assert f"verified {last} events" in out
        assert f"1 of them (position {position}) with a password hash withheld" in out
        proof = tmp_path / "proof.json"
        proof.write_text(json.dumps(fleet.services.log_proofs.inclusion(ADMIN, position, None)))
        line = tmp_path / "line.json"
        line.write_bytes(lines[position - 1])
        arguments = [str(files["head"]), str(files["key"]), str(proof), "--line", str(line)]
        assert verify_log.main(["inclusion", *arguments]) == 0

        modify(fleet, position)
        export(fleet, files["export"])
        assert verify(files) == 1
        assert f"first bad position {position}:" in capsys.readouterr().err
    finally:
        fleet.close()


def test_erasure_makes_a_sealed_hash_unreadable(fleet: FleetID) -> None:
    user = register(fleet, "shred@fleet.example")
    blocking(fleet[USERS].commands).erase(user, Cause.system(Interface.CLI))

    assert fleet.log.repository.get(user).secret_hash is None
