"""Times clients send in query parameters as bounds (`as_of`, `/events`' `from` and `to`).

They are RFC 3339 with a zone, turned to UTC for the databases. `0001-01-01T00:00:00+14:00`
or `9999-12-31T23:59:59-14:00` are valid RFC 3339 but fall outside the years Python's
datetime holds once in UTC: as bounds they mean "before everything" and "after everything",
so they are taken as the first or last instant of the calendar rather than refused.
"""

from datetime import UTC, datetime
from typing import Any

import msgspec
from litestar.openapi.spec import OpenAPIFormat

from domain.errors import InvalidValue

DATE_TIME: dict[str, Any] = {"format": OpenAPIFormat.DATE_TIME}
"""What a parameter read with `time_bound` shows in the OpenAPI document."""


def time_bound(raw: str, field: str, expected: str = "an RFC 3339 time") -> datetime:
    """An RFC 3339 time with a zone, in UTC; `expected` says what else the field takes."""
    try:
        moment = msgspec.convert(raw, datetime)
    except msgspec.ValidationError:
        raise InvalidValue(f"{field} must be {expected}", field=field) from None
    if moment.tzinfo is None:
        raise InvalidValue(f"{field} needs a time zone (RFC 3339)", field=field)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        end = datetime.min if moment.year == 1 else datetime.max
        return end.replace(tzinfo=UTC)
