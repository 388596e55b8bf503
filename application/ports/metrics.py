"""What the services report for operators to count; the metrics library stays outside them."""

from typing import Protocol


class RefusalCounter(Protocol):
    def refused(self, limit: str) -> None:
        """One attempt refused unchecked by the limit named (`client` or `identity`)."""
        ...
