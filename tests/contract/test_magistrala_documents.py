"""Schemathesis against FleetID with Magistrala's own OpenAPI files of the seed's version.

The files are test data read where the project keeps them, `../shared/magistrala-openapi/`
(FLEETID_MAGISTRALA_OPENAPI names another directory); they are not copied here. Their known
bugs are excluded by name in tests/contract/magistrala_known_bugs.py, each with its reason, and
nothing else is: every other check on every other operation must pass.
"""

import os
from pathlib import Path

import pytest

from tests.contract.conftest import PROJECT, THING_SECRET, Served, run_schemathesis

DOCUMENTS = Path(
    os.environ.get("FLEETID_MAGISTRALA_OPENAPI", PROJECT.parent / "shared" / "magistrala-openapi")
)
HOOKS = "tests.contract.magistrala_known_bugs"
EXAMPLES = 20
SEED = 7
EXCLUDED: dict[str, list[str]] = {
    # policies-path: the files write the services' own `/policies`; Magistrala's gateway, its
    # SDK and the seed use `/users/policies` and `/things/policies`, as FleetID does. Those are
    # tested with FleetID's own document.
    "users.yml": ["^/policies"],
    "things.yml": ["^/policies"],
    # adapter-health: the HTTP adapter's own `/health` is FleetID's `/health`, run with users.yml.
    "http.yml": ["^/health$"],
    "readers.yml": [],
}
CHANNEL_PARAMETER = {"http.yml": "id", "readers.yml": "chanId"}
PREFIX = {"http.yml": "/http"}
"""http.yml describes the adapter itself; behind Magistrala's gateway, as in the seed and in
FleetID, its routes are under `/http`."""


def _credentials(name: str, served: Served) -> dict[str, dict[str, str]]:
    """What each file's security schemes stand for. http.yml's `bearerAuth` is in truth
    `Thing <secret>` (its description says so), which no bearer scheme sends: its other
    scheme, Basic with the thing secret as the password, is used."""
    if name == "http.yml":
        return {"basicAuth": {"username": "thing", "password": THING_SECRET}}
    credentials = {"bearerAuth": {"bearer": served.token}}
    if name == "users.yml":
        credentials["refreshAuth"] = {"bearer": served.refresh_token}
    return credentials


@pytest.fixture
def documents() -> Path:
    if not (DOCUMENTS / "users.yml").is_file():
        message = f"Magistrala's OpenAPI files are not at {DOCUMENTS} (FLEETID_MAGISTRALA_OPENAPI)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return DOCUMENTS


@pytest.mark.parametrize("name", sorted(EXCLUDED))
def test_magistrala_clients_get_what_magistrala_documents(
    tmp_path: Path, served: Served, documents: Path, name: str
) -> None:
    config = {
        "seed": SEED,
        "base-url": served.base + PREFIX.get(name, ""),
        "generation": {"max-examples": EXAMPLES, "codec": "ascii"},
        "checks": {"enabled": True},
        "output": {"sanitization": {"enabled": False}},
        "auth": {"openapi": _credentials(name, served)},
    }
    if name in CHANNEL_PARAMETER:  # messages go to, and are read from, the connected channel
        config["parameters"] = {CHANNEL_PARAMETER[name]: served.channel_id}
    exclusions = [f"--exclude-path-regex={pattern}" for pattern in EXCLUDED[name]]

    outcome = run_schemathesis(
        tmp_path, str(documents / name), config, served, *exclusions, hooks=HOOKS
    )

    assert outcome.returncode == 0, outcome.output[-20000:]
    tested, selected, _ = outcome.operations
    assert tested == selected > 0, outcome.output[-3000:]
