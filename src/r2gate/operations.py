"""The one vocabulary of what a request does to objects, shared by every kind of caller.

An API key's ``ops`` (``API_KEYS``) grant these by name (a multipart upload needs "write");
a token's ``op`` claim names one of them in its wire form (put, mpu, get, delete).
"""

from __future__ import annotations

from enum import Enum

__all__ = ["TOKEN_OPERATIONS", "Operation"]


class Operation(Enum):
    """What a request does: read, write (one PUT), multipart, delete, list, sign."""

    READ = "read"
    WRITE = "write"
    MULTIPART = "multipart"
    DELETE = "delete"
    LIST = "list"
    SIGN = "sign"

    @property
    def grant(self) -> str:
        """The API-key op that allows it (``API_KEYS`` names: read, write, delete, sign, list)."""
        return "write" if self is Operation.MULTIPART else self.value

    @property
    def token_op(self) -> str:
        """Its name in a token's ``op`` claim (list and sign have none: never granted)."""
        return _TOKEN_NAMES.get(self, self.value)


# A token's `op` claim -> the operation it grants.
TOKEN_OPERATIONS = {
    "get": Operation.READ,
    "put": Operation.WRITE,
    "mpu": Operation.MULTIPART,
    "delete": Operation.DELETE,
}
_TOKEN_NAMES = {operation: name for name, operation in TOKEN_OPERATIONS.items()}
