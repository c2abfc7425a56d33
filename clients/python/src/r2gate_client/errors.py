"""Typed exceptions for every r2gate error: one class per kind of failure, the server's code kept.

Every exception is an `R2gateError` with `.status` (the HTTP status, 0 when no response
arrived), `.code` (the server's machine-readable code) and `.message`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from http import HTTPStatus

from .httpdate import parse_http_date

MAX_ERROR_BODY = 64 * 1024


class R2gateError(Exception):
    """Base class: a request r2gate (or the network) refused."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: Mapping[str, str] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}" if status else f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
        self.retry_after = retry_after


class InvalidRequest(R2gateError):
    """400 and other 4xx: the request itself is wrong (bad key, bad part, bad JSON...)."""


class Unauthorized(R2gateError):
    """401: no, a wrong or an expired API key or token."""


class Forbidden(R2gateError):
    """403: the key or token is valid but does not cover this operation or key."""


class NotFound(R2gateError):
    """404: no such object (or route)."""


class UploadNotFound(NotFound):
    """404 upload_not_found: the multipart upload was completed, aborted or expired."""


class Conflict(R2gateError):
    """409: the request conflicts with the current state."""


class PreconditionFailed(Conflict):
    """412: a precondition failed (for example a create-only token and an existing key)."""


class TooLarge(R2gateError):
    """413: the body is larger than the server (or the token) allows."""


class RangeNotSatisfiable(InvalidRequest):
    """416: the requested byte range lies outside the object."""


class RateLimited(R2gateError):
    """429: too many writes; `retry_after` holds the server's Retry-After in seconds."""


class ServerError(R2gateError):
    """5xx: the server or R2 failed."""


class TransportError(R2gateError):
    """No usable HTTP response: connection refused or reset, timeout, DNS, TLS."""

    def __init__(self, message: str, code: str = "transport_error") -> None:
        super().__init__(0, code, message)


class IntegrityError(TransportError):
    """The bytes received do not match the object's size or ETag (nothing is kept)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="integrity_error")


_BY_CODE: dict[str, type[R2gateError]] = {"upload_not_found": UploadNotFound}
_BY_STATUS: dict[int, type[R2gateError]] = {
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    412: PreconditionFailed,
    413: TooLarge,
    416: RangeNotSatisfiable,
    429: RateLimited,
}
_DEFAULT_CODE = {
    400: "invalid_request",
    401: "auth_required",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    412: "precondition_failed",
    413: "too_large",
    416: "range_not_satisfiable",
    429: "rate_limited",
}


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP-date; None if absent or bad."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    when = parse_http_date(text)
    if when is None:
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def error_class(status: int, code: str) -> type[R2gateError]:
    """The exception class for a status and server code."""
    if code in _BY_CODE:
        return _BY_CODE[code]
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return ServerError
    if status >= 400:
        return InvalidRequest
    return R2gateError


def error_from_response(status: int, headers: Mapping[str, str], body: bytes) -> R2gateError:
    """Build the typed exception for an error response ({"error": {"code", "message"}})."""
    code = _DEFAULT_CODE.get(status, "server_error" if status >= 500 else "http_error")
    try:
        message = HTTPStatus(status).phrase  # bodiless answers (HEAD) keep a readable message
    except ValueError:
        message = f"HTTP {status}"
    try:
        error = json.loads(body)["error"]
        if isinstance(error.get("code"), str):
            code = error["code"]
        if isinstance(error.get("message"), str):
            message = error["message"]
    except (ValueError, KeyError, TypeError, AttributeError):
        pass
    retry_after = parse_retry_after(headers.get("retry-after"))
    return error_class(status, code)(status, code, message, headers, retry_after)


class SourceChanged(R2gateError):
    """The local file changed (shrank) while it was being uploaded."""

    def __init__(self, message: str) -> None:
        super().__init__(0, "source_changed", message)


class UploadCancelled(Exception):
    """Raised inside a part's body reader to stop its request (another part failed, Ctrl-C)."""
