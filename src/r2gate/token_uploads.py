"""``PUT /<key>`` with an upload token: the checks before any byte moves, and the R2 options.

Only what the token grants is stored: the request's Content-Type (which the token's ``ct``
must allow), the token's Cache-Control and custom metadata, and the token's sha256 for R2 to
verify. Every other client header (Content-Disposition, Content-Encoding, ...) is ignored.
Without ``ow`` the put is create-only (``onlyIf: {etagDoesNotMatch: "*"}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .content_types import guess_content_type
from .errors import ApiError
from .tokens import TokenClaims
from .uploads import check_single_put_size, parse_content_length, write_options

__all__ = [
    "TokenPut",
    "already_exists",
    "check_token_put",
    "check_token_scope",
    "put_options",
    "upload_content_type",
]

# R2's BadDigest: the body does not match the sha256 put option.


@dataclass(frozen=True)
class TokenPut:
    """An upload that passed every check: its length and the Content-Type to store."""

    length: int
    content_type: str


def upload_content_type(claims: TokenClaims, header: str | None, key: str) -> str:
    """The request's Content-Type; without one, the token's single exact type (so a plain
    ``curl -T`` works), else the type for the key's extension."""
    if header is not None and header.strip():
        return header.strip()
    allowed = claims.content_types or ()
    if len(allowed) == 1 and "*" not in allowed[0]:
        return allowed[0]
    return guess_content_type(key)


def check_token_put(
    claims: TokenClaims, key: str, headers: Mapping[str, str], max_put_bytes: int
) -> TokenPut:
    """In order: op and key scope (403 token_scope), Content-Length (411 length_required,
    400 invalid_content_length), size (413 too_large, 400 length_mismatch), content type
    (415 unsupported_media_type)."""
    check_token_scope(claims, "put", key)
    length = parse_content_length(headers)
    check_single_put_size(length, max_put_bytes)
    content_type = upload_content_type(claims, headers.get("content-type"), key)
    if claims.exact_length is not None and length != claims.exact_length:
        raise ApiError(400, "length_mismatch", "body length differs from the token's len")
    if claims.max_bytes is not None and length > claims.max_bytes:
        raise ApiError(413, "too_large", f"body exceeds the token's max of {claims.max_bytes}")
    if not claims.allows_content_type(content_type):
        raise ApiError(415, "unsupported_media_type", "content type not allowed by token")
    return TokenPut(length=length, content_type=content_type)


def check_token_scope(claims: TokenClaims, op: str, key: str) -> None:
    """403 token_scope unless the token grants `op` (put, mpu, get, delete) on `key`."""
    if op != claims.op:
        raise ApiError(403, "token_scope", f"token grants {claims.op}, not {op}")
    if not claims.covers(key):
        raise ApiError(403, "token_scope", "token does not cover this key")


def put_options(claims: TokenClaims, content_type: str) -> dict[str, Any]:
    """R2 put options for a token upload."""
    options: dict[str, Any] = write_options(content_type, claims.cache_control, claims.metadata)
    if claims.sha256 is not None:
        options["sha256"] = claims.sha256
    if not claims.overwrite:
        options["onlyIf"] = {"etagDoesNotMatch": "*"}
    return options


def already_exists() -> ApiError:
    """412 for a create-only token whose key is taken (R2's put returned null)."""
    return ApiError(
        412,
        "already_exists",
        "An object with this key exists and the token does not allow overwriting it.",
    )
