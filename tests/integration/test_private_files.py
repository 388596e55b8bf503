"""The data directory on disk: keys, the SQLite database (with its WAL and shared-memory files)
and exports are readable by their owner only, under the usual umask; files an earlier build left
open are tightened at start-up, with a warning naming them."""

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from infrastructure.settings import Settings
from interfaces.bootstrap import build
from interfaces.cli import main
from tests.conftest import make_settings
from tests.integration.test_cli import env  # noqa: F401  (fixture)
from tests.integration.test_users_store import register


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """What a shell usually has: without care, files come out 0644 and directories 0755."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    data = tmp_path / "data"
    return make_settings(data, f"sqlite:///{data / 'fleetid.db'}")


def private_paths(settings: Settings) -> list[Path]:
    data = settings.data_dir
    database = [data / f"fleetid.db{suffix}" for suffix in ("", "-wal", "-shm")]
    return [data, data / "keys", *(data / "keys").iterdir(), *database]


def test_a_new_data_directory_is_private(sqlite_settings: Settings) -> None:
    fleet = build(sqlite_settings)
    try:
        register(fleet, "private@fleet.example")
        paths = private_paths(sqlite_settings)
        assert len(paths) == 2 + 8 + 3
        assert {path.name: mode(path) for path in paths} == {
            path.name: 0o700 if path.is_dir() else 0o600 for path in paths
        }
    finally:
        fleet.close()


def test_the_data_directory_and_keys_are_private_on_both_backends(settings: Settings) -> None:
    build(settings).close()
    keys = settings.data_dir / "keys"
    assert (mode(settings.data_dir), mode(keys)) == (0o700, 0o700)
    assert {mode(key) for key in keys.iterdir()} == {0o600}


def test_files_left_open_are_tightened_at_start_up_with_a_warning(
    sqlite_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    fleet = build(sqlite_settings)
    register(fleet, "opened@fleet.example")
    # another process still open keeps the WAL files, as a crashed one leaves them
    other_process = sqlite3.connect(sqlite_settings.data_dir / "fleetid.db")
    other_process.execute("SELECT count(*) FROM stored_events").fetchone()
    fleet.close()
    paths = private_paths(sqlite_settings)
    for path in paths:
        path.chmod(0o755 if path.is_dir() else 0o644)

    try:
        build(sqlite_settings).close()
        modes = {path.name: mode(path) for path in paths}
    finally:
        other_process.close()
    assert modes == {path.name: 0o700 if path.is_dir() else 0o600 for path in paths}
    warned = " ".join(r.getMessage() for r in caplog.records if r.levelname == "WARNING")
    for path in paths:
        assert f"{path} was mode" in warned


@pytest.mark.usefixtures("env")
def test_an_export_is_written_private_even_over_an_open_file(tmp_path: Path) -> None:
    fresh, existing = tmp_path / "fresh.ndjson", tmp_path / "existing.ndjson"
    existing.write_text("old\n")
    existing.chmod(0o644)
    fleet = build(Settings.from_env())
    register(fleet, "exported@fleet.example")
    fleet.close()
    for target in (fresh, existing):
        assert main(["log", "export", "-o", str(target)]) == 0
        assert mode(target) == 0o600
        assert target.read_bytes().startswith(b'{"position":1,'), target
