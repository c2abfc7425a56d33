"""Turn R2 binding failures (error text from workerd or Miniflare) into client-facing errors."""

from __future__ import annotations

import re

from .errors import ApiError

_CODE = re.compile(r"\((\d{5})\)")

# R2 binding error numbers (https://developers.cloudflare.com/r2/api/error-codes/).
_BY_CODE: dict[int, tuple[int, str, str]] = {
    10039: (416, "range_not_satisfiable", "The requested range is not satisfiable."),
    10058: (429, "rate_limited", "Too many writes to this key; retry shortly."),
    10037: (413, "too_large", "The object is larger than storage accepts."),
    10048: (400, "part_size_mismatch", "All non-final parts must have the same size."),
    10024: (404, "upload_not_found", "The multipart upload does not exist."),
    10025: (400, "invalid_part", "A part is missing or does not match its etag."),
    10011: (400, "checksum_mismatch", "The body does not match the checksum it was sent with."),
}


def classify_storage_error(message: str) -> ApiError:
    """Map an R2 error message to an ApiError; unknown failures become a 502 `storage_error`."""
    text = message or ""
    lowered = text.lower()
    if "known length" in lowered:
        return ApiError(411, "length_required", "A Content-Length header is required.")
    if "declared length" in lowered or "expected bytes" in lowered or "too many bytes" in lowered:
        return ApiError(
            400,
            "body_length_mismatch",
            "The body did not match its Content-Length; nothing was stored.",
        )
    match = _CODE.search(text)
    if match and int(match.group(1)) in _BY_CODE:
        status, code, msg = _BY_CODE[int(match.group(1))]
        headers = {"Retry-After": "1"} if status == 429 else {}
        return ApiError(status, code, msg, headers)
    if "digest" in lowered or "checksum" in lowered or "md5" in lowered or "sha" in lowered:
        return ApiError(400, "checksum_mismatch", "The body does not match its checksum.")
    return ApiError(502, "storage_error", "The storage backend failed; nothing was changed.")
