"""The typed error catalogue.

Errors are values, not strings compared by text. A service raises one of these; it travels over
nameko RPC as `exc_type` (the class name, listed here) and the gateway maps it to an HTTP status
through `ERRORS_BY_NAME`. Messages must never carry personal data.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar


class ErrorCode(StrEnum):
    VALIDATION_FAILED = "validation_failed"
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    PURPOSE_REQUIRED = "purpose_required"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    RATE_LIMITED = "rate_limited"
    SERVICE_UNAVAILABLE = "service_unavailable"
    TIMEOUT = "timeout"
    INTERNAL = "internal"


HTTP_STATUS: dict[ErrorCode, int] = {
    ErrorCode.VALIDATION_FAILED: 422,
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.PURPOSE_REQUIRED: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CONFLICT: 409,
    ErrorCode.PAYLOAD_TOO_LARGE: 413,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.SERVICE_UNAVAILABLE: 503,
    ErrorCode.TIMEOUT: 504,
    ErrorCode.INTERNAL: 500,
}


class PlatformError(Exception):
    """Base of every error that crosses a service boundary on purpose."""

    code: ClassVar[ErrorCode] = ErrorCode.INTERNAL

    def __init__(self, detail: str, fields: dict[str, Any] | None = None, **more: Any) -> None:
        # both travel in `args`, which nameko serialises as the remote error's `exc_args`
        merged = {**(fields or {}), **more}
        super().__init__(detail, merged)
        self.detail = detail
        self.fields = merged

    def __str__(self) -> str:
        return self.detail

    @property
    def http_status(self) -> int:
        return HTTP_STATUS[self.code]


class ValidationFailed(PlatformError):
    code = ErrorCode.VALIDATION_FAILED


class Unauthenticated(PlatformError):
    code = ErrorCode.UNAUTHENTICATED


class Forbidden(PlatformError):
    code = ErrorCode.FORBIDDEN


class PurposeRequired(PlatformError):
    code = ErrorCode.PURPOSE_REQUIRED


class NotFound(PlatformError):
    code = ErrorCode.NOT_FOUND


class Conflict(PlatformError):
    code = ErrorCode.CONFLICT


class ServiceUnavailable(PlatformError):
    code = ErrorCode.SERVICE_UNAVAILABLE


class PayloadTooLarge(PlatformError):
    code = ErrorCode.PAYLOAD_TOO_LARGE


class RateLimited(PlatformError):
    code = ErrorCode.RATE_LIMITED


class Timeout(PlatformError):
    code = ErrorCode.TIMEOUT


ERRORS_BY_NAME: dict[str, type[PlatformError]] = {
    cls.__name__: cls
    for cls in (
        ValidationFailed,
        Unauthenticated,
        Forbidden,
        PurposeRequired,
        NotFound,
        Conflict,
        ServiceUnavailable,
        PayloadTooLarge,
        RateLimited,
        Timeout,
    )
}


def code_for_remote_error(exc_type: str) -> ErrorCode:
    """The catalogue code for an error that came back over RPC; unknown types are internal."""
    cls = ERRORS_BY_NAME.get(exc_type)
    return cls.code if cls else ErrorCode.INTERNAL
