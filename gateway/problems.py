"""Errors as `application/problem+json` (RFC 9457): no stack traces, no internal names."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from contracts.errors import (
    ERRORS_BY_NAME,
    HTTP_STATUS,
    ErrorCode,
    PlatformError,
    code_for_remote_error,
)
from gateway.rpc import RemoteError

log = logging.getLogger(__name__)
PROBLEM_TYPE_BASE = "https://smart-policing.local/problems/"
MEDIA_TYPE = "application/problem+json"

TITLES = {
    ErrorCode.VALIDATION_FAILED: "The request is not valid",
    ErrorCode.UNAUTHENTICATED: "Authentication required",
    ErrorCode.FORBIDDEN: "Not allowed",
    ErrorCode.PURPOSE_REQUIRED: "A declared purpose is required",
    ErrorCode.NOT_FOUND: "Not found",
    ErrorCode.CONFLICT: "Conflict",
    ErrorCode.PAYLOAD_TOO_LARGE: "Request body too large",
    ErrorCode.RATE_LIMITED: "Too many requests",
    ErrorCode.SERVICE_UNAVAILABLE: "Service unavailable",
    ErrorCode.TIMEOUT: "The service did not answer in time",
    ErrorCode.INTERNAL: "Internal error",
}
_HTTP_CODES = {
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.VALIDATION_FAILED,
    413: ErrorCode.PAYLOAD_TOO_LARGE,
    401: ErrorCode.UNAUTHENTICATED,
    403: ErrorCode.FORBIDDEN,
}


class FieldProblem(BaseModel):
    field: str
    problem: str


class Problem(BaseModel):
    """RFC 9457 problem details, with the platform's error `code` and the request id."""

    type: str = Field(examples=[PROBLEM_TYPE_BASE + "not_found"])
    title: str = Field(examples=["Not found"])
    status: int = Field(examples=[404])
    detail: str = Field(examples=["no such officer"])
    code: ErrorCode = Field(examples=[ErrorCode.NOT_FOUND])
    request_id: str | None = None
    errors: list[FieldProblem] | None = None


def problem_response(
    code: ErrorCode,
    detail: str,
    request_id: str | None,
    *,
    status: int | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = Problem(
        type=PROBLEM_TYPE_BASE + str(code),
        title=TITLES[code],
        status=status or HTTP_STATUS[code],
        detail=detail,
        code=code,
        request_id=request_id,
        errors=[FieldProblem(**e) for e in errors] if errors else None,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=body.status,
        media_type=MEDIA_TYPE,
        headers=headers,
    )


def request_id_of(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def _field_errors(raw: Any) -> list[dict[str, str]]:
    problems = []
    for error in raw:
        location = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path")]
        problems.append({"field": ".".join(location) or "body", "problem": str(error.get("type"))})
    return problems


def _headers(code: ErrorCode, fields: dict[str, Any]) -> dict[str, str] | None:
    headers = {}
    if "retry_after" in fields:
        headers["Retry-After"] = str(fields["retry_after"])
    if code is ErrorCode.UNAUTHENTICATED:
        headers["WWW-Authenticate"] = 'Bearer realm="smart-policing"'
    return headers or None


def install(app: FastAPI) -> None:
    @app.exception_handler(PlatformError)
    async def platform_error(request: Request, exc: PlatformError) -> JSONResponse:
        errors = exc.fields.get("errors")
        return problem_response(
            exc.code,
            exc.detail,
            request_id_of(request),
            errors=errors,
            headers=_headers(exc.code, exc.fields),
        )

    @app.exception_handler(RemoteError)
    async def remote_error(request: Request, exc: RemoteError) -> JSONResponse:
        code = code_for_remote_error(exc.exc_type)
        if exc.exc_type not in ERRORS_BY_NAME:
            log.error("unexpected service error", extra={"exc_type": exc.exc_type})
            return problem_response(code, "the service failed", request_id_of(request))
        # a service's 429 says when to come back (a locked account, a code asked too often)
        return problem_response(
            code,
            exc.detail,
            request_id_of(request),
            errors=exc.fields.get("errors"),
            headers=_headers(code, exc.fields),
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(
            ErrorCode.VALIDATION_FAILED,
            "the request does not match the operation's schema",
            request_id_of(request),
            errors=_field_errors(exc.errors()),
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, ErrorCode.INTERNAL)
        detail = exc.detail if isinstance(exc.detail, str) else TITLES[code]
        return problem_response(
            code,
            detail,
            request_id_of(request),
            status=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled gateway error")
        return problem_response(ErrorCode.INTERNAL, "internal error", request_id_of(request))


#: error responses every protected route documents in the OpenAPI document
COMMON_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {MEDIA_TYPE: {}}, "description": TITLES[code]}
    for status, code in (
        (401, ErrorCode.UNAUTHENTICATED),
        (403, ErrorCode.FORBIDDEN),
        (413, ErrorCode.PAYLOAD_TOO_LARGE),
        (422, ErrorCode.VALIDATION_FAILED),
        (429, ErrorCode.RATE_LIMITED),
        (503, ErrorCode.SERVICE_UNAVAILABLE),
        (504, ErrorCode.TIMEOUT),
    )
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """COMMON_ERRORS plus the route's own (404, 409, ...)."""
    extra: dict[int | str, dict[str, Any]] = {
        s: {"model": Problem, "content": {MEDIA_TYPE: {}}, "description": TITLES[c]}
        for s, c in ((404, ErrorCode.NOT_FOUND), (409, ErrorCode.CONFLICT))
        if s in statuses
    }
    return {**COMMON_ERRORS, **extra}


def example(value: Any) -> dict[str, Any]:
    """A success response's documented example, for routes without a response model."""
    return {"content": {"application/json": {"example": value}}}
