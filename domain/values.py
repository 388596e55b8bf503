"""Rules for the descriptive fields every entity kind shares (name, tags, metadata)."""

import re
from typing import Any

from domain.errors import InvalidValue

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
JSON_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

MAX_NAME_LENGTH = 1024
MAX_TAGS = 64
MAX_TAG_LENGTH = 128
MAX_METADATA_KEYS = 256
MAX_DESCRIPTION_LENGTH = 4096


def check_text(value: str, field: str) -> str:
    """Control characters (NUL above all) are refused: no database stores every one of them."""
    if CONTROL.search(value):
        raise InvalidValue("control characters are not allowed", field=field)
    return value


def check_name(name: str) -> str:
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidValue(f"name must be at most {MAX_NAME_LENGTH} characters", field="name")
    return check_text(name, "name")


def check_description(description: str) -> str:
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise InvalidValue(
            f"description must be at most {MAX_DESCRIPTION_LENGTH} characters", field="description"
        )
    return check_text(description, "description")


def check_tags(tags: list[str]) -> list[str]:
    """Duplicates are dropped (first occurrence wins) so that tags behave as a set in order."""
    if len(tags) > MAX_TAGS:
        raise InvalidValue(f"at most {MAX_TAGS} tags are allowed", field="tags")
    unique: list[str] = []
    for tag in tags:
        if not tag or len(tag) > MAX_TAG_LENGTH:
            raise InvalidValue(f"each tag must be 1 to {MAX_TAG_LENGTH} characters", field="tags")
        check_text(tag, "tags")
        if tag not in unique:
            unique.append(tag)
    return unique


def check_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    if len(metadata) > MAX_METADATA_KEYS:
        raise InvalidValue(f"metadata may have at most {MAX_METADATA_KEYS} keys", field="metadata")
    _check_json_text(metadata)
    return dict(metadata)


def _check_json_text(value: Any) -> None:
    """Keys and strings anywhere in the document; control characters other than tab and
    newline are refused (NUL cannot be stored in PostgreSQL's jsonb)."""
    if isinstance(value, str):
        if JSON_CONTROL.search(value):
            raise InvalidValue("control characters are not allowed", field="metadata")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_json_text(key)
            _check_json_text(item)
    elif isinstance(value, list):
        for item in value:
            _check_json_text(item)
