"""Domain errors. Views turn them into 4xx responses with the message as written."""
from __future__ import annotations


class DomainError(Exception):
    """A user mistake the user can fix; `message` says how."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def details(self) -> dict:
        """Machine-readable extras for API answers, beside the code and message."""
        return {"field": self.field} if self.field else {}


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class JoinRequired(Forbidden):
    """The user must join (accept the rules) first; `slug` lets each surface say where."""

    code = "join_required"

    def __init__(self, message: str, *, slug: str):
        super().__init__(message)
        self.slug = slug


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Frozen(Conflict):
    """The competition is finalized: its results no longer change."""

    code = "finalized"


class QuotaExceeded(DomainError):
    status = 429
    code = "quota_exceeded"

    def __init__(self, message: str, *, retry_after: int | None):
        super().__init__(message)
        self.retry_after = retry_after

    def details(self) -> dict:
        return {"retry_after": self.retry_after}


class RateLimited(QuotaExceeded):
    """Too many actions in a short time (posting): 429 with the seconds to wait."""

    code = "rate_limited"
