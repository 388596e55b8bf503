"""The certificate authorities' read model."""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class AuthorityView:
    number: int
    name: str
    profile: int | None
    key_algorithm: str
    certificate: str
    """PEM."""


class AuthorityViews(Protocol):
    def get(self, number: int) -> AuthorityView | None: ...

    def all(self) -> list[AuthorityView]:
        """The root first, then by number."""
        ...
