"""Profile files: `{"profiles": [{"name": ..., "config": {...}}, ...]}`, or one such profile.

A configuration given as a JSON object is stored as the standard library writes it (", " and
": ", keys in the file's order): the text the document shows as `rawProfileConfig`. Given as a
string, it is stored as it is."""

import json
from pathlib import Path
from typing import Any

from domain.errors import InvalidValue
from domain.profile_configs import parse_config

SHIPPED = Path(__file__).parent / "profiles" / "shipped.json"
"""The profiles of the certificate manager's document, loaded at first start."""
MAX_FILE = 4 * 1024 * 1024


def read_profiles(path: Path) -> list[tuple[str, str]]:
    """(name, configuration text) of each profile in the file, each checked."""
    data = path.read_bytes()
    if len(data) > MAX_FILE:
        raise InvalidValue(f"is over {MAX_FILE} bytes", field=str(path))
    try:
        document = json.loads(data)
    except ValueError as error:
        raise InvalidValue(f"is not JSON: {error}", field=str(path)) from None
    listed = document.get("profiles") if isinstance(document, dict) else None
    items: list[Any] = listed if isinstance(listed, list) else [document]
    return [_profile(item, f"profiles[{i}]") for i, item in enumerate(items)]


def _profile(item: Any, where: str) -> tuple[str, str]:
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        raise InvalidValue("must be an object with a name and a config", field=where)
    config = item.get("config")
    raw = config if isinstance(config, str) else json.dumps(config, ensure_ascii=False)
    parse_config(raw, f"{where}.config")
    return item["name"], raw
