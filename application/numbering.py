"""Numbers for the entities whose documented ids are integers (domain/sequences.py)."""

from application.ports.storage import AggregateReader
from domain.causes import Cause
from domain.sequences import NumberSequence


def next_number(reader: AggregateReader, kind: str, cause: Cause) -> tuple[NumberSequence, int]:
    """The counter of `kind` (started on first use) and the number taken from it: save the
    counter with the entity it numbers, so a race for one number loses on the counter."""
    numbers = reader.get(NumberSequence.create_id(kind))
    if not isinstance(numbers, NumberSequence):
        numbers = NumberSequence(kind=kind, cause=cause)
    return numbers, numbers.take(cause)
