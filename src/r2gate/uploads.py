"""Checks on an upload request made before any byte is sent to R2."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .errors import ApiError
from .numbers import decimal_param
from .text import has_control
from .tokens import media_type

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

    def allows_content_type(self, content_type: str | None) -> bool:
        """Media type (parameters and case ignored) matches one allowed range, or no ranges."""
        if self.content_types is None:
            return True
        media = media_type(content_type)
        if media is None:
            return False
        major = media.split("/", 1)[0]
        return any(
            allowed in (media, "*/*") or allowed == f"{major}/*" for allowed in self.content_types
        )
