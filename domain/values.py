"""Rules for the descriptive fields every entity kind shares (name, tags, metadata)."""

from typing import Any

from domain.errors import InvalidValue

MAX_NAME_LENGTH = 1024
MAX_TAGS = 64
MAX_TAG_LENGTH = 128
MAX_METADATA_KEYS = 256


def check_name(name: str) -> str:
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidValue(f"name must be at most {MAX_NAME_LENGTH} characters", field="name")
    return name


def check_tags(tags: list[str]) -> list[str]:
    """Duplicates are dropped (first occurrence wins) so that tags behave as a set in order."""
    if len(tags) > MAX_TAGS:
        raise InvalidValue(f"at most {MAX_TAGS} tags are allowed", field="tags")
    unique: list[str] = []
    for tag in tags:
        if not tag or len(tag) > MAX_TAG_LENGTH:
            raise InvalidValue(f"each tag must be 1 to {MAX_TAG_LENGTH} characters", field="tags")
        if tag not in unique:
            unique.append(tag)
    return unique


def check_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    if len(metadata) > MAX_METADATA_KEYS:
        raise InvalidValue(f"metadata may have at most {MAX_METADATA_KEYS} keys", field="metadata")
    return dict(metadata)
