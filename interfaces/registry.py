"""Typed keys for what the composition root builds per aggregate (its views, its services).

An aggregate's declaration adds its entries under keys of its own, so wiring a new aggregate
adds no field to a shared class; and an entry nobody provided is named when it is asked for,
instead of surfacing later as a None or a 404.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar

T = TypeVar("T")
A = TypeVar("A")


class Key(Generic[T]):
    """The name of one entry; its type parameter is the type of what is kept under it."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Key({self.name!r})"


@dataclass(frozen=True)
class Provide(Generic[A, T]):
    """How an entry is made from what its maker is given (the read side, or the wiring)."""

    key: Key[T]
    make: Callable[[A], T]


class HalfWired(LookupError):
    """An entry asked for that nothing provides, or provided twice."""


class Registry:
    """Entries are made on first use, so declarations may use each other in any order; the
    composition root then makes them all (`make_all`) so that a broken one fails at start-up."""

    def __init__(self, replacements: Mapping[Key[Any], Any] | None = None) -> None:
        self._made: dict[Key[Any], Any] = dict(replacements or {})
        self._makers: dict[Key[Any], Callable[[], Any]] = {}
        self._making: set[Key[Any]] = set()

    def declare(self, provide: Provide[A, Any], given: A) -> None:
        if provide.key in self._makers:
            raise HalfWired(f"{provide.key.name} is declared twice")
        self._makers[provide.key] = partial(provide.make, given)

    def __getitem__(self, key: Key[T]) -> T:
        if key in self._made:
            made: T = self._made[key]
            return made
        make = self._makers.get(key)
        if make is None:
            raise HalfWired(f"nothing provides {key.name}: declare it in interfaces/aggregates.py")
        if key in self._making:
            raise HalfWired(f"{key.name} needs itself to be made")
        self._making.add(key)
        try:
            value: T = make()
        finally:
            self._making.discard(key)
        self._made[key] = value
        return value

    def make_all(self) -> None:
        for key in self._makers:
            self[key]

    def __contains__(self, key: Key[Any]) -> bool:
        return key in self._made or key in self._makers
