"""The descriptive fields every entity shares (name, description, tags, metadata), typed as the
OpenAPI document shows them.

domain/values.py checks them and names the field in its error; these types leave the checking
there (so the errors stay the domain's) and only say in the document what it accepts: text
without control characters, tag and size limits, and metadata as JSON whose keys and strings
hold no control character but tab, newline and carriage return, at any depth.
"""

from typing import Annotated, Any

from litestar.params import QueryParameter
from msgspec import Meta

from domain.values import (
    MAX_DESCRIPTION_LENGTH,
    MAX_METADATA_KEYS,
    MAX_NAME_LENGTH,
    MAX_TAG_LENGTH,
    MAX_TAGS,
)

TEXT = "^[^\\x00-\\x1f\\x7f-\\x9f]*$"
"""No C0 or C1 control character (domain/values.check_text)."""
JSON_TEXT = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f]*$"
"""No control character but tab, newline and carriage return (metadata, at any depth)."""


def documented(**extra: Any) -> Meta:
    return Meta(extra_json_schema={"extra": extra})


def optional_number(name: str, description: str) -> QueryParameter:
    """An optional query number from 0 to 2**53. Its minimum is restated for the document:
    on an optional parameter the OpenAPI schema loses a minimum of 0."""
    return QueryParameter(
        name=name, description=description, ge=0, le=2**53, schema_extra={"minimum": 0}
    )


Name = Annotated[str, Meta(max_length=MAX_NAME_LENGTH), documented(pattern=TEXT)]
RequiredName = Annotated[
    str, Meta(min_length=1, max_length=MAX_NAME_LENGTH), documented(pattern=TEXT)
]
"""Groups and channels must be named, as in both Magistrala specs."""
Description = Annotated[str, Meta(max_length=MAX_DESCRIPTION_LENGTH), documented(pattern=TEXT)]
Tags = Annotated[
    list[str],
    documented(
        max_items=MAX_TAGS,
        items={"type": "string", "minLength": 1, "maxLength": MAX_TAG_LENGTH, "pattern": TEXT},
    ),
]
"""Duplicates are dropped, first occurrence kept."""

METADATA_VALUE = "MetadataValue"
_VALUE = {"$ref": f"#/components/schemas/{METADATA_VALUE}"}
_KEY = {"type": "string", "pattern": JSON_TEXT}
METADATA_VALUE_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "string", "pattern": JSON_TEXT},
        {"type": "number"},
        {"type": "boolean"},
        {"type": "null"},
        {"type": "array", "items": _VALUE},
        {"type": "object", "propertyNames": _KEY, "additionalProperties": _VALUE},
    ],
    "description": "any JSON value; its keys and strings hold no control character but tab, "
    "newline and carriage return",
}
"""A component of the document (openapi_refinements.py adds it), so that metadata can nest."""
METADATA_OBJECT: dict[str, Any] = {
    "type": "object",
    "propertyNames": _KEY,
    "additionalProperties": _VALUE,
}
"""Metadata as a JSON object to match, in a query parameter."""
Metadata = Annotated[
    dict[str, Any],
    documented(
        max_properties=MAX_METADATA_KEYS,
        property_names=_KEY,
        additional_properties=_VALUE,
    ),
]
