"""JSON containment on SQLite with PostgreSQL's `jsonb @>` meaning, so filters agree on both.

Scalars match by JSON type and value (true is not 1, null matches null, 1 matches 1.0), objects
match key by key in any order and may hold more keys, arrays match when they hold every wanted
element. Keys with a double quote cannot be addressed in a SQLite JSON path and never match.
"""

from typing import Any

import sqlalchemy as sa

NUMBER_TYPES = ("integer", "real")
"""Compared one by one, not with IN: listing statements are compiled once and reused."""


def contains(
    document: sa.ColumnElement[Any], wanted: Any, path: str = "$"
) -> sa.ColumnElement[bool]:
    json_type = sa.func.json_type(document, path)
    if isinstance(wanted, dict):
        if any('"' in key for key in wanted):
            return sa.false()
        return sa.and_(
            json_type == "object",
            *(contains(document, value, f'{path}."{key}"') for key, value in wanted.items()),
        )
    if isinstance(wanted, list):
        return sa.and_(
            json_type == "array", *(_holds(document, path, element) for element in wanted)
        )
    return _scalar(json_type, sa.func.json_extract(document, path), wanted)


def _holds(document: sa.ColumnElement[Any], path: str, element: Any) -> sa.ColumnElement[bool]:
    """An element that is an object or an array is contained, not equal, as with `@>`: the
    item is searched again as a document of its own. Only items that are JSON containers are
    read as JSON; a text item standing in as 'null' can never contain a container, and never
    fails to parse (a string in an array is not JSON)."""
    items = sa.func.json_each(document, path).table_valued("type", "value", "atom")
    if isinstance(element, dict | list):
        container = sa.or_(items.c.type == "object", items.c.type == "array")
        nested = sa.case((container, items.c.value), else_=sa.literal("null"))
        match = contains(nested, element)
    else:
        match = _scalar(items.c.type, items.c.atom, element)
    return sa.exists(sa.select(1).select_from(items).where(match))


def _scalar(
    json_type: sa.ColumnElement[Any], value: sa.ColumnElement[Any], wanted: Any
) -> sa.ColumnElement[bool]:
    if wanted is None:
        return json_type == "null"
    if isinstance(wanted, bool):
        return json_type == ("true" if wanted else "false")
    if isinstance(wanted, int | float):
        return sa.and_(sa.or_(*(json_type == name for name in NUMBER_TYPES)), value == wanted)
    return sa.and_(json_type == "text", value == str(wanted))
