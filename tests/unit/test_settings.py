"""Settings read from FLEETID_* variables: a value out of range is refused by name at start-up."""

import pytest

from infrastructure.settings import Settings, SettingsError


@pytest.mark.parametrize(
    ("name", "value", "field"),
    [
        ("FLEETID_VACUUM_AFTER", "-1", "FLEETID_VACUUM_AFTER"),
        ("FLEETID_THROTTLE_MAX_DELAY", "-5", "FLEETID_THROTTLE_MAX_DELAY"),
        ("FLEETID_LOG_FORMAT", "xml", "FLEETID_LOG_FORMAT"),
    ],
)
def test_a_setting_out_of_range_is_refused_by_name(name: str, value: str, field: str) -> None:
    with pytest.raises(SettingsError, match=field):
        Settings.from_env({name: value})


def test_the_vacuum_threshold_and_writer_socket_are_read() -> None:
    read = Settings.from_env({"FLEETID_VACUUM_AFTER": "0", "FLEETID_WRITER_SOCKET": "/run/w.sock"})
    assert (read.vacuum_after, read.writer_socket) == (0, "/run/w.sock")
    assert Settings.from_env({}).vacuum_after == 1000
