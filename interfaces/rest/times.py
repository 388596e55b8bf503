"""Times clients send in query parameters (`as_of`, `/events`' `from` and `to`).

They are RFC 3339 with a zone, and must still be a time once turned to UTC: the databases are
given UTC, and `0001-01-01T00:00:00+14:00` or `9999-12-31T23:59:59-14:00` parse but fall outside
the years Python's datetime holds once converted, so they are the client's error, named here,
rather than an overflow deep in a query.
"""

from datetime import UTC, datetime

import msgspec

from domain.errors import InvalidValue


def parse_time(raw: str, field: str, expected: str = "an RFC 3339 time") -> datetime:
    """An RFC 3339 time with a zone, in UTC; `expected` says what else the field takes."""
    try:
        moment = msgspec.convert(raw, datetime)
    except msgspec.ValidationError:
        raise InvalidValue(f"{field} must be {expected}", field=field) from None
    return in_utc(moment, field)


def in_utc(moment: datetime, field: str) -> datetime:
    """The time in UTC; a time without a zone, or outside years 1-9999 in UTC, is refused."""
    if moment.tzinfo is None:
        raise InvalidValue(f"{field} needs a time zone (RFC 3339)", field=field)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise InvalidValue(
            f"{field} falls outside the years 1 to 9999 once in UTC", field=field
        ) from None
