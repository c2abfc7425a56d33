"""``PUT /<key>``: the checks before any byte moves, and the R2 put options (`plan_put`).

A trusted caller (an API key, ``upload`` None) stores the request's Content-Type (else the
type for the key's extension), Cache-Control, Content-Disposition, -Encoding and -Language,
and may replace an object.

A bounded caller (a token) stores only what its bounds grant: the request's Content-Type
(which the bounds must allow), their Cache-Control and custom metadata, and their sha256 for
R2 to verify. Every other client header is ignored. Without ``overwrite`` the put is
create-only (``onlyIf: {etagDoesNotMatch: "*"}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .content_types import guess_content_type
from .errors import ApiError
from .uploads import (
    UploadBounds,
    check_single_put_size,
    parse_content_length,
    trusted_http_metadata,
    write_options,
)

__all__ = [
    "PutPlan",
    "already_exists",
    "bounded_content_type",
    "check_bounded_length",
    "plan_put",
    "put_options",
]


@dataclass(frozen=True)
class PutPlan:
    """A PUT that passed every check: its length, the Content-Type to store, R2's put options,
    and whether the answer must say if an object was replaced (200) or created (201)."""

    length: int
    content_type: str
    options: dict[str, Any]
    reports_replacement: bool


def bounded_content_type(bounds: UploadBounds, header: str | None, key: str) -> str:
    """The request's Content-Type; without one, the bounds' single exact type (so a plain
    ``curl -T`` works), else the type for the key's extension."""
    if header is not None and header.strip():
        return header.strip()
    allowed = bounds.content_types or ()
    if len(allowed) == 1 and "*" not in allowed[0]:
        return allowed[0]
    return guess_content_type(key)


def check_bounded_length(bounds: UploadBounds, length: int) -> None:
    """400 length_mismatch against an exact length, 413 too_large past the maximum."""
    if bounds.exact_length is not None and length != bounds.exact_length:
        raise ApiError(400, "length_mismatch", "body length differs from the token's len")
    if bounds.max_bytes is not None and length > bounds.max_bytes:
        raise ApiError(413, "too_large", f"body exceeds the token's max of {bounds.max_bytes}")


def put_options(bounds: UploadBounds, content_type: str) -> dict[str, Any]:
    """R2 put options for a bounded upload: only what the bounds grant."""
    options: dict[str, Any] = write_options(content_type, bounds.cache_control, bounds.metadata)
    if bounds.sha256 is not None:
        options["sha256"] = bounds.sha256
    if not bounds.overwrite:
        options["onlyIf"] = {"etagDoesNotMatch": "*"}
    return options


def plan_put(
    upload: UploadBounds | None, key: str, headers: Mapping[str, str], max_put_bytes: int
) -> PutPlan:
    """Check a PUT whose caller may write `key`, in order: Content-Length (411
    length_required, 400 invalid_content_length), size (413 too_large, 400 length_mismatch),
    content type (415 unsupported_media_type) or stored headers (400 invalid_header)."""
    length = parse_content_length(headers)
    check_single_put_size(length, max_put_bytes)
    if upload is None:
        content_type = headers.get("content-type") or guess_content_type(key)
        metadata = trusted_http_metadata(headers, content_type)
        return PutPlan(length, content_type, {"httpMetadata": metadata}, True)
    content_type = bounded_content_type(upload, headers.get("content-type"), key)
    check_bounded_length(upload, length)
    if not upload.allows_content_type(content_type):
        raise ApiError(415, "unsupported_media_type", "content type not allowed by token")
    return PutPlan(length, content_type, put_options(upload, content_type), upload.overwrite)


def already_exists() -> ApiError:
    """412 for a create-only upload whose key is taken (R2's put returned null)."""
    return ApiError(
        412,
        "already_exists",
        "An object with this key exists and the token does not allow overwriting it.",
    )
