"""Schemathesis against FleetID's own OpenAPI document: every check, every operation.

The document is generated from the handlers' types (interfaces/rest/openapi_docs.py), so a
failure here is the server and its document disagreeing: an answer the document does not list,
a body that does not match its schema, a request the document allows and the server refuses, or
the reverse. Strings are ASCII: FleetID's Unicode rules (NFKC identities, which characters a
secret may hold) are more than a JSON Schema pattern can say, and are tested in
tests/api/test_malformed_input.py and the unit tests. The budget is fixed (examples per
operation, seed), so a run is repeatable and CI stays within its time.
"""

from pathlib import Path

from tests.conftest import ADMIN_API_KEY
from tests.contract.conftest import HOOK_SECRET, THING_SECRET, Served, run_schemathesis

EXAMPLES = 20
SEED = 7


def test_the_server_does_what_its_own_document_says(tmp_path: Path, served: Served) -> None:
    config = {
        "seed": SEED,
        "generation": {"max-examples": EXAMPLES, "codec": "ascii"},
        "checks": {"enabled": True},
        "output": {"sanitization": {"enabled": False}},
        "auth": {
            "openapi": {
                "BearerToken": {"bearer": served.token},
                "ThingSecret": {"api_key": f"Thing {THING_SECRET}"},
                "BasicAuth": {"username": "thing", "password": THING_SECRET},
                "HookSecret": {"bearer": HOOK_SECRET},
                "AdminApiKey": {"api_key": ADMIN_API_KEY},
                "EntityApiKey": {"api_key": served.entity_key},
            }
        },
    }

    outcome = run_schemathesis(tmp_path, f"{served.base}/schema/openapi.json", config, served)

    assert outcome.returncode == 0, outcome.output[-20000:]
    tested, selected, documented = outcome.operations
    assert tested == selected == documented > 60, outcome.output[-3000:]
