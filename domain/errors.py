"""Errors the domain raises; interfaces map each kind to one status code."""


class DomainError(Exception):
    """A rule was broken; `reason` is the stable machine-readable code clients see."""

    reason = "domain_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidValue(DomainError):
    reason = "invalid_value"


class NotFound(DomainError):
    reason = "not_found"


class Conflict(DomainError):
    reason = "conflict"


class SubjectErased(Conflict):
    """The person was erased: nothing personal can be recorded about them again."""

    reason = "subject_erased"


class Forbidden(DomainError):
    reason = "forbidden"


class Unauthenticated(DomainError):
    reason = "unauthenticated"
