"""The one error shape every r2gate endpoint returns."""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass
class ApiError(Exception):
    """A client-visible failure: HTTP status, machine-readable code, human message.

    `headers` carries extra response headers the failure needs (Allow, Retry-After,
    Content-Range, ...). Messages never contain secrets.
    """

    status: int
    code: str
    message: str
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(f"{self.status} {self.code}: {self.message}")

    def body(self) -> str:
        """The JSON body: {"error": {"code": ..., "message": ...}}."""
        return error_body(self.code, self.message)


def error_body(code: str, message: str) -> str:
    """Serialise an error the way every endpoint does."""
    return json.dumps({"error": {"code": code, "message": message}}, separators=(",", ":"))
