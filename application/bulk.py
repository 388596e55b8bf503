"""Bulk requests: many entities in one commit, all or nothing, errors naming the entry."""

from collections.abc import Iterator, Sized
from contextlib import contextmanager

from domain.errors import DomainError, InvalidValue

MAX_BULK = 1000
"""Entities per bulk request: one request is one commit, and its response lists every entity."""


def check_size(batch: Sized, field: str) -> None:
    if not len(batch):
        raise InvalidValue("at least one entry is required", field=field)
    if len(batch) > MAX_BULK:
        raise InvalidValue(f"at most {MAX_BULK} entries per request", field=field)


@contextmanager
def entry(index: int | None) -> Iterator[None]:
    """In a bulk request, an entry's error names the entry (`[3].name`)."""
    try:
        yield
    except DomainError as error:
        if index is not None:
            error.field = f"[{index}].{error.field}" if error.field else f"[{index}]"
        raise
