"""Domain errors. Services raise them; the API and the web pages turn them into responses."""

from __future__ import annotations


class DomainError(Exception):
    """A request the domain refuses. Nothing has changed when one is raised."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields

    def to_dict(self) -> dict:
        """The JSON error body of API.md."""
        body: dict = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return {"error": body}


class MalformedRequest(DomainError):
    status, code = 400, "malformed"


class NotAuthenticated(DomainError):
    status, code = 401, "not_authenticated"


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class NotFound(DomainError):
    """Also raised for what exists but the caller may not see, so existence never leaks."""

    status, code = 404, "not_found"


class ValidationFailed(DomainError):
    status, code = 422, "validation_failed"


class FileTooLarge(DomainError):
    status, code = 413, "file_too_large"


class UnsupportedFileType(DomainError):
    status, code = 415, "unsupported_file_type"


class Refused(DomainError):
    """The current state does not allow the request (HTTP 409)."""

    status, code = 409, "conflict"


class InvalidTransition(Refused):
    code = "invalid_transition"


class DeadlinePassed(Refused):
    code = "deadline_passed"


class CallNotOpen(Refused):
    code = "call_not_open"


class Incomplete(Refused):
    code = "incomplete"


class BudgetExceeded(Refused):
    code = "budget_exceeded"


class OverCap(Refused):
    code = "over_cap"


class AlreadyExists(Refused):
    code = "already_exists"
