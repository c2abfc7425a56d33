"""The one error shape every r2gate endpoint returns."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .tokens.errors import InvalidGrantError, InvalidTokenError, TokenConfigError, TokenError


@dataclass
class ApiError(Exception):
    """A client-visible failure: HTTP status, machine-readable code, human message.

    `headers` carries extra response headers the failure needs (Allow, Retry-After,
    Content-Range, ...); `details` names the values behind it for surfaces that report them
    (S3's ``MaxSizeAllowed``, ``ProposedSize``). Messages never contain secrets.
    """

    status: int
    code: str
    message: str
    headers: dict[str, str] = field(default_factory=dict)
    details: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(f"{self.status} {self.code}: {self.message}")


def error_body(code: str, message: str) -> str:
    """Serialise an error the way every endpoint does."""
    return json.dumps({"error": {"code": code, "message": message}}, separators=(",", ":"))


def from_token_error(error: TokenError) -> ApiError:
    """The one ApiError for a tokens error: its class's code, with 401 for a refused token,
    400 for claims that cannot be minted, 500 for signing keys that do not parse."""
    if isinstance(error, InvalidTokenError):
        status = 401
    elif isinstance(error, InvalidGrantError):
        status = 400
    elif isinstance(error, TokenConfigError):
        status = 500
    else:
        raise TypeError(f"no HTTP status for {type(error).__name__}")
    return ApiError(status, error.code, error.message)
