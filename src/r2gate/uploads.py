"""Checks on an upload request made before any byte is sent to R2."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .errors import ApiError
from .mediatype import (
    MediaRange,
    MediaType,
    MediaTypeError,
    allows,
    is_active,
    parse_media_ranges,
)
from .numbers import decimal_param
from .text import has_control

# 16 digits: any real length fits, and the size limits answer 413 above them.
MAX_CONTENT_LENGTH = 10**16 - 1


def parse_content_length(headers: Mapping[str, str]) -> int:
    """The request's Content-Length: 411 when absent, 400 invalid_content_length unless it is
    one canonical decimal number (no sign, no leading zero, no list)."""
    raw = headers.get("content-length")
    if raw is None:
        raise ApiError(411, "length_required", "A Content-Length header is required.")
    value = raw.strip(" \t")
    return decimal_param(
        value, "Content-Length", maximum=MAX_CONTENT_LENGTH, code="invalid_content_length"
    )


def check_single_put_size(length: int, limit: int) -> None:
    """413 for a single PUT over the limit, pointing at multipart uploads."""
    if length > limit:
        raise ApiError(
            413,
            "too_large",
            f"A single PUT may carry at most {limit} bytes; use a multipart upload "
            "(POST /<key>?uploads) for larger files.",
        )


# Request headers an API-key PUT (a trusted server) may store with the object, as R2's
# httpMetadata fields. Token uploads store only what the token says.
_STORED_HEADERS = {
    "cache-control": "cacheControl",
    "content-disposition": "contentDisposition",
    "content-encoding": "contentEncoding",
    "content-language": "contentLanguage",
}


def trusted_http_metadata(headers: Mapping[str, str], content_type: str) -> dict[str, str]:
    """httpMetadata for an API-key PUT: the content type plus the stored headers sent with it."""
    metadata = {"contentType": content_type}
    for header, field in _STORED_HEADERS.items():
        value = headers.get(header, "").strip()
        if value:
            if has_control(value) or len(value) > 1024:
                raise ApiError(400, "invalid_header", f"The {header} header is not acceptable.")
            metadata[field] = value
    return metadata


def write_options(
    content_type: str, cache_control: str | None, metadata: Mapping[str, str] | None
) -> dict[str, object]:
    """R2 put/createMultipartUpload options: the stored type, Cache-Control and metadata."""
    http = {"contentType": content_type}
    if cache_control is not None:
        http["cacheControl"] = cache_control
    options: dict[str, object] = {"httpMetadata": http}
    if metadata:
        options["customMetadata"] = dict(metadata)
    return options


@dataclass(frozen=True)
class UploadBounds:
    """What a bounded caller's upload may be and what is stored with it: a token's grant
    today (an S3 credential's limits next). None means unbounded; `overwrite` False makes
    every write create-only. Trusted callers (API keys) have no bounds at all."""

    content_types: tuple[str, ...] | None = None
    max_bytes: int | None = None
    exact_length: int | None = None
    sha256: str | None = None
    metadata: Mapping[str, str] | None = None
    cache_control: str | None = None
    overwrite: bool = False

    @property
    def exact_type(self) -> str | None:
        """The one type the bounds allow, when they name exactly one and no pattern: what an
        upload without a Content-Type stores (so a plain ``curl -T`` works)."""
        ranges = self._ranges()
        if ranges is None or len(ranges) != 1 or ranges[0].is_wildcard:
            return None
        return ranges[0].canonical

    def _ranges(self) -> tuple[MediaRange, ...] | None:
        if self.content_types is None:
            return None
        try:
            return parse_media_ranges(self.content_types)
        except MediaTypeError:
            return ()  # never allows anything (the claims were checked when minted)

    def allows_content_type(self, media: MediaType) -> bool:
        """`media` matches an allowed pattern (r2gate.mediatype.allows). An active type (HTML,
        SVG, JavaScript, XML) is allowed only when a pattern names it exactly: never by
        ``*/*`` or ``text/*``, and never by bounds that name no type at all."""
        ranges = self._ranges()
        if ranges is None:
            return not is_active(media)
        return allows(ranges, media)
