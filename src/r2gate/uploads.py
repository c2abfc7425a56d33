"""An upload's Content-Length and the bounds of a bounded writer (r2gate.write_policy)."""

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


@dataclass(frozen=True)
class UploadBounds:
    """What a bounded writer's upload may be and what is stored with it: a token's grant, or
    the limits of an S3 key pair's presigned requests. None means unbounded; `overwrite`
    False makes every write create-only. Trusted writers (API keys, header-signed S3
    requests) have no bounds at all.

    `own_headers`: the writer stores the Cache-Control, Content-Disposition, -Encoding,
    -Language and metadata it sends (an S3 pair's limits bound only size, type and
    overwriting); otherwise only `cache_control` and `metadata` here are stored (a token)."""

    content_types: tuple[str, ...] | None = None
    max_bytes: int | None = None
    exact_length: int | None = None
    sha256: str | None = None
    metadata: Mapping[str, str] | None = None
    cache_control: str | None = None
    overwrite: bool = False
    own_headers: bool = False

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
