"""Every domain error, each with the stable error code the API reports (API.md); the one place they live.

wastechain.http_errors maps them (and database errors) to the API's JSON shape and to readable pages."""


class DomainError(Exception):
    code = "DOMAIN_ERROR"

    def __init__(self, message: str, *, code: str | None = None, details: dict | None = None,
                 params: dict | None = None):
        """`message` is Chinese; with `params` it is a template ("{name}" fields) that pages translate first."""
        self.template = message
        self.params = params or {}
        self.message = message.format(**self.params) if params else message
        super().__init__(self.message)
        if code:
            self.code = code
        self.details = details or {}


class ValidationFailed(DomainError):
    """Input that cannot be valid: 422."""

    code = "VALIDATION_ERROR"


class RuleViolation(DomainError):
    """A business rule refuses the step: 422 with the rule's own code."""


class InvalidTransition(DomainError):
    """A step that the manifest's state does not allow: 409."""

    code = "INVALID_TRANSITION"


class CalendarUnknown(ValidationFailed):
    """A working day asked of a year whose State Council holiday notice the calendar does not hold yet: 422."""

    code = "CALENDAR_UNKNOWN"


class Conflict(DomainError):
    """A duplicate or a concurrent change: 409."""

    code = "CONFLICT"


class NotFound(DomainError):
    """Absent or not visible to this user: 404."""

    code = "NOT_FOUND"


class Forbidden(DomainError):
    """Visible, but this user may not do it: 403."""

    code = "FORBIDDEN"


class InvalidQR(NotFound):
    code = "INVALID_QR"


class Unauthorized(DomainError):
    """Not logged in, or the credentials are wrong: 401."""

    code = "UNAUTHORIZED"


class HandoverRefused(RuleViolation):
    """The producer's one-time code does not confirm this pickup: 422, nothing recorded but the failed attempt."""

    code = "HANDOVER_CODE_INVALID"


class Busy(DomainError):
    """The database is busy (a lock wait timed out): 503, nothing was written; the client may retry."""

    code = "BUSY"
