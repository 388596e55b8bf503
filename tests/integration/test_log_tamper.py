"""Tampering with the stored event rows, directly in SQLite and PostgreSQL, is caught by the
standalone verifier from an export, a signed tree head, the leaves and the public key; it names
the first bad position. Erasing a person (crypto-shredding) leaves the log verifiable."""

import json
from collections.abc import Callable
from pathlib import Path
from uuid import uuid4

import pytest
import sqlalchemy as sa

from domain.causes import Cause, Interface
from interfaces import verify_log
from interfaces.aggregates import USERS
from interfaces.bootstrap import FleetID
from tests.helpers import blocking
from tests.integration.test_event_log import indexed
from tests.integration.test_mqtt_access import thing
from tests.integration.test_users_store import ADMIN, register

Tamper = Callable[[FleetID, int], None]


def _table(fleet: FleetID) -> tuple[str, str]:
    name = getattr(fleet.log.recorder, "events_table_name", "stored_events")
    column = "rowid" if fleet.engine.dialect.name == "sqlite" else "notification_id"
    return name, column


def modify(fleet: FleetID, position: int) -> None:
    table, column = _table(fleet)
    with fleet.engine.begin() as conn:
        state = conn.execute(
            sa.text(f"SELECT state FROM {table} WHERE {column} = :p"), {"p": position}
        ).scalar_one()
        forged = bytes(state).replace(b'"timestamp":"2', b'"timestamp":"1', 1)
        assert forged != bytes(state)
        conn.execute(
            sa.text(f"UPDATE {table} SET state = :s WHERE {column} = :p"),
            {"s": forged, "p": position},
        )


def delete(fleet: FleetID, position: int) -> None:
    table, column = _table(fleet)
    with fleet.engine.begin() as conn:
        conn.execute(sa.text(f"DELETE FROM {table} WHERE {column} = :p"), {"p": position})


def reorder(fleet: FleetID, position: int) -> None:
    """Swap the contents of this event and the next one."""
    table, column = _table(fleet)
    with fleet.engine.begin() as conn:
        rows = {
            row[0]: (row[1], bytes(row[2]))
            for row in conn.execute(
                sa.text(f"SELECT {column}, topic, state FROM {table} WHERE {column} IN (:a, :b)"),
                {"a": position, "b": position + 1},
            )
        }
        for here, there in ((position, position + 1), (position + 1, position)):
            conn.execute(
                sa.text(f"UPDATE {table} SET topic = :t, state = :s WHERE {column} = :p"),
                {"t": rows[there][0], "s": rows[there][1], "p": here},
            )


def insert(fleet: FleetID, position: int) -> None:
    """Make room at `position` by moving every later event up one, and forge an event there."""
    table, column = _table(fleet)
    with fleet.engine.begin() as conn:
        top = conn.execute(sa.text(f"SELECT MAX({column}) FROM {table}")).scalar_one()
        for moved in range(top, position - 1, -1):
            conn.execute(
                sa.text(f"UPDATE {table} SET {column} = {column} + 1 WHERE {column} = :p"),
                {"p": moved},
            )
        topic, state = conn.execute(
            sa.text(f"SELECT topic, state FROM {table} WHERE {column} = :p"), {"p": position + 1}
        ).one()
        forged_id = uuid4() if fleet.engine.dialect.name != "sqlite" else uuid4().hex
        conn.execute(
            sa.text(
                f"INSERT INTO {table} ({column}, originator_id, originator_version, topic, state)"
                " VALUES (:p, :o, 1, :t, :s)"
            ),
            {"p": position, "o": forged_id, "t": topic, "s": bytes(state)},
        )


def audit_files(fleet: FleetID, directory: Path) -> dict[str, Path]:
    """What an auditor holds: a signed head, the public key, the leaves; then a fresh export."""
    proofs = fleet.services.log_proofs
    head = directory / "head.json"
    head.write_text(json.dumps(proofs.sign_head(ADMIN).as_json()))
    key = directory / "log.pem"
    key.write_text(proofs.public_key())
    leaves = directory / "leaves.txt"
    leaves.write_text("".join(f"{p} {h.hex()}\n" for p, h in proofs.leaves(ADMIN, None)))
    return {"head": head, "key": key, "leaves": leaves, "export": directory / "log.ndjson"}


def export(fleet: FleetID, target: Path) -> None:
    from infrastructure.log_entries import entry_of

    target.write_bytes(b"".join(entry_of(n).line + b"\n" for n in fleet.raw_log.after(0, 10**6)))


def verify(files: dict[str, Path]) -> int:
    arguments = [str(files[k]) for k in ("export", "head", "key")]
    return verify_log.main(["export", *arguments, "--leaves", str(files["leaves"])])


def a_small_log(fleet: FleetID) -> int:
    for n in range(4):
        register(fleet, f"user{n}@fleet.example", name=f"User {n}")
        thing(fleet, f"tamper-secret-{n}")
    return indexed(fleet)


@pytest.mark.parametrize("tamper", [modify, delete, reorder, insert], ids=lambda t: t.__name__)
def test_the_verifier_names_the_first_tampered_position(
    fleet: FleetID, tmp_path: Path, tamper: Tamper, capsys: pytest.CaptureFixture[str]
) -> None:
    last = a_small_log(fleet)
    files = audit_files(fleet, tmp_path)
    export(fleet, files["export"])
    assert verify(files) == 0
    assert f"verified {last} events" in capsys.readouterr().out

    bad = last // 2
    tamper(fleet, bad)
    export(fleet, files["export"])

    assert verify(files) == 1
    assert f"first bad position {bad}:" in capsys.readouterr().err


def test_erasing_a_person_keeps_the_log_verifiable(
    fleet: FleetID, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a_small_log(fleet)
    gone = register(fleet, "shredded@fleet.example", name="Shredded Person")
    indexed(fleet)
    files = audit_files(fleet, tmp_path)

    blocking(fleet[USERS].commands).erase(gone, Cause.system(Interface.CLI))
    export(fleet, files["export"])

    assert b"shredded@fleet.example" not in files["export"].read_bytes()
    assert verify(files) == 0, capsys.readouterr().err
