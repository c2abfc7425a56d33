"""``PUT /<key>``: the checks before any byte moves, and the R2 put options (`plan_put`).

The Content-Type is parsed strictly (one RFC 9110 media type, no list, one field) and its
canonical form is what is stored. A generic type (octet-stream, curl's form type) never hides
the key's known extension (`content_types.stored_content_type`); the answer says so.

A trusted caller (an API key, ``upload`` None) stores the request's Content-Type (else the type
for the key's extension), Cache-Control, Content-Disposition, -Encoding and -Language, and may
replace an object.

A bounded caller (a token) stores only what its bounds grant: the request's Content-Type (which
the bounds must allow; an active type such as HTML or SVG only when they name it), their Cache-
Control and custom metadata, and their sha256 for R2 to verify. Every other client header is
ignored. Without ``overwrite`` the put is create-only (``onlyIf: {etagDoesNotMatch: "*"}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .conditional import Current, WriteConditions, pinned
from .content_types import StoredType, stored_content_type
from .errors import ApiError
from .mediatype import MediaType, MediaTypeError, parse_media_type, single_media_type
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
    "media_type_of",
    "plan_put",
    "precondition_failed",
    "put_options",
    "reads_current",
    "request_media_type",
    "write_guard",
]


@dataclass(frozen=True)
class PutPlan:
    """A PUT that passed every check: its length, the Content-Type to store (and where it came
    from), R2's put options, and whether the answer must say if an object was replaced (200)
    or created (201)."""

    length: int
    stored: StoredType
    options: dict[str, Any]
    reports_replacement: bool

    @property
    def content_type(self) -> str:
        return self.stored.content_type


def media_type_of(value: str | None, what: str = "Content-Type") -> MediaType | None:
    """`value` parsed strictly (RFC 9110 8.3.1, r2gate.mediatype), None when absent: 400
    invalid_content_type for a malformed value, a list, or several fields (joined by ", ")."""
    try:
        return single_media_type(value)
    except MediaTypeError as error:
        raise ApiError(
            400, "invalid_content_type", f"The {what} must be one media type: {error}."
        ) from None


def request_media_type(headers: Mapping[str, str]) -> MediaType | None:
    """The request's one Content-Type (`media_type_of`)."""
    return media_type_of(headers.get("content-type"))


def _not_allowed(media: str) -> ApiError:
    return ApiError(415, "unsupported_media_type", f"The upload may not store {media}.")


def bounded_content_type(bounds: UploadBounds, sent: MediaType | None, key: str) -> StoredType:
    """What a bounded upload of `key` stores: the type sent (a generic one replaced by the
    key's known type, `stored_content_type`), else the bounds' one exact type, else the key's
    type. It must be allowed by the bounds (415 unsupported_media_type); when the key's type
    replaced a generic one the bounds do not allow, the type sent is stored if they allow it."""
    if sent is None:
        exact = bounds.exact_type
        candidates = [StoredType(exact) if exact else stored_content_type(None, key)]
    else:
        stored = stored_content_type(sent, key)
        candidates = [stored] + ([StoredType(sent.canonical)] if stored.replaced else [])
    for candidate in candidates:
        if bounds.allows_content_type(parse_media_type(candidate.content_type)):
            return candidate
    raise _not_allowed(candidates[0].content_type)


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
    content type (400 invalid_content_type, 415 unsupported_media_type) or stored headers
    (400 invalid_header)."""
    length = parse_content_length(headers)
    check_single_put_size(length, max_put_bytes)
    sent = request_media_type(headers)
    if upload is None:
        stored = stored_content_type(sent, key)
        metadata = trusted_http_metadata(headers, stored.content_type)
        return PutPlan(length, stored, {"httpMetadata": metadata}, True)
    check_bounded_length(upload, length)
    stored = bounded_content_type(upload, sent, key)
    return PutPlan(length, stored, put_options(upload, stored.content_type), upload.overwrite)


def already_exists() -> ApiError:
    """412 for a create-only upload whose key is taken (R2's put returned null)."""
    return ApiError(
        412,
        "already_exists",
        "An object with this key exists and the token does not allow overwriting it.",
    )


def precondition_failed() -> ApiError:
    """412 for a write whose If-Match, If-None-Match or If-Unmodified-Since does not hold."""
    return ApiError(
        412,
        "precondition_failed",
        "A precondition (If-Match, If-None-Match or If-Unmodified-Since) does not hold for "
        "the current object; nothing was written.",
    )


def reads_current(conditions: WriteConditions, create_only: bool) -> bool:
    """Must a write read the current object before `write_guard`? (When its preconditions
    are more than one R2 condition, or meet a create-only grant.)"""
    return conditions.present and (conditions.needs_current or create_only)


def write_guard(
    conditions: WriteConditions, current: Current | None, *, create_only: bool
) -> dict[str, str] | None:
    """R2's ``onlyIf`` for a PUT (or None), so that the preconditions and the write are one
    step: the request's own conditions when R2 can decide them alone, else the object that was
    read (`current`, after `reads_current`) pinned by its etag, or pinned absent.

    412 precondition_failed when the preconditions do not hold against `current`; 412
    already_exists when a create-only grant meets an object."""
    if reads_current(conditions, create_only):
        if not conditions.holds(current):
            raise precondition_failed()
        if create_only and current is not None:
            raise already_exists()
        return pinned(current)
    if create_only:
        return {"etagDoesNotMatch": "*"}
    return conditions.only_if
